using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace FunctionsLocalHost.Tests;

/// <summary>Timer functions through the local host: on schedule, on demand, and after downtime.</summary>
public sealed class TimerTriggerTests(AzuriteQueues azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Timer_FiresOnItsSchedule()
    {
        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: true);

        // Every two seconds: within ten, several runs, none past due (there was no downtime).
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(10);
        while ((await sample.TicksAsync()).Count < 2 && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(200, Ct);
        }

        var ticks = await sample.TicksAsync();
        Assert.True(ticks.Count >= 2, sample.Log);
        Assert.All(ticks, t => Assert.Equal("False", t));
    }

    [Fact]
    public async Task AdminRoute_RunsATimerNow_WhenTimersAreOff()
    {
        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: false);
        await Task.Delay(2500, Ct);
        Assert.Empty(await sample.TicksAsync());

        using var response = await sample.Http.PostAsJsonAsync("/admin/functions/Tick", new { input = "" }, Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(10);
        while ((await sample.TicksAsync()).Count == 0 && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(100, Ct);
        }

        Assert.Equal(["False"], await sample.TicksAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await sample.Http.PostAsJsonAsync("/admin/functions/NoSuchTimer", new { input = "" }, Ct)).StatusCode);
    }

    [Fact]
    public async Task Timer_AfterDowntime_RunsOnceAtStart_PastDue()
    {
        // The status a previous run left: its next occurrence came and went while nothing ran.
        var state = Directory.CreateTempSubdirectory("local-host-state-").FullName;
        Directory.CreateDirectory(Path.Combine(state, "timers"));
        var hourAgo = TimeProvider.System.GetUtcNow().AddHours(-1);
        await File.WriteAllTextAsync(Path.Combine(state, "timers", "Tick.json"), JsonSerializer.Serialize(new { Last = hourAgo, Next = hourAgo.AddSeconds(2), LastUpdated = hourAgo }), Ct);

        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: true, state);
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(10);
        while ((await sample.TicksAsync()).Count == 0 && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(100, Ct);
        }

        var ticks = await sample.TicksAsync();
        Assert.Equal("True", ticks[0]);
        Assert.DoesNotContain("True", ticks.Skip(1)); // one catch-up, not one per missed occurrence
    }

    [Fact]
    public async Task AdminRoute_RunsATimerThatHasNotRunYet()
    {
        // The status a start with timers on leaves before the first occurrence: a next run, no last one.
        var state = Directory.CreateTempSubdirectory("local-host-state-").FullName;
        Directory.CreateDirectory(Path.Combine(state, "timers"));
        var now = TimeProvider.System.GetUtcNow();
        await File.WriteAllTextAsync(Path.Combine(state, "timers", "Tick.json"), JsonSerializer.Serialize(new { Last = (DateTimeOffset?)null, Next = now.AddHours(1), LastUpdated = now }), Ct);
        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: false, state);

        var outcome = await sample.Host.RunTimerAsync("Tick", Ct);

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal(["False"], await sample.TicksAsync());
    }
}

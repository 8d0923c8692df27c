using System.Text;
using System.Text.Json;
using AftercareNudge.Hosting;
using Microsoft.AspNetCore.Http;

namespace AftercareNudge.Tests.Hosting;

public sealed class TimerFunctionsTests
{
    private static HttpRequest Request(string body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Path = "/DispatchDueCheckIns";
        context.Request.ContentType = "application/json";
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        return context.Request;
    }

    private static Task<TimerInfo> ReadAsync(string body) =>
        TimerFunctions.ReadTimerInfoAsync(Request(body), TestContext.Current.CancellationToken);

    // ---- ReadTimerInfoAsync ----

    [Fact]
    public async Task ReadTimerInfo_HostPayload_IsPastDueAndLastAreRead()
    {
        var timer = await ReadAsync("""
            {
              "Data": {
                "timer": {
                  "Schedule": { "AdjustForDST": true },
                  "ScheduleStatus": {
                    "Last": "2026-12-05T09:00:00.0000000+00:00",
                    "Next": "2026-12-05T09:01:00.0000000+00:00",
                    "LastUpdated": "2026-12-05T09:00:00.1234567+00:00"
                  },
                  "IsPastDue": true
                }
              },
              "Metadata": {
                "sys": { "MethodName": "DispatchDueCheckIns", "UtcNow": "2026-12-05T09:03:12.5Z", "RandGuid": "7d8e1a38-5d2c-4b8e-9b3a-0c4f3d1e2a10" }
              }
            }
            """);

        Assert.True(timer.IsPastDue);
        Assert.NotNull(timer.ScheduleStatus);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero), timer.ScheduleStatus.Last);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 9, 1, 0, TimeSpan.Zero), timer.ScheduleStatus.Next);
        Assert.NotNull(timer.ScheduleStatus.LastUpdated);
    }

    [Fact]
    public async Task ReadTimerInfo_UnreadableScheduleStatus_KeepsIsPastDue()
    {
        var timer = await ReadAsync("""{ "Data": { "timer": { "ScheduleStatus": { "Last": "not a date" }, "IsPastDue": true } } }""");

        Assert.True(timer.IsPastDue);
        Assert.Null(timer.ScheduleStatus);
    }

    [Fact]
    public async Task ReadTimerInfo_ScheduleStatusNull_IsReadWithoutStatus()
    {
        var timer = await ReadAsync("""
            { "Data": { "timer": { "Schedule": { "AdjustForDST": true }, "ScheduleStatus": null, "IsPastDue": false } },
              "Metadata": { "sys": { "MethodName": "DispatchDueCheckIns" } } }
            """);

        Assert.False(timer.IsPastDue);
        Assert.Null(timer.ScheduleStatus);
    }

    [Fact]
    public async Task ReadTimerInfo_BindingNamedOtherwise_IsStillRead()
    {
        var timer = await ReadAsync("""{ "Data": { "myTimer": { "IsPastDue": true } } }""");

        Assert.True(timer.IsPastDue);
    }

    [Fact]
    public async Task ReadTimerInfo_EmptyBody_IsAPlainFiring()
    {
        var timer = await ReadAsync("");

        Assert.Equal(new TimerInfo(false, null), timer);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("{ \"Data\": ")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{ \"Data\": null }")]
    [InlineData("{ \"Data\": { \"timer\": \"text\" } }")]
    public async Task ReadTimerInfo_OddPayload_IsAPlainFiring(string body)
    {
        var timer = await ReadAsync(body);

        Assert.Equal(new TimerInfo(false, null), timer);
    }

    // ---- ReadSchedule ----

    [Fact]
    public void ReadSchedule_RealDispatchFunctionJson_IsEveryMinuteAtSecondZero()
    {
        var read = TimerFunctions.ReadSchedule("DispatchDueCheckIns", AppFiles.Directory);
        var schedule = read.Schedule;

        Assert.False(read.RunOnStartup);
        Assert.Equal("0 * * * * *", read.Text);
        var from = new DateTimeOffset(2026, 12, 5, 9, 0, 30, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 9, 1, 0, TimeSpan.Zero), schedule.GetNextOccurrence(from, TimeZoneInfo.Utc));
        Assert.Equal(
            new DateTimeOffset(2026, 12, 5, 9, 2, 0, TimeSpan.Zero),
            schedule.GetNextOccurrence(new DateTimeOffset(2026, 12, 5, 9, 1, 0, TimeSpan.Zero), TimeZoneInfo.Utc));
    }

    [Fact]
    public void ReadSchedule_TestOutput_HoldsTheSameFunctionJsonAsSource()
    {
        // The in-process scheduler reads from AppContext.BaseDirectory: the build must copy it there.
        var copied = Path.Combine(AppContext.BaseDirectory, "DispatchDueCheckIns", "function.json");

        Assert.True(File.Exists(copied), $"{copied} is missing from the build output.");
        Assert.Equal(
            File.ReadAllText(Path.Combine(AppFiles.SourceDirectory, "DispatchDueCheckIns", "function.json")),
            File.ReadAllText(copied));
    }

    [Fact]
    public void ReadSchedule_NoTimerTrigger_SaysWhichFile()
    {
        var dir = Path.Combine(Path.GetTempPath(), "timers-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "Api"));
        try
        {
            File.Copy(Path.Combine(AppFiles.SourceDirectory, "Api", "function.json"), Path.Combine(dir, "Api", "function.json"));

            var error = Assert.Throws<InvalidOperationException>(() => TimerFunctions.ReadSchedule("Api", dir));

            Assert.Contains(Path.Combine("Api", "function.json"), error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    // ---- the host's files ----

    [Fact]
    public void HostJson_InSource_SetsTimeoutAndProxying()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppFiles.SourceDirectory, "host.json")));
        var root = host.RootElement;

        Assert.Equal("2.0", root.GetProperty("version").GetString());
        Assert.True(TimeSpan.TryParse(root.GetProperty("functionTimeout").GetString(), System.Globalization.CultureInfo.InvariantCulture, out var timeout));
        Assert.True(timeout > TimeSpan.Zero);
        var handler = root.GetProperty("customHandler");
        Assert.True(handler.GetProperty("enableProxyingHttpRequest").GetBoolean());
        Assert.Equal("AftercareNudge.Functions", handler.GetProperty("description").GetProperty("defaultExecutablePath").GetString());
    }

    [Fact]
    public void ApiFunctionJson_InSource_IsAnonymousCatchAll()
    {
        using var function = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppFiles.SourceDirectory, "Api", "function.json")));
        var bindings = function.RootElement.GetProperty("bindings").EnumerateArray().ToList();

        var trigger = Assert.Single(bindings, b => b.GetProperty("type").GetString() == "httpTrigger");
        Assert.Equal("{*path}", trigger.GetProperty("route").GetString());
        Assert.Equal("anonymous", trigger.GetProperty("authLevel").GetString());
        Assert.Equal("in", trigger.GetProperty("direction").GetString());
        var methods = trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains("post", methods);
        Assert.Contains("patch", methods);
        Assert.Contains("delete", methods);
        Assert.Single(bindings, b => b.GetProperty("type").GetString() == "http" && b.GetProperty("direction").GetString() == "out");
    }

    [Fact]
    public void DispatchFunctionJson_InSource_IsATimerWithSixFieldSchedule()
    {
        using var function = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppFiles.SourceDirectory, "DispatchDueCheckIns", "function.json")));

        var trigger = Assert.Single(function.RootElement.GetProperty("bindings").EnumerateArray());
        Assert.Equal("timerTrigger", trigger.GetProperty("type").GetString());
        Assert.Equal(6, trigger.GetProperty("schedule").GetString()!.Split(' ').Length);
    }
}

using FunctionsLocalHost.SampleWorker;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsLocalHost.Tests;

/// <summary>The worker in the test's own process, with one of its services replaced, as the app's integration tests will run it.</summary>
public sealed class InProcessWorkerTests(AzuriteQueues azurite)
{
    private sealed class Hi : IGreeting
    {
        public string Greet(string name) => "hi " + name;
    }

    [Fact]
    public async Task InProcess_ServesTheFunctions_WithReplacedServices()
    {
        var worker = new InProcessWorker(typeof(Hello).Assembly, azurite.SettingsFor(AzuriteQueues.UniqueQueueName()), services => services.AddSingleton<IGreeting, Hi>());
        await using var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions { AppDirectory = SampleWorkerHost.AppDirectory, Port = 0, Timers = false }, worker, TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        Assert.Equal("hi kit", await http.GetStringAsync("/api/greet/kit", TestContext.Current.CancellationToken));
        var services = (await worker.Built).Services;
        Assert.IsType<Hi>(services.GetRequiredService<IGreeting>());
    }

    private sealed class Hey : IGreeting
    {
        public string Greet(string name) => "hey " + name;
    }

    /// <summary>The integration tests run many apps at once, each with its own fakes: two workers in one process do not meet.</summary>
    [Fact]
    public async Task InProcess_TwoWorkersAtOnce_EachServesWithItsOwnServices()
    {
        var hi = new InProcessWorker(typeof(Hello).Assembly, azurite.SettingsFor(AzuriteQueues.UniqueQueueName()), services => services.AddSingleton<IGreeting, Hi>());
        var hey = new InProcessWorker(typeof(Hello).Assembly, azurite.SettingsFor(AzuriteQueues.UniqueQueueName()), services => services.AddSingleton<IGreeting, Hey>());
        var options = new LocalHostOptions { AppDirectory = SampleWorkerHost.AppDirectory, Port = 0, Timers = false };
        var starting = new[] { LocalFunctionsHost.StartAsync(options, hi, TestContext.Current.CancellationToken), LocalFunctionsHost.StartAsync(options, hey, TestContext.Current.CancellationToken) };
        await using var first = await starting[0];
        await using var second = await starting[1];
        using var toFirst = new HttpClient { BaseAddress = first.BaseAddress };
        using var toSecond = new HttpClient { BaseAddress = second.BaseAddress };

        var answers = await Task.WhenAll(
            Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? toFirst : toSecond).GetStringAsync($"/api/greet/n{i}", TestContext.Current.CancellationToken)));

        Assert.All(answers.Select((a, i) => (a, i)), x => Assert.Equal((x.i % 2 == 0 ? "hi n" : "hey n") + x.i, x.a));
    }
}

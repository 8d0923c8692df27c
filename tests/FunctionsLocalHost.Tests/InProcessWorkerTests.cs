using FunctionsLocalHost.SampleWorker;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsLocalHost.Tests;

/// <summary>The worker in the test's own process, with one of its services replaced, as the app's integration tests will run it.</summary>
public sealed class InProcessWorkerTests
{
    private sealed class Hi : IGreeting
    {
        public string Greet(string name) => "hi " + name;
    }

    [Fact]
    public async Task InProcess_ServesTheFunctions_WithReplacedServices()
    {
        var worker = new InProcessWorker(typeof(Hello).Assembly, new Dictionary<string, string?>(), services => services.AddSingleton<IGreeting, Hi>());
        await using var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions { AppDirectory = SampleWorkerHost.AppDirectory, Port = 0, Timers = false }, worker, TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        Assert.Equal("hi kit", await http.GetStringAsync("/api/greet/kit", TestContext.Current.CancellationToken));
        var services = (await worker.Built).Services;
        Assert.IsType<Hi>(services.GetRequiredService<IGreeting>());
    }
}

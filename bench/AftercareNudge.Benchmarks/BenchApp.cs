using AftercareNudge.Dispatch;
using AftercareNudge.Messaging;
using FunctionsLocalHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>The app's real worker in this process, under the local Functions host, on given tables, sending through a stand-in.</summary>
internal static class BenchApp
{
    public static async Task<(LocalFunctionsHost Host, InProcessWorker Worker)> StartAsync<TSender>(string connection, string prefix, TSender sender, bool timers)
        where TSender : ISmsSender, IEmailSender
    {
        var settings = new Dictionary<string, string?>
        {
            // The providers are replaced below; the environment says so, as the tests' does.
            ["environment"] = "Testing",
            ["AzureWebJobsStorage"] = connection,
            ["Storage:TablePrefix"] = prefix,
            ["Api:Keys:clientA"] = "bench-key-a-0123456789abcdef",
            ["Api:Keys:clientB"] = "bench-key-b-0123456789abcdef",
            ["Api:Quotas:MessagesPerDay"] = "1000000",
            ["Public:BaseUrl"] = "http://127.0.0.1:7071",
        };
        var worker = new InProcessWorker(typeof(Dispatcher).Assembly, settings, services =>
        {
            services.AddSingleton<ISmsSender>(sender);
            services.AddSingleton<IEmailSender>(sender);
        });
        var host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions
            {
                AppDirectory = AppContext.BaseDirectory,
                Port = 0,
                Timers = timers,
                StateDirectory = Directory.CreateTempSubdirectory("bench-host-").FullName,
                Logging = logging => logging.ClearProviders(),
            },
            worker);
        return (host, worker);
    }
}

using System.Text;
using AftercareNudge.Consent;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using FunctionsLocalHost;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// The built app as its own process under the local Functions host, the way the real host runs it: the
/// worker started from its build (or publish) folder with the app settings in its environment, HTTP
/// requests routed and forwarded by the host, timers fired by the host. What the host and the worker
/// print is kept in <see cref="Output"/>.
/// </summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly StringBuilder _output;
    private readonly Lazy<AppTables> _tables;

    private AppProcess(LocalFunctionsHost host, ChildProcessWorker worker, StringBuilder output, string tablePrefix, string? connectionString)
    {
        Host = host;
        Worker = worker;
        _output = output;
        TablePrefix = tablePrefix;
        _tables = new Lazy<AppTables>(() => new AppTables(new TableServiceClient(connectionString), tablePrefix));
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public LocalFunctionsHost Host { get; }

    public ChildProcessWorker Worker { get; }

    public Uri BaseUrl => Host.BaseAddress;

    public string TablePrefix { get; }

    /// <summary>The same tables the app uses, for what a test does as a recipient (consent).</summary>
    public AppTables Tables => _tables.Value;

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public ConsentStore Consents => new(Tables, TimeProvider.System, [], DomainEvents<ConsentChanged>.None);

    /// <summary>The settings every test app has: its storage and tables, a client key, the public URL, generous limits.</summary>
    public static Dictionary<string, string?> Settings(AzuriteFixture azurite, int port, IDictionary<string, string?> settings)
    {
        var environment = new Dictionary<string, string?>(settings)
        {
            ["Storage__TablePrefix"] = settings.TryGetValue("Storage__TablePrefix", out var prefix) ? prefix : AzuriteFixture.UniquePrefix(),
        };
        environment.TryAdd("AzureWebJobsStorage", azurite.ConnectionString);
        environment.TryAdd("Api__Keys__clientA", AppFactory.ClientAKey);
        environment.TryAdd("Public__BaseUrl", $"http://127.0.0.1:{port}");

        // The tests poll the dev outbox; the limits have tests of their own.
        environment.TryAdd("RateLimits__PublicPerMinute", "100000");
        environment.TryAdd("RateLimits__ClientPerMinute", "100000");
        environment.TryAdd("Service__Contact", AppFactory.ServiceContact);

        // As AppFactory: a loaded machine's slow storage is not a hang (StorageHangTests tests the 8 s).
        environment.TryAdd("Storage__RequestBudget", "00:00:30");
        return environment;
    }

    /// <summary>Starts the app from <paramref name="appDirectory"/> (default: its build folder) under the local host, on a free port.</summary>
    public static async Task<AppProcess> StartAsync(AzuriteFixture azurite, IDictionary<string, string?> settings, bool timers = false, string? appDirectory = null)
    {
        var port = ChildProcess.FreePort();
        var environment = Settings(azurite, port, settings);
        var output = new StringBuilder();
        var (host, worker) = await StartHostAsync(port, environment, output, timers, appDirectory);
        return new AppProcess(host, worker, output, environment["Storage__TablePrefix"]!, environment.GetValueOrDefault("AzureWebJobsStorage"));
    }

    /// <summary>Starts the app expecting it not to start; returns what it printed and why the host gave up.</summary>
    public static async Task<string> StartRefusedAsync(AzuriteFixture azurite, IDictionary<string, string?> settings)
    {
        var port = ChildProcess.FreePort();
        var output = new StringBuilder();
        try
        {
            var (host, _) = await StartHostAsync(port, Settings(azurite, port, settings), output, timers: false, appDirectory: null);
            await host.DisposeAsync();
        }
        catch (InvalidOperationException e)
        {
            lock (output)
            {
                return output + "\n" + e.Message;
            }
        }

        throw new Xunit.Sdk.XunitException("The app started:\n" + output);
    }

    private static async Task<(LocalFunctionsHost Host, ChildProcessWorker Worker)> StartHostAsync(
        int port, Dictionary<string, string?> environment, StringBuilder output, bool timers, string? appDirectory)
    {
        void Write(string line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }

        var worker = new ChildProcessWorker(environment, Write);
        var host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions
            {
                AppDirectory = appDirectory ?? Repository.FunctionsOutput,
                Port = port,
                Timers = timers,
                StateDirectory = Directory.CreateTempSubdirectory("aftercare-host-state-").FullName,
                StartTimeout = TimeSpan.FromSeconds(60),
                Logging = logging => logging.AddProvider(new LineLoggerProvider(Write)).SetMinimumLevel(LogLevel.Information),
            },
            worker,
            TestContext.Current.CancellationToken);
        return (host, worker);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}

using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging;

namespace FunctionsLocalHost.Tests;

/// <summary>
/// The sample worker's build folder, and a local host running it as a child process, with everything it
/// logged; its queue function listens to a queue of its own on the test run's Azurite.
/// </summary>
public sealed class SampleWorkerHost : IAsyncDisposable
{
    private readonly StringBuilder _log = new();

    private SampleWorkerHost(string stateDirectory, string ticksFile, string queueName)
    {
        StateDirectory = stateDirectory;
        TicksFile = ticksFile;
        QueueName = queueName;
    }

    public static string AppDirectory => Metadata("SampleWorkerDirectory");

    public static string Metadata(string key) =>
        typeof(SampleWorkerHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public LocalFunctionsHost Host { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string StateDirectory { get; }

    /// <summary>The sample's timer writes a line per run here: its IsPastDue.</summary>
    public string TicksFile { get; }

    /// <summary>The queue the sample's queue function listens to (through the SAMPLE_QUEUE setting).</summary>
    public string QueueName { get; }

    /// <summary>The sample's queue function writes a JSON line per delivery here: the message and its binding data.</summary>
    public string QueueFile => Path.Combine(StateDirectory, "queue.jsonl");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static async Task<SampleWorkerHost> StartAsync(AzuriteQueues azurite, bool timers, string? stateDirectory = null, Action<Dictionary<string, string?>>? settings = null, string? appDirectory = null)
    {
        var state = stateDirectory ?? Directory.CreateTempSubdirectory("local-host-state-").FullName;
        var sample = new SampleWorkerHost(state, Path.Combine(state, "ticks.txt"), AzuriteQueues.UniqueQueueName());
        var values = azurite.SettingsFor(sample.QueueName);
        values["TICKS_FILE"] = sample.TicksFile;
        values["QUEUE_FILE"] = sample.QueueFile;
        settings?.Invoke(values);
        var worker = new ChildProcessWorker(values, sample.Write);
        sample.Host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions
            {
                AppDirectory = appDirectory ?? AppDirectory,
                Port = 0,
                Timers = timers,
                StateDirectory = state,
                Logging = logging => logging.AddProvider(new LineLoggerProvider(sample.Write)).SetMinimumLevel(LogLevel.Information),
            },
            worker,
            TestContext.Current.CancellationToken);
        sample.Http = new HttpClient { BaseAddress = sample.Host.BaseAddress };
        return sample;
    }

    /// <summary>A copy of the sample's build folder whose host.json has this route prefix, for a host (and worker) that reads it.</summary>
    public static string AppDirectoryWithRoutePrefix(string routePrefix)
    {
        var copy = Directory.CreateTempSubdirectory("sample-worker-").FullName;
        foreach (var file in Directory.EnumerateFiles(AppDirectory, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(AppDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        var hostJson = Path.Combine(copy, "host.json");
        var host = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(hostJson))!;
        host["extensions"]!["http"]!["routePrefix"] = routePrefix;
        File.WriteAllText(hostJson, host.ToJsonString());
        return copy;
    }

    public async Task<IReadOnlyList<string>> TicksAsync() =>
        File.Exists(TicksFile) ? await File.ReadAllLinesAsync(TicksFile, TestContext.Current.CancellationToken) : [];

    /// <summary>What the queue function was given, one entry per delivery.</summary>
    public async Task<IReadOnlyList<QueueDelivery>> DeliveriesAsync() =>
        File.Exists(QueueFile)
            ? [.. (await File.ReadAllLinesAsync(QueueFile, TestContext.Current.CancellationToken)).Select(l => System.Text.Json.JsonSerializer.Deserialize<QueueDelivery>(l, JsonOptions)!)]
            : [];

    /// <summary>Waits until the queue function has had <paramref name="count"/> deliveries, or <paramref name="within"/> passes.</summary>
    public async Task<IReadOnlyList<QueueDelivery>> WaitForDeliveriesAsync(int count, TimeSpan within)
    {
        var deadline = TimeProvider.System.GetUtcNow() + within;
        while ((await DeliveriesAsync()).Count < count && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        return await DeliveriesAsync();
    }

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }

    private void Write(string line)
    {
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}

/// <summary>One run of the sample's queue function: the message and the binding data the host gave with it.</summary>
public sealed record QueueDelivery(string Message, Dictionary<string, string?> Data);

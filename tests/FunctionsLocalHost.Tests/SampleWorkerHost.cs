using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging;

namespace FunctionsLocalHost.Tests;

/// <summary>The sample worker's build folder, and a local host running it as a child process, with everything it logged.</summary>
public sealed class SampleWorkerHost : IAsyncDisposable
{
    private readonly StringBuilder _log = new();

    private SampleWorkerHost(string stateDirectory, string ticksFile)
    {
        StateDirectory = stateDirectory;
        TicksFile = ticksFile;
    }

    public static string AppDirectory => Metadata("SampleWorkerDirectory");

    public static string Metadata(string key) =>
        typeof(SampleWorkerHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public LocalFunctionsHost Host { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string StateDirectory { get; }

    /// <summary>The sample's timer writes a line per run here: its IsPastDue.</summary>
    public string TicksFile { get; }

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

    public static async Task<SampleWorkerHost> StartAsync(bool timers, string? stateDirectory = null)
    {
        var state = stateDirectory ?? Directory.CreateTempSubdirectory("local-host-state-").FullName;
        var sample = new SampleWorkerHost(state, Path.Combine(state, "ticks.txt"));
        var worker = new ChildProcessWorker(new Dictionary<string, string?> { ["TICKS_FILE"] = sample.TicksFile }, sample.Write);
        sample.Host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions
            {
                AppDirectory = AppDirectory,
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

    public async Task<IReadOnlyList<string>> TicksAsync() =>
        File.Exists(TicksFile) ? await File.ReadAllLinesAsync(TicksFile, TestContext.Current.CancellationToken) : [];

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

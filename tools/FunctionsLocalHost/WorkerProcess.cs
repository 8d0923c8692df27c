using System.Diagnostics;
using System.Text.Json;

namespace FunctionsLocalHost;

/// <summary>How the worker is started: as a child process (as the real host does), or inside the caller's process.</summary>
public interface IWorkerLauncher : IAsyncDisposable
{
    /// <summary>Starts the worker, telling it where this host listens and who it is.</summary>
    Task StartAsync(WorkerStartInfo start, CancellationToken cancellationToken);

    /// <summary>Completes if the worker ends by itself.</summary>
    Task Exited { get; }

    /// <summary>Ends the worker at once (after <see cref="WorkerTerminate"/> had its grace period).</summary>
    Task KillAsync();

    /// <summary>
    /// How to reach the worker's web server once it is up: null for its own address (the
    /// <c>HttpUri</c> it reports), or a handler that reaches it in memory.
    /// </summary>
    HttpMessageHandler? CreateWorkerHandler() => null;

    /// <summary>
    /// The app settings the worker is given on top of this process's environment; the host resolves
    /// <c>%setting%</c> expressions and trigger connections from the same settings.
    /// </summary>
    IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();
}

public sealed record WorkerStartInfo(Uri HostEndpoint, string WorkerId, string RequestId, int MaxMessageLength, string AppDirectory);

/// <summary>
/// The worker as a child process from a build or publish folder: the executable worker.config.json
/// names, the <c>--functions-*</c> switches, <c>FUNCTIONS_APPLICATION_DIRECTORY</c> and the app
/// settings in its environment. Its console output is passed through (by default to the console, each
/// line with its time, as the host's own lines have it).
/// </summary>
public sealed class ChildProcessWorker(IReadOnlyDictionary<string, string?> settings, Action<string>? output = null) : IWorkerLauncher
{
    private Process? _process;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Exited => _exited.Task;

    public IReadOnlyDictionary<string, string?> Settings => settings;

    /// <summary>The worker process's id, once started.</summary>
    public int? ProcessId => _process?.Id;

    public Task StartAsync(WorkerStartInfo start, CancellationToken cancellationToken)
    {
        var (executable, worker) = ReadWorkerConfig(start.AppDirectory);
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = start.AppDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (worker is not null)
        {
            info.ArgumentList.Add(worker);
        }

        foreach (var argument in new[]
        {
            "--functions-uri", start.HostEndpoint.ToString(),
            "--functions-worker-id", start.WorkerId,
            "--functions-request-id", start.RequestId,
            "--functions-grpc-max-message-length", start.MaxMessageLength.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in settings)
        {
            info.Environment[name] = value;
        }

        info.Environment["FUNCTIONS_APPLICATION_DIRECTORY"] = start.AppDirectory;
        info.Environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";

        // As func start does: a local run is a development run, unless the caller says otherwise.
        if (string.IsNullOrEmpty(info.Environment.TryGetValue("AZURE_FUNCTIONS_ENVIRONMENT", out var environment) ? environment : null))
        {
            info.Environment["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development";
        }

        var print = output ?? ConsoleLines.Write;
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { print(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { print(e.Data); } };
        _process.Exited += (_, _) => _exited.TrySetResult();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        return Task.CompletedTask;
    }

    public async Task KillAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    /// <summary>worker.config.json: <c>description.defaultExecutablePath</c> (dotnet, or the app itself) and <c>defaultWorkerPath</c>.</summary>
    private static (string Executable, string? Worker) ReadWorkerConfig(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "worker.config.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"There is no worker.config.json in {appDirectory}: is it an isolated-worker app's build or publish folder?");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var description = json.RootElement.GetProperty("description");
        var executable = description.GetProperty("defaultExecutablePath").GetString()!;
        var worker = description.TryGetProperty("defaultWorkerPath", out var w) ? w.GetString() : null;
        executable = executable.Replace("{WorkerRoot}", appDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal);

        return (executable, worker is null ? null : Path.Combine(appDirectory, worker));
    }
}

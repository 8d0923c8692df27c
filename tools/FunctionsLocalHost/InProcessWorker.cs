using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;

namespace FunctionsLocalHost;

/// <summary>
/// The worker inside this process, the way WebApplicationFactory runs an app: the app's entry point is
/// called on a thread of its own with the host's switches as configuration, and the services it builds
/// can be replaced (a fake clock, scripted senders) when its builder announces itself through the
/// hosting diagnostics ("HostBuilding"). Its web server is an in-memory <see cref="TestServer"/>, not
/// the TCP port the worker picks once per process, so several can run at once (each with its own
/// services), as long as they are workers of the same app: the entry assembly is process-wide.
/// </summary>
public sealed class InProcessWorker(Assembly app, IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null) : IWorkerLauncher, IObserver<DiagnosticListener>
{
    private static readonly Lock EntryAssemblyLock = new();
    private static Assembly? _entryAssembly;
    private static int _running;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<IHost> _built = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> _subscriptions = [];
    private readonly Action<IServiceCollection> _configureServices = services =>
    {
        configureServices?.Invoke(services);
        services.AddSingleton<IServer, TestServer>();
    };

    private int _threadId;
    private bool _started;

    public Task Exited => _exited.Task;

    public IReadOnlyDictionary<string, string?> Settings => settings;

    /// <summary>The app's services, once built (for tests to reach its storage, clock, …).</summary>
    public Task<IHost> Built => _built.Task;

    public Task StartAsync(WorkerStartInfo start, CancellationToken cancellationToken)
    {
        var entryPoint = app.EntryPoint ?? throw new InvalidOperationException($"{app.GetName().Name} has no entry point.");
        lock (EntryAssemblyLock)
        {
            if (_running > 0 && _entryAssembly != app)
            {
                throw new InvalidOperationException($"An in-process worker of {_entryAssembly!.GetName().Name} runs already; workers of two apps cannot share a process.");
            }

            _running++;
            _started = true;
            _entryAssembly = app;
            Assembly.SetEntryAssembly(app); // the worker finds its generated metadata and executor through it
        }

        Environment.SetEnvironmentVariable("FUNCTIONS_APPLICATION_DIRECTORY", start.AppDirectory); // read from the environment when functions load
        _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

        // The worker reads the --functions-* switches only from the real command line; in-process they are configuration.
        var args = new List<string>
        {
            "--Functions:Worker:HostEndpoint=" + start.HostEndpoint,
            "--Functions:Worker:WorkerId=" + start.WorkerId,
            "--Functions:Worker:RequestId=" + start.RequestId,
            "--Functions:Worker:GrpcMaxMessageLength=" + start.MaxMessageLength.ToString(CultureInfo.InvariantCulture),
            "--FUNCTIONS_APPLICATION_DIRECTORY=" + start.AppDirectory,
        };
        args.AddRange(settings.Where(s => s.Value is not null).Select(s => $"--{s.Key.Replace("__", ":", StringComparison.Ordinal)}={s.Value}"));

        var thread = new Thread(() =>
        {
            try
            {
                var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args.ToArray()]);
                if (result is Task task)
                {
                    task.GetAwaiter().GetResult();
                }

                _exited.TrySetResult();
            }
            catch (Exception e)
            {
                _built.TrySetException(e);
                _exited.TrySetException(e);
            }
        })
        { IsBackground = true, Name = "in-process worker" };
        _threadId = thread.ManagedThreadId;
        thread.Start();
        return Task.CompletedTask;
    }

    public async Task KillAsync()
    {
        if (_built.Task.IsCompletedSuccessfully && !_exited.Task.IsCompleted)
        {
            await _built.Task.Result.StopAsync(TimeSpan.FromSeconds(5));
            await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(5)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (_built.Task.IsCompletedSuccessfully)
        {
            _built.Task.Result.Dispose();
        }

        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }

        lock (EntryAssemblyLock)
        {
            if (_started)
            {
                _started = false;
                _running--;
            }
        }
    }

    /// <summary>The worker's in-memory web server, reached without a port.</summary>
    public HttpMessageHandler CreateWorkerHandler() => new WhenStarted((TestServer)_built.Task.Result.Services.GetRequiredService<IServer>());

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == "Microsoft.Extensions.Hosting")
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(listener.Subscribe(new HostingEvents(this)));
            }
        }
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    private sealed class HostingEvents(InProcessWorker worker) : IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(KeyValuePair<string, object?> value)
        {
            // Every host built in the process announces itself; the app's is built on the worker's thread.
            if (Environment.CurrentManagedThreadId != worker._threadId)
            {
                return;
            }

            switch (value)
            {
                case { Key: "HostBuilding", Value: IHostApplicationBuilder builder }:
                    worker._configureServices(builder.Services);
                    break;
                case { Key: "HostBuilding", Value: IHostBuilder builder }:
                    builder.ConfigureServices(services => worker._configureServices(services));
                    break;
                case { Key: "HostBuilt", Value: IHost host }:
                    worker._built.TrySetResult(host);
                    break;
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }
    }

    /// <summary>
    /// The in-memory server takes requests once the worker's host has started it, which may be a moment
    /// after the worker connected; until then a request waits for it (as the real host retries the first
    /// connection to the worker's port).
    /// </summary>
    private sealed class WhenStarted(TestServer server) : HttpMessageHandler
    {
        private readonly SemaphoreSlim _starting = new(1, 1);
        private HttpMessageInvoker? _invoker;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            return await (Volatile.Read(ref _invoker) ?? await StartedAsync(cancellationToken)).SendAsync(request, cancellationToken);
        }

        private async Task<HttpMessageInvoker> StartedAsync(CancellationToken cancellationToken)
        {
            await _starting.WaitAsync(cancellationToken);
            try
            {
                for (var waited = 0; _invoker is null; waited += 10)
                {
                    try
                    {
                        Volatile.Write(ref _invoker, new HttpMessageInvoker(server.CreateHandler()));
                    }
                    catch (InvalidOperationException) when (waited < 30_000)
                    {
                        await Task.Delay(10, cancellationToken);
                    }
                }

                return _invoker;
            }
            finally
            {
                _starting.Release();
            }
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _invoker?.Dispose();
                _starting.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

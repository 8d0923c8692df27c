using System.Net;
using FunctionsLocalHost.Rpc;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FunctionsLocalHost;

/// <summary>How to run the local host.</summary>
public sealed record LocalHostOptions
{
    /// <summary>The app's build or publish folder: host.json, worker.config.json, the app's assembly.</summary>
    public required string AppDirectory { get; init; }

    /// <summary>The port HTTP functions are served on, on 127.0.0.1; 0 takes a free one.</summary>
    public int Port { get; init; } = 7071;

    /// <summary>Whether timers fire on their schedules; when false they run only through the admin route.</summary>
    public bool Timers { get; init; } = true;

    /// <summary>Where the timers' schedule status is kept between runs (default: a folder in the app directory).</summary>
    public string? StateDirectory { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Where the host's and the worker's logs go (default: the console, a line each, its time first).</summary>
    public Action<ILoggingBuilder> Logging { get; init; } = logging => logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = ConsoleLines.TimestampFormat;
    });
}

/// <summary>
/// A small stand-in for the Azure Functions host, for tests and local runs: it starts a real isolated
/// worker, completes the init / metadata / load handshake over the host-to-worker gRPC protocol, serves
/// the HTTP functions, fires the timers, runs queue triggers against a storage account's (or Azurite's)
/// queues, runs a timer through <c>POST /admin/functions/{name}</c>, cancels an invocation past host.json's
/// <c>functionTimeout</c>, and prints the worker's logs. It is not the host: no keys, no retries but a
/// failed queue message's, no scale-out, no other triggers, and one instance's timer lock.
/// </summary>
public sealed partial class LocalFunctionsHost : IAsyncDisposable
{
    private const int MaxMessageLength = int.MaxValue;

    /// <summary>
    /// How long before the host hears of a stop the worker may already be gone: Ctrl-C signals the host
    /// and the worker at once (one process group), and the worker may hang up first.
    /// </summary>
    internal static readonly TimeSpan StopSignalSkew = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan TerminateGrace = TimeSpan.FromSeconds(5);

    private static readonly System.Text.Encoding StrictAscii = System.Text.Encoding.GetEncoding("us-ascii", System.Text.EncoderFallback.ExceptionFallback, System.Text.DecoderFallback.ExceptionFallback);

    private readonly WebApplication _rpc;
    private readonly IWorkerLauncher _worker;
    private readonly WorkerConnection _connection;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _web;
    private TimerTriggers? _timers;
    private Task _timerLoop = Task.CompletedTask;
    private Task _queueLoop = Task.CompletedTask;
    private ILogger _logger = null!;

    private LocalFunctionsHost(WebApplication rpc, IWorkerLauncher worker)
    {
        _rpc = rpc;
        _worker = worker;
        _connection = rpc.Services.GetRequiredService<WorkerConnection>();
    }

    /// <summary>Where the HTTP functions are served, e.g. http://127.0.0.1:7071/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The functions the worker reported.</summary>
    public FunctionIndex Functions { get; private set; } = null!;

    /// <summary>The worker's own web server (ASP.NET Core integration), that requests are forwarded to.</summary>
    public Uri WorkerUri { get; private set; } = null!;

    /// <summary>What the worker said it can do when it started (its init answer's capabilities).</summary>
    public IReadOnlyDictionary<string, string> WorkerCapabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>Completes if the worker ends or its stream closes while the host runs.</summary>
    public Task WorkerGone => Task.WhenAny(_worker.Exited, _connection.Closed);

    public static async Task<LocalFunctionsHost> StartAsync(LocalHostOptions options, IWorkerLauncher worker, CancellationToken cancellationToken = default)
    {
        var appDirectory = Path.GetFullPath(options.AppDirectory);
        var settings = HostSettings.Read(appDirectory);

        var rpcBuilder = WebApplication.CreateSlimBuilder();
        Configure(rpcBuilder, options);
        rpcBuilder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        rpcBuilder.Services.AddGrpc(o => { o.MaxReceiveMessageSize = null; o.MaxSendMessageSize = null; });
        rpcBuilder.Services.AddSingleton<WorkerConnection>();
        var rpc = rpcBuilder.Build();
        rpc.MapGrpcService<FunctionRpcService>();
        await rpc.StartAsync(cancellationToken);

        var host = new LocalFunctionsHost(rpc, worker);
        try
        {
            await host.HandshakeAsync(options, settings, appDirectory, cancellationToken);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private async Task HandshakeAsync(LocalHostOptions options, HostSettings settings, string appDirectory, CancellationToken cancellationToken)
    {
        _logger = _rpc.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FunctionsLocalHost");
        var rpcUri = new Uri(_rpc.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");
        var workerId = Guid.NewGuid().ToString();
        await _worker.StartAsync(new WorkerStartInfo(rpcUri, workerId, Guid.NewGuid().ToString(), MaxMessageLength, appDirectory), cancellationToken);

        // 1. The worker opens the stream.
        var started = _connection.Started;
        if (await Task.WhenAny(started, _worker.Exited, Task.Delay(options.StartTimeout, options.Time, cancellationToken)) != started)
        {
            if (_worker.Exited.Exception?.InnerException is { } failure)
            {
                throw new InvalidOperationException("The worker ended before it connected: " + failure.Message, failure);
            }

            throw new InvalidOperationException(_worker.Exited.IsCompleted ? "The worker ended before it connected." : $"The worker did not connect within {options.StartTimeout}.");
        }

        // 2. Init: the answer carries the worker's own web server address.
        var init = (await _connection.AskAsync(
            new StreamingMessage
            {
                RequestId = Invocations.NewId(),
                WorkerInitRequest = new WorkerInitRequest { HostVersion = "4.0.0-local", WorkerDirectory = appDirectory, FunctionAppDirectory = appDirectory },
            },
            "init",
            options.StartTimeout,
            cancellationToken)).WorkerInitResponse;
        Require(init.Result, "initialise");
        if (!init.Capabilities.TryGetValue("HttpUri", out var httpUri))
        {
            throw new InvalidOperationException("The worker did not say where its web server listens (HttpUri): does the app call ConfigureFunctionsWebApplication?");
        }

        WorkerUri = new Uri(httpUri);
        WorkerCapabilities = init.Capabilities.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);

        // 3. Metadata, then one load per function.
        var metadata = (await _connection.AskAsync(
            new StreamingMessage { RequestId = Invocations.NewId(), FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = appDirectory } },
            "metadata",
            options.StartTimeout,
            cancellationToken)).FunctionMetadataResponse;
        Require(metadata.Result, "list its functions");
        if (metadata.UseDefaultMetadataIndexing)
        {
            throw new InvalidOperationException("The worker asks the host to index functions itself, which this local host does not do.");
        }

        foreach (var function in metadata.FunctionMetadataResults)
        {
            var loaded = (await _connection.AskAsync(
                new StreamingMessage { RequestId = Invocations.NewId(), FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function } },
                "load:" + function.FunctionId,
                options.StartTimeout,
                cancellationToken)).FunctionLoadResponse;
            Require(loaded.Result, "load " + function.Name);
        }

        Functions = FunctionIndex.From(metadata.FunctionMetadataResults);
        foreach (var name in Functions.Unsupported)
        {
            Log.Unsupported(_logger, name);
        }

        // 4. The HTTP functions and the admin route.
        var webBuilder = WebApplication.CreateSlimBuilder();
        Configure(webBuilder, options);
        webBuilder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);

            // A header value that is not ASCII cannot be forwarded to the worker: refused as the request is
            // read, a bare 400 as the host's server gives, not a 500 after the function was invoked.
            k.RequestHeaderEncodingSelector = _ => StrictAscii;
        });
        webBuilder.Services.AddSingleton(settings);
        webBuilder.Services.AddSingleton(_connection);
        webBuilder.Services.AddSingleton<Invocations>();
        webBuilder.Services.AddSingleton(options.Time);
        webBuilder.Services.AddSingleton(sp => new HttpTriggers(
            sp.GetRequiredService<Invocations>(),
            new HttpClient(_worker.CreateWorkerHandler() ?? new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false }) { Timeout = Timeout.InfiniteTimeSpan },
            WorkerUri,
            sp.GetRequiredService<ILogger<HttpTriggers>>()));
        webBuilder.Services.AddSingleton(sp => new TimerTriggers(
            sp.GetRequiredService<Invocations>(),
            options.Time,
            options.StateDirectory ?? Path.Combine(appDirectory, ".local-host"),
            sp.GetRequiredService<ILogger<TimerTriggers>>()));
        webBuilder.Services.AddSingleton(sp => new QueueTriggers(
            sp.GetRequiredService<Invocations>(),
            settings.Queues,
            new AppSettings(_worker.Settings), // what the worker is given, so both sides read the same queue name
            options.Time,
            sp.GetRequiredService<ILogger<QueueTriggers>>()));
        _web = webBuilder.Build();
        _web.UseRouting();
        _web.Use(HttpTriggers.Homepage(HttpTriggers.HomepageDisabled(new AppSettings(_worker.Settings))));
        _web.Use(HttpTriggers.NotFoundForOtherMethods);
        _web.Services.GetRequiredService<HttpTriggers>().Map(_web, settings, Functions.Http);
        _timers = _web.Services.GetRequiredService<TimerTriggers>();
        _timers.Add(Functions.Timers);
        _web.MapPost("/admin/functions/{name}", (string name) =>
        {
            if (!_timers.Has(name))
            {
                return Results.NotFound();
            }

            _ = _timers.RunNowAsync(name, _stopping.Token);
            return Results.Accepted();
        });
        await _web.StartAsync(cancellationToken);
        BaseAddress = new Uri(_web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/");

        if (options.Timers)
        {
            _timerLoop = _timers.RunAsync(_stopping.Token);
        }

        // Queue triggers always run: --no-timers is about timers only.
        var queues = _web.Services.GetRequiredService<QueueTriggers>();
        queues.Add(Functions.Queues);
        _queueLoop = queues.RunAsync(_stopping.Token);

        Log.Functions(_logger, Functions.Http.Count, Functions.Timers.Count, Functions.Queues.Count);
        foreach (var function in Functions.Http)
        {
            Log.HttpFunction(_logger, function.Name, function.Methods.Count == 0 ? "*" : string.Join(",", function.Methods), HttpTriggers.Pattern(settings, function));
        }

        foreach (var function in Functions.Timers)
        {
            Log.TimerFunction(_logger, function.Name, function.Schedule, options.Timers ? "on schedule" : "through the admin route only");
        }

        foreach (var (function, queue) in queues.QueueNames)
        {
            Log.QueueFunction(_logger, function, queue, settings.Queues.MaxPollingInterval);
        }

        // Last, and through the same log as the list: a person (or a script) waiting for it has the list above it.
        Log.Ready(_logger, BaseAddress);
    }

    /// <summary>
    /// Says whoever runs the host is stopping it (Ctrl-C): the worker going away now, or a moment
    /// before (<see cref="StopSignalSkew"/>), is expected, not a fault to warn of.
    /// </summary>
    public void Stopping() => _connection.ExpectEnd();

    /// <summary>Runs a timer function now and waits for it, as <c>POST /admin/functions/{name}</c> does without waiting.</summary>
    public Task<InvocationOutcome> RunTimerAsync(string name, CancellationToken cancellationToken = default) =>
        _timers?.Has(name) == true ? _timers.RunNowAsync(name, cancellationToken) : throw new ArgumentException($"There is no timer function {name}.", nameof(name));

    public async ValueTask DisposeAsync()
    {
        // A stream still open ends because the host stops (a stream already gone was not ended by this).
        if (!_connection.Closed.IsCompleted)
        {
            _connection.ExpectEnd();
        }

        await _stopping.CancelAsync();
        await _timerLoop;
        await _queueLoop;
        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }

        // Terminate, as the host does: the worker gets a grace period, then it is ended.
        if (_connection.Started.IsCompletedSuccessfully && !_connection.Closed.IsCompleted)
        {
            _connection.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(TerminateGrace) } });
            await Task.WhenAny(_worker.Exited, Task.Delay(TerminateGrace));
        }

        await _worker.KillAsync();
        await _worker.DisposeAsync();
        await _connection.CloseAsync();
        await _rpc.StopAsync();
        await _rpc.DisposeAsync();
        _stopping.Dispose();
    }

    private static void Configure(WebApplicationBuilder builder, LocalHostOptions options)
    {
        builder.Logging.ClearProviders();
        options.Logging(builder.Logging);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
    }

    private static void Require(StatusResult? result, string what)
    {
        if (result?.Status != StatusResult.Types.Status.Success)
        {
            throw new InvalidOperationException($"The worker could not {what}: {result?.Exception?.Message ?? result?.Result ?? "no answer"}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Functions local host serves {Http} HTTP, {Timers} timer and {Queues} queue functions:")]
        public static partial void Functions(ILogger logger, int http, int timers, int queues);

        [LoggerMessage(41, LogLevel.Information, "  {Function}: [{Methods}] {Pattern}")]
        public static partial void HttpFunction(ILogger logger, string function, string methods, string pattern);

        [LoggerMessage(42, LogLevel.Information, "  {Function}: timer {Schedule}, {How}")]
        public static partial void TimerFunction(ILogger logger, string function, string schedule, string how);

        [LoggerMessage(45, LogLevel.Information, "  {Function}: queue {Queue}, polled at least every {MaxPollingInterval}")]
        public static partial void QueueFunction(ILogger logger, string function, string queue, TimeSpan maxPollingInterval);

        [LoggerMessage(43, LogLevel.Warning, "Function {Function} has a trigger this local host does not fire")]
        public static partial void Unsupported(ILogger logger, string function);

        [LoggerMessage(44, LogLevel.Information, "Functions local host ready: {Address} (Ctrl-C stops)")]
        public static partial void Ready(ILogger logger, Uri address);
    }
}

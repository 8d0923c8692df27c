using System.Collections.Concurrent;
using System.Threading.Channels;
using FunctionsLocalHost.Rpc;
using Grpc.Core;

namespace FunctionsLocalHost;

/// <summary>
/// The one event stream to the worker: messages to send are queued and written in order; answers are
/// matched to what asked for them (init, metadata, each load by function id, each invocation by id);
/// the worker's logs are written to this host's log.
/// </summary>
public sealed partial class WorkerConnection(ILogger<WorkerConnection> logger)
{
    private readonly Channel<StreamingMessage> _outgoing = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _waiting = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<StartStream> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _endExpected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _closing = new();

    /// <summary>Completes when the worker opens the stream.</summary>
    public Task<StartStream> Started => _started.Task;

    /// <summary>Completes when the worker's stream ends.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Serves the worker's stream until it ends (called by the gRPC service).</summary>
    internal async Task ServeAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var writer = WriteAsync(responses, stop.Token);
        string? broke = null;
        try
        {
            await foreach (var message in requests.ReadAllAsync(stop.Token))
            {
                Receive(message);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or Grpc.Core.RpcException)
        {
            broke = e.Message;
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
            _closed.TrySetResult();
            foreach (var waiting in _waiting.Values)
            {
                waiting.TrySetException(new InvalidOperationException("The worker's stream closed."));
            }
        }

        if (broke is not null)
        {
            // A stop (Ctrl-C reaches the worker too, and it may hang up a moment before the host hears of it)
            // ends the stream as expected: only an end nobody asked for is worth a warning.
            if (await Task.WhenAny(_endExpected.Task, Task.Delay(LocalFunctionsHost.StopSignalSkew, CancellationToken.None)) == _endExpected.Task)
            {
                Log.StreamEnded(logger, broke);
            }
            else
            {
                Log.StreamBroke(logger, broke);
            }
        }
    }

    /// <summary>
    /// Says the host is stopping: the stream ending now is expected, and so is an end up to
    /// <see cref="LocalFunctionsHost.StopSignalSkew"/> before this was said.
    /// </summary>
    public void ExpectEnd() => _endExpected.TrySetResult();

    /// <summary>Sends a message and waits for the answer with the given key (see <see cref="KeyOf"/>).</summary>
    public async Task<StreamingMessage> AskAsync(StreamingMessage message, string answerKey, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_waiting.TryAdd(answerKey, answer))
        {
            throw new InvalidOperationException($"Already waiting for {answerKey}.");
        }

        try
        {
            Send(message);
            return await answer.Task.WaitAsync(timeout, cancellationToken);
        }
        finally
        {
            _waiting.TryRemove(answerKey, out _);
        }
    }

    public void Send(StreamingMessage message) => _outgoing.Writer.TryWrite(message);

    /// <summary>Ends the stream from this side (a worker in this process keeps its end open after it stops).</summary>
    public Task CloseAsync() => _closing.CancelAsync();

    /// <summary>The key an answer is matched by.</summary>
    public static string? KeyOf(StreamingMessage message) => message.ContentCase switch
    {
        StreamingMessage.ContentOneofCase.WorkerInitResponse => "init",
        StreamingMessage.ContentOneofCase.FunctionMetadataResponse => "metadata",
        StreamingMessage.ContentOneofCase.FunctionLoadResponse => "load:" + message.FunctionLoadResponse.FunctionId,
        StreamingMessage.ContentOneofCase.InvocationResponse => "invocation:" + message.InvocationResponse.InvocationId,
        _ => null,
    };

    private void Receive(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                _started.TrySetResult(message.StartStream);
                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                WriteWorkerLog(message.RpcLog);
                break;
            default:
                if (KeyOf(message) is { } key && _waiting.TryGetValue(key, out var waiting))
                {
                    waiting.TrySetResult(message);
                }
                else
                {
                    Log.Unexpected(logger, message.ContentCase.ToString());
                }

                break;
        }
    }

    private void WriteWorkerLog(RpcLog log)
    {
        var level = log.Level switch
        {
            RpcLog.Types.Level.Trace => LogLevel.Trace,
            RpcLog.Types.Level.Debug => LogLevel.Debug,
            RpcLog.Types.Level.Information => LogLevel.Information,
            RpcLog.Types.Level.Warning => LogLevel.Warning,
            RpcLog.Types.Level.Error => LogLevel.Error,
            RpcLog.Types.Level.Critical => LogLevel.Critical,
            _ => LogLevel.None,
        };
        if (level == LogLevel.None)
        {
            return;
        }

        var exception = log.Exception is { } e ? $" {e.Type}: {e.Message}" : "";
        Log.Worker(logger, level, log.Category, string.IsNullOrEmpty(log.InvocationId) ? "-" : log.InvocationId, log.Message + exception);
    }

    private async Task WriteAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(cancellationToken))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The stream is closing.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The worker's stream broke: {Reason}")]
        public static partial void StreamBroke(ILogger logger, string reason);

        [LoggerMessage(4, LogLevel.Debug, "The worker's stream ended as the host stopped: {Reason}")]
        public static partial void StreamEnded(ILogger logger, string reason);

        [LoggerMessage(2, LogLevel.Debug, "A {Message} from the worker that nothing waits for")]
        public static partial void Unexpected(ILogger logger, string message);

        [LoggerMessage(EventId = 3, Message = "[worker] {Category} ({InvocationId}): {Message}")]
        public static partial void Worker(ILogger logger, LogLevel level, string category, string invocationId, string message);
    }
}

/// <summary>The gRPC service the worker connects to.</summary>
internal sealed class FunctionRpcService(WorkerConnection connection) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        connection.ServeAsync(requestStream, responseStream, context.CancellationToken);
}

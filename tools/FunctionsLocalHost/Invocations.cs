using FunctionsLocalHost.Rpc;
using Google.Protobuf.WellKnownTypes;

namespace FunctionsLocalHost;

/// <summary>The outcome of one invocation as the worker reported it, or as this host decided (timed out, worker gone).</summary>
public sealed record InvocationOutcome(string InvocationId, bool Succeeded, bool TimedOut, string? Error);

/// <summary>Sends invocations and waits for their answers, cancelling one that outlives host.json's functionTimeout.</summary>
public sealed partial class Invocations(WorkerConnection connection, HostSettings settings, ILogger<Invocations> logger)
{
    public static string NewId() => Guid.NewGuid().ToString();

    private static string NewTraceParent() =>
        $"00-{System.Diagnostics.ActivityTraceId.CreateRandom()}-{System.Diagnostics.ActivitySpanId.CreateRandom()}-00";

    public async Task<InvocationOutcome> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken)
    {
        // The worker reads a trace context from every invocation.
        request.TraceContext ??= new RpcTraceContext { TraceParent = System.Diagnostics.Activity.Current?.Id ?? NewTraceParent(), TraceState = "" };
        var message = new StreamingMessage { RequestId = request.InvocationId, InvocationRequest = request };
        try
        {
            var answer = await connection.AskAsync(message, "invocation:" + request.InvocationId, settings.FunctionTimeout, cancellationToken);
            var result = answer.InvocationResponse.Result;
            var succeeded = result?.Status == StatusResult.Types.Status.Success;
            return new InvocationOutcome(request.InvocationId, succeeded, false, succeeded ? null : result?.Exception?.Message ?? result?.Result);
        }
        catch (TimeoutException)
        {
            Log.TimedOut(logger, request.InvocationId, settings.FunctionTimeout);
            connection.Send(new StreamingMessage
            {
                InvocationCancel = new InvocationCancel { InvocationId = request.InvocationId, GracePeriod = Duration.FromTimeSpan(TimeSpan.Zero) },
            });
            return new InvocationOutcome(request.InvocationId, false, true, $"Timeout value of {settings.FunctionTimeout} was exceeded by function.");
        }
        catch (InvalidOperationException e)
        {
            return new InvocationOutcome(request.InvocationId, false, false, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Error, "Invocation {InvocationId} ran past the function timeout ({Timeout}); it was cancelled")]
        public static partial void TimedOut(ILogger logger, string invocationId, TimeSpan timeout);
    }
}

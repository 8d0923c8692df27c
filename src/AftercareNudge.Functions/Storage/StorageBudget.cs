using System.Diagnostics;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AftercareNudge.Storage;

/// <summary>
/// How long storage may take, all calls and their retries together, while someone waits for an answer:
/// an HTTP invocation begins a budget (<see cref="StorageAnswers"/>), and every storage call made
/// in it spends from it for as long as it takes; a call is cut to what is left, and refused at once when
/// nothing is. Only time spent waiting for storage counts, not a provider's send made in the same
/// invocation. Timers and the dispatcher begin none: they keep the storage client's own retries
/// (<see cref="StorageExtensions.WorstCaseRequest"/>, which the dispatcher's claim lease is sized from),
/// and so does anything shared by several callers (creating a table), which <see cref="Suspend"/>s it.
/// </summary>
public static class StorageBudget
{
    /// <summary>
    /// 8 s for an HTTP invocation: its answer (503 with <c>Retry-After</c>, or the calm page) is out within
    /// 10 s, 2 s left for the rest of the invocation. A person at a page, a client app, and Twilio (which
    /// gives all its tries of a webhook 15 s together) can act on a 503 at 8 s; Twilio still has time to try
    /// again. A storage that answers slowly but answers (a throttled partition, a new instance creating its
    /// tables) fits easily: a request makes tens of calls of tens of milliseconds each.
    /// </summary>
    public static readonly TimeSpan ForRequests = TimeSpan.FromSeconds(8);

    private static readonly AsyncLocal<Budget?> Current = new();

    /// <summary>Storage calls in this flow (and what it awaits) may take <paramref name="budget"/> in all.</summary>
    public static IDisposable Begin(TimeSpan budget)
    {
        var previous = Current.Value;
        Current.Value = new Budget(budget);
        return new Restore(previous);
    }

    /// <summary>Work shared by several callers runs on the storage client's own retries, whoever started it.</summary>
    public static IDisposable Suspend()
    {
        var previous = Current.Value;
        Current.Value = null;
        return new Restore(previous);
    }

    /// <summary>What is left of this flow's budget (never negative), or null where there is none.</summary>
    internal static TimeSpan? Remaining() => Current.Value?.Remaining();

    /// <summary>The budget this flow began with, for messages.</summary>
    internal static TimeSpan? Total => Current.Value?.Total;

    /// <summary>
    /// A storage call of this flow starts: the budget is spent while it (or another call of the flow) is
    /// in flight. Dispose the answer when it ends. Calls made at the same time spend the time once.
    /// </summary>
    internal static IDisposable Waiting() => Current.Value is { } budget ? budget.Enter() : NoBudget.Instance;

    /// <summary>Waits for <paramref name="task"/> (storage work shared with others) no longer than what is left of the budget.</summary>
    internal static async Task<T> WaitAsync<T>(Task<T> task, CancellationToken cancellationToken)
    {
        if (task.IsCompleted || Remaining() is not { } left)
        {
            return await task.WaitAsync(cancellationToken);
        }

        using (Waiting())
        {
            try
            {
                return await task.WaitAsync(left, cancellationToken);
            }
            catch (TimeoutException e)
            {
                throw Spent(e);
            }
        }
    }

    internal static StorageUnavailableException Spent(Exception? inner = null) =>
        new($"Storage did not answer within this request's {Total?.TotalSeconds ?? 0:0.#} s.", inner);

    /// <summary>
    /// The time during which at least one storage call of the flow was in flight: the union of the calls'
    /// intervals, so that calls made in parallel spend their shared time once, and time spent on other
    /// work (a provider's send) spends nothing.
    /// </summary>
    private sealed class Budget(TimeSpan total)
    {
        private readonly Lock _gate = new();
        private TimeSpan _spent;
        private int _inFlight;
        private long _busySince;

        public TimeSpan Total => total;

        public TimeSpan Remaining()
        {
            lock (_gate)
            {
                var spent = _spent + (_inFlight > 0 ? Stopwatch.GetElapsedTime(_busySince) : TimeSpan.Zero);
                var left = total - spent;
                return left > TimeSpan.Zero ? left : TimeSpan.Zero;
            }
        }

        public IDisposable Enter()
        {
            lock (_gate)
            {
                if (_inFlight++ == 0)
                {
                    _busySince = Stopwatch.GetTimestamp();
                }
            }

            return new Leave(this);
        }

        private void Exit()
        {
            lock (_gate)
            {
                if (--_inFlight == 0)
                {
                    _spent += Stopwatch.GetElapsedTime(_busySince);
                }
            }
        }

        private sealed class Leave(Budget budget) : IDisposable
        {
            private int _left;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _left, 1) == 0)
                {
                    budget.Exit();
                }
            }
        }
    }

    private sealed class NoBudget : IDisposable
    {
        public static readonly NoBudget Instance = new();

        public void Dispose()
        {
        }
    }

    private sealed class Restore(Budget? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }
}

/// <summary>
/// Storage gave no usable answer: a try timed out, or every try failed and the retries are spent, or an
/// HTTP invocation's <see cref="StorageBudget"/> ran out. A <see cref="RequestFailedException"/> with no
/// status (none came back), as the SDK's own for a connection that failed; what happened is its inner exception.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception? innerException)
    : RequestFailedException(0, message, innerException);

/// <summary>"Is storage down?": the one rule every caller asks (the error answers, the health check).</summary>
public static class StorageFailures
{
    /// <summary>
    /// Storage did not answer, or answered that it cannot now (throttling, a server error, a timeout):
    /// the request was not wrong, and trying again later is right. An aggregate is one when all it holds are.
    /// </summary>
    public static bool IsOutage(Exception exception) => exception switch
    {
        RequestFailedException e => e.Status is 0 or 408 or 429 or >= 500,
        AggregateException e => e.InnerExceptions.Count > 0 && e.InnerExceptions.All(IsOutage),
        _ => false,
    };
}

/// <summary>
/// The storage client's retry policy: its own options' retries, delays and network timeout; within a
/// <see cref="StorageBudget"/> each try is cut to what is left and no try starts that could not finish.
/// When storage gives no answer (a try timed out, every try failed), the caller gets one
/// <see cref="StorageUnavailableException"/> holding what happened, not a bare cancellation or an
/// aggregate of them, so that it reads as the outage it is.
/// </summary>
internal sealed class BudgetedRetryPolicy(RetryOptions retry) : RetryPolicy(
    retry.MaxRetries,
    retry.Mode == RetryMode.Exponential
        ? DelayStrategy.CreateExponentialDelayStrategy(retry.Delay, retry.MaxDelay)
        : DelayStrategy.CreateFixedDelayStrategy(retry.Delay))
{
    /// <summary>A retry is worth starting only with at least this long for it after the wait before it.</summary>
    private static readonly TimeSpan ShortestTry = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _networkTimeout = retry.NetworkTimeout;
    private readonly TimeSpan _longestWait = retry.Mode == RetryMode.Exponential ? retry.MaxDelay : retry.Delay;

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var waiting = Start(message);
        try
        {
            await base.ProcessAsync(message, pipeline).ConfigureAwait(false);
        }
        catch (Exception e) when (IsNoAnswer(message, e))
        {
            throw NoAnswer(e);
        }
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        using var waiting = Start(message);
        try
        {
            base.Process(message, pipeline);
        }
        catch (Exception e) when (IsNoAnswer(message, e))
        {
            throw NoAnswer(e);
        }
    }

    protected override void OnSendingRequest(HttpMessage message)
    {
        base.OnSendingRequest(message);
        Cut(message);
    }

    protected override ValueTask OnSendingRequestAsync(HttpMessage message)
    {
        Cut(message);
        return base.OnSendingRequestAsync(message);
    }

    protected override bool ShouldRetry(HttpMessage message, Exception? exception) =>
        base.ShouldRetry(message, exception) && TimeForAnotherTry(message);

    protected override async ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) =>
        await base.ShouldRetryAsync(message, exception).ConfigureAwait(false) && TimeForAnotherTry(message);

    /// <summary>Marks the call as waiting on storage (its tries read the budget), refusing it at once when the budget is spent.</summary>
    private static IDisposable Start(HttpMessage message)
    {
        if (StorageBudget.Remaining() is { } left && left <= TimeSpan.Zero)
        {
            throw StorageBudget.Spent();
        }

        message.SetProperty(typeof(BudgetedRetryPolicy), true);
        return StorageBudget.Waiting();
    }

    private static TimeSpan? Remaining(HttpMessage message) =>
        message.TryGetProperty(typeof(BudgetedRetryPolicy), out _) ? StorageBudget.Remaining() : null;

    private void Cut(HttpMessage message)
    {
        if (Remaining(message) is { } left)
        {
            message.NetworkTimeout = left < _networkTimeout ? TimeSpan.FromTicks(Math.Max(left.Ticks, TimeSpan.TicksPerMillisecond)) : _networkTimeout;
        }
    }

    private bool TimeForAnotherTry(HttpMessage message) => Remaining(message) is not { } left || left > _longestWait + ShortestTry;

    /// <summary>Storage's own failures to answer; a cancellation by the caller (the request aborted, the host stopping) stays what it is.</summary>
    private static bool IsNoAnswer(HttpMessage message, Exception e) =>
        !message.CancellationToken.IsCancellationRequested
        && e is OperationCanceledException or AggregateException or IOException or HttpRequestException;

    private static StorageUnavailableException NoAnswer(Exception e)
    {
        var tries = e is AggregateException aggregate ? aggregate.InnerExceptions.Count : 1;
        var within = StorageBudget.Total is { } total ? $" (this request's budget is {total.TotalSeconds:0.#} s)" : "";
        return new StorageUnavailableException($"Storage gave no answer after {tries} {(tries == 1 ? "try" : "tries")}{within}.", e);
    }
}

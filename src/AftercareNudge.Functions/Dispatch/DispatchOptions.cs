namespace AftercareNudge.Dispatch;

/// <summary>Settings <c>Dispatch__*</c>; the defaults suit production.</summary>
public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    /// <summary>
    /// How long a claim holds a check-in: longer than everything a run does while holding it (two storage
    /// reads, the send, the record: at most about 2.5 minutes with the clients' timeouts). Also how long
    /// a message on the send queue is counted on before the scheduler enqueues the check-in again.
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sends tried per check-in before a transient failure becomes <c>failed</c>.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the first retry; doubled each time, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A check-in sent (handed to the provider) more than this after its due time is reported as <c>late</c>.</summary>
    public TimeSpan LateAfter { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Settings the send queue made meaningless, and what replaced each: a deployment that still sets one
    /// is told so at start-up (<see cref="RetiredDispatchSettings"/>).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Retired = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["LookAhead"] = "each check-in's message on the send queue becomes visible at its due second.",
        ["RunBudget"] = "the timer only enqueues, in seconds; the send function handles one check-in per message.",
        ["Concurrency"] = "the send function's concurrency is the queue trigger's batchSize and newBatchThreshold in host.json, per instance.",
    };

    public IEnumerable<string> Problems()
    {
        if (ClaimLease < TimeSpan.FromMinutes(3))
        {
            yield return "Dispatch:ClaimLease must be at least 00:03:00: a claim must outlast the reads before a send, the send, and recording it.";
        }

        if (MaxAttempts is < 1 or > 20)
        {
            yield return "Dispatch:MaxAttempts must be between 1 and 20.";
        }

        if (FirstRetryDelay <= TimeSpan.Zero || MaxRetryDelay < FirstRetryDelay)
        {
            yield return "Dispatch:FirstRetryDelay must be positive and Dispatch:MaxRetryDelay at least as long.";
        }

        if (LateAfter <= TimeSpan.Zero || LateAfter > TimeSpan.FromHours(1))
        {
            yield return "Dispatch:LateAfter must be positive and at most 01:00:00.";
        }
    }
}

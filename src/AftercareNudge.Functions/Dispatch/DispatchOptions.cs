namespace AftercareNudge.Dispatch;

/// <summary>Settings <c>Dispatch__*</c>; the defaults suit production.</summary>
public sealed class DispatchOptions
{
    public const string Section = "Dispatch";

    /// <summary>
    /// How long a claim holds a check-in: longer than everything a run does while holding it (two storage
    /// reads, the send, the record: at most about 2.5 minutes with the clients' timeouts).
    /// </summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Sends tried per check-in before a transient failure becomes <c>failed</c>.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the first retry; doubled each time, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Check-ins handled at once by one run (providers throttle per sender: keep this small).</summary>
    public int Concurrency { get; set; } = 4;

    /// <summary>A run stops taking new work after this long, well inside the host's 10-minute function timeout.</summary>
    public TimeSpan RunBudget { get; set; } = TimeSpan.FromMinutes(4);

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

        if (Concurrency is < 1 or > 64)
        {
            yield return "Dispatch:Concurrency must be between 1 and 64.";
        }

        if (RunBudget <= TimeSpan.Zero || RunBudget > TimeSpan.FromMinutes(9))
        {
            yield return "Dispatch:RunBudget must be positive and under the 10-minute function timeout (at most 00:09:00).";
        }
    }
}

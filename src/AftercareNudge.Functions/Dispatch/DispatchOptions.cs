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

    /// <summary>
    /// A run also takes the check-ins that fall due within this long after it starts, and waits until
    /// each is due before sending it (never early). The timer fires every minute, and may fire a few
    /// milliseconds early or late: without this, a check-in due on the minute found a run that had
    /// started a moment before and waited a whole minute for the next. Shorter than the timer's
    /// period, so that a run has finished its last sends before the next run starts.
    /// </summary>
    public TimeSpan LookAhead { get; set; } = TimeSpan.FromSeconds(50);

    /// <summary>A check-in sent (handed to the provider) more than this after its due time is reported as <c>late</c>.</summary>
    public TimeSpan LateAfter { get; set; } = TimeSpan.FromSeconds(60);

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

        if (LookAhead < TimeSpan.Zero || LookAhead > TimeSpan.FromSeconds(55) || LookAhead >= RunBudget)
        {
            yield return "Dispatch:LookAhead must be between 00:00:00 and 00:00:55 (the timer runs every minute, and a run must end before the next) and shorter than Dispatch:RunBudget.";
        }

        if (LateAfter <= TimeSpan.Zero || LateAfter > TimeSpan.FromHours(1))
        {
            yield return "Dispatch:LateAfter must be positive and at most 01:00:00.";
        }
    }
}

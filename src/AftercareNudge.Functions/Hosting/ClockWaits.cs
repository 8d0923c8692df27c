namespace AftercareNudge.Hosting;

/// <summary>Waiting for an instant on the app's clock, as the timers that look ahead do.</summary>
public static class ClockWaits
{
    /// <summary>
    /// Waits on <paramref name="time"/> until <paramref name="instant"/>, and never returns before it: a
    /// timer that wakes a little early is waited out again for what remains.
    /// </summary>
    public static async Task WaitUntilAsync(this TimeProvider time, DateTimeOffset instant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        for (var left = instant - time.GetUtcNow(); left > TimeSpan.Zero; left = instant - time.GetUtcNow())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), time, cancellationToken);
        }
    }
}

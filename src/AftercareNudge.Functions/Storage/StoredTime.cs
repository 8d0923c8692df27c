namespace AftercareNudge.Storage;

/// <summary>
/// Table Storage keeps dates to the millisecond at best. The times the app stores are cut to whole
/// milliseconds before they are written, and a time read back is compared with one in memory at that
/// precision: one rule for both, so a round trip never looks like a change.
/// </summary>
internal static class StoredTime
{
    /// <summary><paramref name="t"/> in UTC, cut (not rounded) to a whole millisecond.</summary>
    public static DateTimeOffset WholeMilliseconds(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> are less than a millisecond apart.</summary>
    public static bool SameInstant(DateTimeOffset a, DateTimeOffset b) => Math.Abs((a - b).Ticks) < TimeSpan.TicksPerMillisecond;
}

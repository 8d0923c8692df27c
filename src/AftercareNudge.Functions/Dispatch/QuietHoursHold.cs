using AftercareNudge.Schedule;
using AftercareNudge.Storage;

namespace AftercareNudge.Dispatch;

/// <summary>
/// Whether a check-in waits out its recipient's quiet hours, and until when: the dispatcher's rule
/// when it takes a check-in, and the same rule when <c>GET</c> and <c>PATCH</c> say in advance what it
/// will do (<c>reason</c> <c>quiet-hours</c>, <c>waitsUntil</c>), so that a check-in never looks
/// <c>scheduled</c> for a time it will not go.
/// </summary>
public static class QuietHoursHold
{
    /// <summary>
    /// How long after its due time a check-in still goes out at the moment the recipient agreed to:
    /// later than this (the service was down), it is a message they did not agree to at this hour.
    /// Longer than <see cref="DispatchOptions.LateAfter"/> on purpose: a check-in two minutes late at
    /// 21:30 is still the 21:30 check-in, and is not held until morning.
    /// </summary>
    public static readonly TimeSpan AgreedMomentLasts = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after its due time a check-in the provider has refused for its rate
    /// (<see cref="CheckInReasons.ThrottledPrefix"/>) still goes at the moment agreed: only the provider
    /// delayed it. Past this it is late like any other, and waits out quiet hours.
    /// </summary>
    public static readonly TimeSpan ThrottleKeepsTheMoment = TimeSpan.FromHours(1);

    public static bool IsThrottled(CheckInRecord checkIn, DateTimeOffset at) =>
        checkIn.Reason?.StartsWith(CheckInReasons.ThrottledPrefix, StringComparison.Ordinal) == true && at - checkIn.DueAt <= ThrottleKeepsTheMoment;

    /// <summary>
    /// When the quiet hours that hold <paramref name="attempt"/> end, if it were sent at
    /// <paramref name="at"/>; null if it goes out then. <paramref name="attempt"/> carries the attempt
    /// being made (a claimed check-in counts its own). A retry, a check-in gone late, one moved or added
    /// since it was agreed, and a notice wait; a check-in on time, at the time agreed, does not, nor one
    /// only the provider's rate has delayed (for up to <see cref="ThrottleKeepsTheMoment"/>). A relay
    /// never waits: a reply to the organiser's own check-in is the answer they asked for, and may be
    /// urgent ("can you call me"; see the README, "Replies").
    /// </summary>
    public static DateTimeOffset? Until(Participant recipient, CheckInRecord attempt, DateTimeOffset at)
    {
        if (attempt.Kind == CheckInKind.Relay)
        {
            return null;
        }

        var agreedTiming = attempt.Kind != CheckInKind.Notice && attempt.MovedAt is null && attempt.Attempts <= 1
            && (at - attempt.DueAt <= AgreedMomentLasts || IsThrottled(attempt, at));
        if (agreedTiming)
        {
            return null;
        }

        var zone = EventTime.FindZone(recipient.TimeZone) ?? NodaTime.DateTimeZone.Utc;
        return QuietHours.Of(recipient.QuietHours).EndOfQuietAt(at, zone);
    }

    /// <summary>
    /// For <c>GET</c>: when a waiting check-in will next be tried, and why it is not its due time;
    /// (null, its stored reason) when it goes at <see cref="CheckInRecord.DueAt"/>, or is not waiting.
    /// </summary>
    public static (DateTimeOffset? WaitsUntil, string? Reason) Foresee(EventRecord record, CheckInRecord checkIn, DateTimeOffset now)
    {
        if (checkIn.Status != CheckInStatus.Scheduled || record.CancelledAt is not null || record.Find(checkIn.To) is not { } recipient)
        {
            return (null, checkIn.Reason);
        }

        // The next run takes it at its next attempt time, or now if that has passed.
        var at = checkIn.NextAttemptAt > now ? checkIn.NextAttemptAt : now;
        if (Until(recipient, checkIn with { Attempts = checkIn.Attempts + 1 }, at) is { } end)
        {
            return (end, CheckInReasons.QuietHours);
        }

        return !StoredTime.SameInstant(checkIn.NextAttemptAt, checkIn.DueAt)
            ? (checkIn.NextAttemptAt, checkIn.Reason)
            : (null, checkIn.Reason);
    }
}

using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Safety;

/// <summary>
/// Every word the safety net sends the person it is about. Discreet like every message here (no
/// event, kind or title; the check-in named only by its time) and honest: it promises no rescue.
/// </summary>
public static class SafetyWording
{
    public const string Brand = Hosting.Brand.Name;

    /// <summary>The line added to an armed check-in: exactly what counts as an answer.</summary>
    public const string AnswerLine = "Reply with anything to let us know you're OK.";

    /// <summary>What the one confirmation of a STOP adds while an armed check-in waits on the number.</summary>
    public const string OkStillCounts = "A reply of OK still counts as your answer to your check-in.";

    /// <summary>The acknowledgement of an answer (the same for every answer, whatever it says).</summary>
    public static string Answered(IReadOnlyList<AnsweredCheckIn> answered, DateTimeOffset now) =>
        $"{Brand}: Thanks, that answers {Which(answered, now)}. This is not an emergency service: in an emergency, call your local emergency number.";

    /// <summary>Added to the answer to START (which opts back in) when it also answered an armed check-in.</summary>
    public static string AlsoAnswers(IReadOnlyList<AnsweredCheckIn> answered, DateTimeOffset now) => $"That also answers {Which(answered, now)}.";

    private static string Which(IReadOnlyList<AnsweredCheckIn> answered, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(answered);
        var first = answered[0];
        var zone = EventTime.FindZone(first.Event.Organizer.TimeZone) ?? DateTimeZone.Utc;
        return answered.Count == 1 ? $"your {EventTime.CheckInAt(first.Awaited.DueAt, zone, now)}" : "your check-ins";
    }
}

using AftercareNudge.Dispatch;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;

namespace AftercareNudge.Events;

/// <summary>
/// What the answer to a registration or a PATCH warns about an SMS check-in's text, which is accepted
/// as it is: that it names the event (<see cref="LockScreenWarnings"/>), and that it costs more than
/// <see cref="CostlySegments"/> segments. Emails get neither: their subject never carries the words,
/// and they cost the same at any length.
/// </summary>
public static class SmsTextWarnings
{
    /// <summary>Above this many segments a check-in text gets a cost warning: each segment is charged as one SMS.</summary>
    public const int CostlySegments = 10;

    /// <summary>The warnings for one SMS check-in's <paramref name="message"/>, as the organiser's name in front sends it; empty if none.</summary>
    public static IReadOnlyList<string> For(string organizerName, string message, string title, string kind)
    {
        var warnings = new List<string>(2);
        if (LockScreenWarnings.For(message, title, kind) is { } lockScreen)
        {
            warnings.Add(lockScreen);
        }

        if (Cost(organizerName, message) is { } cost)
        {
            warnings.Add(cost);
        }

        return warnings;
    }

    /// <summary>"This text is sent as 11 SMS segments, …", or null at <see cref="CostlySegments"/> or fewer.</summary>
    public static string? Cost(string organizerName, string message)
    {
        var sent = CheckInWording.Sms(organizerName, FreeText.Normalize(message) ?? "");
        var segments = SmsSegments.Count(sent);
        if (segments <= CostlySegments)
        {
            return null;
        }

        var why = SmsSegments.IsGsm7(sent)
            ? ""
            : " A character outside the GSM alphabet (an emoji, a curly quote) makes every segment hold 67 characters instead of 153.";
        return $"This text is sent as {segments} SMS segments, each charged as one text (more than {CostlySegments}): shorten it, or send it by email.{why}";
    }
}

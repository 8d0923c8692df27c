using AftercareNudge.Consent;
using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

/// <summary>
/// What the event view says of an armed check-in that is not yet all it promises: not armed while the
/// organiser has not confirmed their number; a contact who has not agreed to be told (or agreed to other
/// terms); a contact whose quiet hours would hold the alert they did not allow at night.
/// </summary>
public static class SafetyWarnings
{
    public const string NotArmed = "Not armed yet: until you confirm your number (reply YES to our request), nobody is told if no answer comes.";

    public const string Stopped = "You stopped our messages: the check-in and its reminder will not reach you, but your contacts are still told if no answer comes (reply START, or any answer, by text).";

    public const string ContactErased = "A contact's details were erased at their request: your safety net has a gap, they will not be told.";

    /// <param name="optedOut">Whether a person (by key) stopped our messages on the channel their alert would go by.</param>
    public static IReadOnlyList<string> For(EventRecord record, IReadOnlyList<AwaitedReply> nets, string checkInId, ConsentState organizerSms, Func<string, bool> optedOut)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(nets);
        if (nets.FirstOrDefault(n => n.CheckInId == checkInId) is not { } net)
        {
            return [];
        }

        var said = new List<string>();
        if (organizerSms == ConsentState.OptedOut)
        {
            said.Add(Stopped);
        }
        else if (organizerSms != ConsentState.Granted)
        {
            said.Add(NotArmed);
        }

        foreach (var key in net.Net.EscalateTo)
        {
            if (record.Find(key) is not { } contact)
            {
                continue;
            }

            ArgumentNullException.ThrowIfNull(optedOut);
            if (contact.Name == RemovedNames.Erased)
            {
                said.Add(ContactErased);
            }
            else if (optedOut(key))
            {
                said.Add($"{contact.Name} stopped messages from us: your safety net has a gap, they will not be told.");
            }
            else if (contact.AgreedAlerts != SafetyLadder.TermsVersion(record, nets, key))
            {
                said.Add($"{contact.Name} has not agreed to be told yet: no alert reaches them until they do.");
            }
            else if (contact.AlertsInQuietHours != true
                && QuietHours.Of(contact.QuietHours).EndOfQuietAt(net.AlertAt, EventTime.FindZone(contact.TimeZone) ?? NodaTime.DateTimeZone.Utc) is { } morning)
            {
                said.Add($"{contact.Name}'s quiet hours would hold an alert at that time until {morning.ToUniversalTime():yyyy'-'MM'-'dd'T'HH':'mm'Z'}.");
            }
        }

        return said;
    }
}

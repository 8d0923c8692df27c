using AftercareNudge.Schedule;

namespace AftercareNudge.Consent;

/// <summary>
/// Which of a person's channels an event needs their consent on: those its messages to them use. A
/// channel no message uses is never asked about, so its consent is shown as
/// <see cref="ConsentState.NotNeeded"/> rather than pending for ever.
/// </summary>
public static class ConsentNeeds
{
    /// <summary>
    /// Whether a message of the event to <paramref name="person"/> uses <paramref name="channel"/>: a
    /// check-in, reminder, fallback, notice or relay to them on it; for the organiser, their reply
    /// channel while texts to others are planned (replies are passed on by it); for someone whose needs
    /// are in the aftercare plan, email (they agree to the plan by email).
    /// </summary>
    public static bool Uses(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, Participant person, Channel channel)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(checkIns);
        ArgumentNullException.ThrowIfNull(person);
        return checkIns.Any(c => c.To == person.Key && c.Channel == channel)
            || (person.Key == Participant.OrganizerKey && channel == person.ReplyChannel() && Relaying.HasRelayedTexts(checkIns))
            || (channel == Channel.Email && AftercarePlan.MustAgree(record, person) && !string.IsNullOrEmpty(person.Needs));
    }

    /// <summary>The consent shown for a channel: what the gate answers, or not-needed where that would be pending on a channel no message uses.</summary>
    public static ConsentState Shown(GateAnswer answer, bool used)
    {
        var shown = answer.ShownAs();
        return shown == ConsentState.Pending && !used ? ConsentState.NotNeeded : shown;
    }
}

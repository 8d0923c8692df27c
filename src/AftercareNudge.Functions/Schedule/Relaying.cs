namespace AftercareNudge.Schedule;

/// <summary>Which check-ins' replies are passed on to the organiser: the one rule every feature asks.</summary>
public static class Relaying
{
    /// <summary>Whether a reply to <paramref name="checkIn"/> goes to the organiser: one to anyone but the organiser themself.</summary>
    public static bool IsRelayed(CheckInRecord checkIn)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        return checkIn.To != Participant.OrganizerKey && checkIn.Kind is CheckInKind.CheckIn or CheckInKind.Fallback;
    }

    /// <summary>Whether replies to this plan's texts would go to the organiser: it has a text to someone else still planned.</summary>
    public static bool HasRelayedTexts(IEnumerable<CheckInRecord> checkIns) =>
        checkIns.Any(c => c.Channel == Channel.Sms && IsRelayed(c) && c.Status != CheckInStatus.Cancelled);
}

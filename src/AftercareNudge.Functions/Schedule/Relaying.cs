namespace AftercareNudge.Schedule;

/// <summary>Where passing a reply on stands, as the person who replied is told it.</summary>
public enum RelayOutcome
{
    /// <summary>The organiser replied to their own check-in: nobody else is told.</summary>
    NotRelayed,

    /// <summary>Sent to the organiser.</summary>
    PassedOn,

    /// <summary>Not sent yet (a retry, or another run holds it): it goes as soon as it can.</summary>
    Pending,

    /// <summary>It will not reach the organiser; GET says why.</summary>
    CouldNotPassOn,

    /// <summary>Kept until the organiser confirms a channel (see <c>Dispatch.WaitingRelays</c>), then passed on.</summary>
    AwaitingOrganizer,
}

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

/// <summary>
/// Passes a reply on to the organiser who sent the check-in it answers (once, however often called)
/// and tries to send it now: where it stands, and the organiser's name as the replier is told it.
/// </summary>
public interface IReplyRelay
{
    Task<(RelayOutcome Outcome, string? OrganizerName)> RelayAsync(CheckInRecord checkIn, string messageId, CancellationToken cancellationToken);
}

namespace AftercareNudge.Replies;

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

    /// <summary>Kept until the organiser confirms a channel (see <see cref="WaitingRelays"/>), then passed on.</summary>
    AwaitingOrganizer,
}

namespace AftercareNudge.Schedule;

/// <summary>
/// Something that happened to the schedule, told to whoever above cares (client webhooks, what waits on
/// it) without the feature where it happened knowing who that is: the feature raises it through
/// <see cref="DomainEvents{TEvent}"/>, and each interested folder registers a handler.
/// </summary>
/// <typeparam name="TEvent">The event: a record of what happened.</typeparam>
public interface IHandles<in TEvent>
    where TEvent : notnull
{
    /// <summary>Handles the event. A handler that fails fails the raise, after what it tells of happened: it must be safe to run again.</summary>
    Task HandleAsync(TEvent domainEvent, CancellationToken cancellationToken);
}

/// <summary>Raises <typeparamref name="TEvent"/> to every registered handler, in registration order.</summary>
public sealed class DomainEvents<TEvent>(IEnumerable<IHandles<TEvent>> handlers)
    where TEvent : notnull
{
    /// <summary>No handler: for code run outside the app (tools, tests of one class).</summary>
    public static DomainEvents<TEvent> None { get; } = new([]);

    public async Task RaiseAsync(TEvent domainEvent, CancellationToken cancellationToken)
    {
        foreach (var handler in handlers)
        {
            await handler.HandleAsync(domainEvent, cancellationToken);
        }
    }
}

/// <summary>A check-in (or reminder, fallback, notice, relay) ended: sent, delivered, failed, skipped or cancelled.</summary>
/// <param name="ClientId">Its event's client, where the raiser knows it (else the handler reads it).</param>
public sealed record CheckInFinished(CheckInRecord CheckIn, string? ClientId = null);

/// <summary>A reply to a check-in was kept under the inbound message's id.</summary>
public sealed record ReplyReceived(CheckInRecord Answered, string MessageId);

/// <summary>At registration: replies to the event's texts to others cannot reach its organiser until they confirm a channel.</summary>
public sealed record OrganizerUnconfirmed(EventRecord Event);

/// <summary>
/// The person's own answer skipped this check-in before it was due (a STOP, an unsubscribe, a NO, or one
/// of these given before it was planned): what its sender planned for such a case (a notice) is made.
/// </summary>
public sealed record SkippedByRecipient(CheckInRecord CheckIn);

/// <summary>
/// A row the service made is due now (a reply's relay; an all-clear to a contact, once the person
/// answered after an alert): the dispatcher sends it at once, through the same code as
/// its timer runs, so that the organiser hears within seconds and the person who replied is told
/// truthfully whether it went. Its claim makes this safe beside a timer run.
/// </summary>
public sealed record RelayDue(CheckInRecord Relay);

/// <summary>What became of an armed check-in's safety net, as its client is told of it.</summary>
public enum SafetyNetChange
{
    /// <summary>The person answered; a duress answer too, told exactly the same way (someone may be holding the app).</summary>
    Answered,

    /// <summary>No answer by <see cref="SafetyNet.Within"/>: the one reminder was committed.</summary>
    Missed,

    /// <summary>A contact's alert was sent (never one a duress answer sent).</summary>
    EscalationSent,

    /// <summary>A contact who was alerted was sent the all-clear.</summary>
    EscalationCleared,

    /// <summary>A contact's alert failed for good, or whether it went stayed unknown after its retries.</summary>
    EscalationFailed,

    /// <summary>A contact named by a check-in that has not closed stopped our messages or declined: the safety net has a gap.</summary>
    ContactLeft,
}

/// <summary>
/// An armed check-in's safety net changed: ids and the person's key only (the organiser, or the
/// contact an escalation concerns), never words and never whether an answer was a duress answer.
/// </summary>
/// <param name="CheckInId">The armed check-in (not the reminder's, alert's or all-clear's row).</param>
/// <param name="Channel">The channel the person is reached on here (the organiser's SMS, the contact's alert channel).</param>
public sealed record SafetyNetChanged(string EventId, string CheckInId, SafetyNetChange Change, string PersonKey, Channel Channel, string? ClientId = null);

using AftercareNudge.Schedule;

namespace AftercareNudge.Dispatch;

/// <summary>
/// A reply's relay, due now, is sent at once by the dispatcher's own handling of that one row, not at
/// its next timer run (<see cref="RelayDue"/>). Transient, as the dispatcher: its senders hold typed HttpClients.
/// </summary>
public sealed class RelaysAtOnce(Dispatcher dispatcher) : IHandles<RelayDue>
{
    public Task HandleAsync(RelayDue domainEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        var relay = domainEvent.Relay;
        return dispatcher.ProcessAsync(new DueEntry(relay.EventId, relay.Id, relay.NextAttemptAt), cancellationToken);
    }
}

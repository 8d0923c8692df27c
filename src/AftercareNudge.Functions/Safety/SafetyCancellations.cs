using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

/// <summary>
/// Cancelling an event after its contacts were alerted sends them no all-clear (only the person's
/// answer does) but tells them the check-in was cancelled, so that nobody waits for news that will not
/// come. Not after a duress answer: a cancellation then may come from whoever holds the person's app,
/// and must not stand the contacts down. Each contact's news is a row of the schedule with a fixed id
/// (<c>-cx&lt;n&gt;</c>, see <see cref="AlertFollowUps"/>), sent at once and only after their alert is
/// finished and went. An alert committed after the cancellation looked makes its contact's row itself
/// once it went (<see cref="AlertFollowUps.AfterAlertSentAsync"/>): the same id, so it is made once.
/// The organiser's erasure disarms the net as a cancellation does; the message then names nobody.
/// </summary>
public sealed class SafetyCancellations(EventStore events, AlertFollowUps followUps, DomainEvents<RelayDue> dueNow)
{
    /// <summary>Called once the cancellation is written: who was alerted is read after it, so that an alert committed later sees the event cancelled.</summary>
    public async Task TellContactsAsync(EventRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (var net in await events.GetAwaitedForEventAsync(record.Id, cancellationToken))
        {
            foreach (var key in net.Alerted ?? [])
            {
                if (AlertFollowUps.TellsCancellation(net, key)
                    && await followUps.AddAsync(record, net, key, CheckInKind.SafetyCancelled, cancellationToken) is { } made)
                {
                    await dueNow.RaiseAsync(new RelayDue(made), CancellationToken.None);
                }
            }
        }
    }
}

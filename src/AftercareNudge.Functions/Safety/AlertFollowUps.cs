using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

/// <summary>
/// What may follow a contact's alert, each a row of the schedule with a fixed id (see
/// <see cref="SafetyLadder.FollowUp"/>), added and never upserted, so that however many instances
/// make it, it is made once: the all-clear (the person answered), the urgent follow-up (they answered
/// with the duress word after the alert went) and the news that the check-in was cancelled. Each
/// waits, when due, until its alert is finished (<see cref="SafetySteps"/>). The caller sends a row
/// it made at once.
/// </summary>
public sealed class AlertFollowUps(EventStore events, RecipientCheckIns recipients, DueCheckInIndex dueIndex, TimeProvider time)
{
    /// <summary>
    /// Makes the row of <paramref name="kind"/> that follows the alert to <paramref name="contactKey"/>;
    /// returns it if this call made it, null if it was made before (or the contact has no alert).
    /// </summary>
    public async Task<CheckInRecord?> AddAsync(EventRecord record, AwaitedReply net, string contactKey, CheckInKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(net);
        var place = net.Net.EscalateTo.ToList().IndexOf(contactKey) + 1;
        if (place == 0 || await events.GetCheckInAsync(record.Id, SafetyLadder.AlertId(net.CheckInId, place), cancellationToken) is not { } alert)
        {
            return null;
        }

        // On the channel the alert reaches them by: its fallback's, once that is what goes.
        var current = SafetyLadder.CurrentAlert(alert, await events.GetCheckInAsync(record.Id, SafetyLadder.FallbackId(alert.Id), cancellationToken));
        if (record.Find(alert.To)?.Address(current.Channel) is null)
        {
            // A contact whose address was erased since their alert is sent nothing more.
            return null;
        }

        var row = SafetyLadder.FollowUp(alert, kind, time.GetUtcNow()) with { Channel = current.Channel };
        await recipients.AddAsync(record, [row], cancellationToken);
        await dueIndex.AddAsync([new DueEntry(record.Id, row.Id, row.NextAttemptAt, record.ClientId)], cancellationToken);
        return await events.AddCheckInAsync(row, cancellationToken) ? row : null;
    }

    /// <summary>
    /// An alert went: if the event was cancelled meanwhile (after the cancellation looked at who was
    /// alerted), its contact is told now, as the cancellation tells every alerted contact (not after a
    /// duress answer, nor after an answer). Returns the row made, to send at once, or null.
    /// </summary>
    public async Task<CheckInRecord?> AfterAlertSentAsync(CheckInRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (alert.Kind != CheckInKind.Alert || alert.RelatesTo is not { } armedId
            || await events.GetEventAsync(alert.EventId, cancellationToken) is not { CancelledAt: not null } record
            || await events.GetAwaitedAsync(alert.EventId, armedId, cancellationToken) is not { } net
            || !TellsCancellation(net, alert.To))
        {
            return null;
        }

        return await AddAsync(record, net, alert.To, CheckInKind.SafetyCancelled, cancellationToken);
    }

    /// <summary>Whether a cancellation tells this contact: their alert was committed, no answer came, and no duress word (a cancellation then may come from whoever holds the app).</summary>
    public static bool TellsCancellation(AwaitedReply net, string contactKey)
    {
        ArgumentNullException.ThrowIfNull(net);
        return net is { State: AwaitState.Escalated, DuressAt: null } && (net.Alerted ?? []).Contains(contactKey, StringComparer.Ordinal);
    }
}

using AftercareNudge.Schedule;
using AftercareNudge.Storage;

namespace AftercareNudge.Safety;

/// <summary>
/// After a duress answer the event reads, to whoever asks the API or hears its webhooks, exactly as
/// after any answer (the person's app may be in someone else's hands). Storage keeps what happened;
/// only what the client is shown is masked, here, in one place:
/// <list type="bullet">
/// <item>an alert that went because of the duress word is shown as an answer leaves an alert not yet
/// committed: cancelled, reason <c>answered</c> (and tells no webhook);</item>
/// <item>an alert committed before the duress word stays as it is, and is followed by the all-clear a
/// real answer would have made (<c>-ac&lt;n&gt;</c>), shown as that all-clear would be: sent at the
/// answer (delivered once the urgent follow-up is), waiting while its alert is still being sent, or
/// cancelled if the alert ended without being sent. No all-clear is sent;</item>
/// <item>the urgent follow-up sent instead (<c>-ur&lt;n&gt;</c>) is not shown at all, and tells no webhook.</item>
/// </list>
/// </summary>
public static class DuressMask
{
    /// <summary>The rows of an event as the client is shown them: each masked as above, and in storage's order (by id).</summary>
    public static IReadOnlyList<CheckInRecord> Apply(IReadOnlyList<CheckInRecord> rows, IReadOnlyList<AwaitedReply> nets)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(nets);
        if (!nets.Any(n => n.DuressAt is not null))
        {
            return rows;
        }

        var shown = rows.Where(r => !(r.Kind == CheckInKind.UrgentAlert && NetOf(r, nets) is { DuressAt: not null })).Select(r => AsAnswered(r, nets)).ToList();
        foreach (var net in nets.Where(n => n.DuressAt is not null))
        {
            foreach (var first in rows.Where(r => r.Kind == CheckInKind.Alert && r.RelatesTo == net.CheckInId && !SafetyLadder.IsFallbackId(r.Id) && WasAlertedBefore(r, net)))
            {
                // The all-clear a real answer makes goes where the alert reached them: by its fallback, once that is what went.
                var alert = SafetyLadder.CurrentAlert(first, rows.FirstOrDefault(r => r.Id == SafetyLadder.FallbackId(first.Id)));
                var allClear = AllClearShown(alert, net, rows.FirstOrDefault(r => r.Id == SafetyLadder.UrgentId(alert.Id)));
                if (shown.Any(r => r.Id == allClear.Id))
                {
                    continue;
                }

                var at = shown.FindIndex(r => string.CompareOrdinal(r.Id, allClear.Id) > 0);
                shown.Insert(at < 0 ? shown.Count : at, allClear);
            }
        }

        return shown;
    }

    /// <summary>Whether the client hears nothing of this row (no <c>checkin.*</c> webhook): an urgent follow-up, or an alert the duress word sent.</summary>
    public static bool Hides(CheckInRecord row, AwaitedReply? net)
    {
        ArgumentNullException.ThrowIfNull(row);
        return net is { DuressAt: not null } && row.RelatesTo == net.CheckInId
            && (row.Kind == CheckInKind.UrgentAlert || (row.Kind == CheckInKind.Alert && !WasAlertedBefore(row, net)));
    }

    /// <summary>An alert the duress word sent, shown as an answer leaves an alert not yet committed.</summary>
    public static CheckInRecord AsAnswered(CheckInRecord row, IReadOnlyList<AwaitedReply> nets)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(nets);
        return row.Kind == CheckInKind.Alert
            && NetOf(row, nets) is { DuressAt: not null } net
            && !WasAlertedBefore(row, net)
            && row.Status is not (CheckInStatus.Skipped or CheckInStatus.Cancelled)
                ? row with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.Answered, SentAt = null, Attempts = 0, ProviderMessageId = null, PendingDelivery = null }
                : row;
    }

    /// <summary>
    /// The all-clear a real answer at the duress word's moment would have made for <paramref name="alert"/>:
    /// sent then (delivered once the urgent follow-up was), waiting while the alert is not finished,
    /// cancelled if the alert ended without being sent.
    /// </summary>
    public static CheckInRecord AllClearShown(CheckInRecord alert, AwaitedReply net, CheckInRecord? urgent)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(net);
        var at = StoredTime.WholeMilliseconds(net.DuressAt ?? throw new ArgumentException("Not a duress answer.", nameof(net)));
        var row = SafetyLadder.FollowUp(alert, CheckInKind.AllClear, at);
        if (!SafetyLadder.AlertSettled(alert))
        {
            return row with { Reason = CheckInReasons.AwaitingAlert };
        }

        return SafetyLadder.AlertWent(alert)
            ? row with { Status = urgent?.Status == CheckInStatus.Delivered ? CheckInStatus.Delivered : CheckInStatus.Sent, SentAt = at, Attempts = 1 }
            : row with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.AlertNotSent };
    }

    private static AwaitedReply? NetOf(CheckInRecord row, IReadOnlyList<AwaitedReply> nets) => nets.FirstOrDefault(n => n.CheckInId == row.RelatesTo);

    /// <summary>Whether the contact's ordinary alert was committed before the duress word: after it, no one is added to who was told.</summary>
    private static bool WasAlertedBefore(CheckInRecord alert, AwaitedReply net) => (net.Alerted ?? []).Contains(alert.To, StringComparer.Ordinal);
}

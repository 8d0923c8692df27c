using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

/// <summary>
/// After a duress answer the event reads, to whoever asks the API, exactly as after any answer (the
/// person's app may be in someone else's hands): an alert that went because of the duress word is shown
/// as an answer shows an alert that no longer goes, cancelled because they answered.
/// </summary>
public static class DuressMask
{
    public static CheckInRecord AsAnswered(CheckInRecord row, IReadOnlyList<AwaitedReply> nets)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(nets);
        return row.Kind == CheckInKind.Alert
            && nets.FirstOrDefault(n => n.CheckInId == row.RelatesTo) is { DuressAt: { } duressAt }
            && !(row.SentAt < duressAt)
            && row.Status is not (CheckInStatus.Skipped or CheckInStatus.Cancelled)
                ? row with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.Answered, SentAt = null, Attempts = 0, ProviderMessageId = null, PendingDelivery = null }
                : row;
    }
}

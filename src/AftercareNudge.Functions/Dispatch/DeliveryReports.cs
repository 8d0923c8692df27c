using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;

namespace AftercareNudge.Dispatch;

/// <summary>What recording a delivery report came to.</summary>
public enum DeliveryReportOutcome
{
    /// <summary>The check-in is now delivered or failed.</summary>
    Recorded,

    /// <summary>The check-in was still being sent: the report waits on it for the dispatcher.</summary>
    Pending,

    /// <summary>Nothing to change: no such check-in, not sent yet, or already final.</summary>
    Unchanged,

    /// <summary>The report is about another message than the one the check-in was sent as.</summary>
    OtherMessage,
}

/// <summary>
/// What a provider's delivery report (a Twilio status callback, a SendGrid event) does to a check-in.
/// Reports come late, out of order and more than once, so a status never moves backwards: only a
/// <c>sent</c> check-in becomes delivered or failed, and the first final word stays. One exception: a
/// check-in failed as <c>outcome-unknown:…</c> (we never learned whether the provider took it) becomes
/// delivered when the provider says it was. A report that comes while the check-in is still
/// <c>sending</c> (the provider was faster than our own record of the send) is kept on the row and
/// applied by the dispatcher when it records the send. A failure creates the fallback or notice it
/// calls for (see <see cref="DeliveryFollowUps"/>); a safety alert's end is told to the client as the
/// dispatcher tells it (<see cref="EscalationOutcomes"/>).
/// </summary>
public sealed class DeliveryReports(EventStore events, DeliveryFollowUps followUps, EscalationOutcomes escalations, DomainEvents<CheckInFinished> finished)
{
    public async Task<DeliveryReportOutcome> RecordAsync(string eventId, string checkInId, DeliveryReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        for (var attempt = 1; ; attempt++)
        {
            var checkIn = await events.GetCheckInAsync(eventId, checkInId, cancellationToken);
            if (checkIn is null)
            {
                return DeliveryReportOutcome.Unchanged;
            }

            if (IsOtherMessage(checkIn, report))
            {
                return DeliveryReportOutcome.OtherMessage;
            }

            if (Apply(checkIn, report) is not { } changed)
            {
                return DeliveryReportOutcome.Unchanged;
            }

            // The follow-up first, then the failure. If the app dies in between, the follow-up goes out
            // while the check-in still reads sent, and a repeated report (SendGrid retries until it gets a
            // 2xx) records the failure and finds the follow-up already made. The other order could lose
            // the follow-up for good.
            await followUps.CreateAsync(changed, cancellationToken);
            try
            {
                await events.UpdateCheckInAsync(changed, cancellationToken);
                if (changed.Status == CheckInStatus.Sending)
                {
                    return DeliveryReportOutcome.Pending;
                }

                await finished.RaiseAsync(new CheckInFinished(changed), CancellationToken.None);

                // A rung's end, told as the dispatcher tells it: an alert that did not arrive after all is
                // escalation.failed only if no fallback (made above) tries the contact's other channel.
                await escalations.TellAsync(changed);
                return DeliveryReportOutcome.Recorded;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() && attempt < 3)
            {
                // Changed since we read it (the dispatcher recording the send, another report): look again.
            }
        }
    }

    /// <summary>The check-in after a report for its message, or null when the report changes nothing.</summary>
    public static CheckInRecord? Apply(CheckInRecord checkIn, DeliveryReport report)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        ArgumentNullException.ThrowIfNull(report);
        if (IsOtherMessage(checkIn, report))
        {
            return null;
        }

        if (checkIn.Status == CheckInStatus.Sending)
        {
            // The first word waits, as it would win once sent.
            return checkIn.PendingDelivery is null ? checkIn with { PendingDelivery = report } : null;
        }

        var isResolvingUnknown = checkIn.Status == CheckInStatus.Failed
                                 && IsOutcomeUnknown(checkIn.Reason)
                                 && report.Status == CheckInStatus.Delivered;
        if (checkIn.Status != CheckInStatus.Sent && !isResolvingUnknown)
        {
            return null;
        }

        // Learning the message id (an answer without one, or no answer at all) ties later reports to this message.
        return checkIn with
        {
            Status = report.Status,
            Reason = report.Reason,
            ProviderMessageId = checkIn.ProviderMessageId ?? report.MessageId,
            PendingDelivery = null,
        };
    }

    /// <summary>
    /// The dispatcher's record of a send with the report that came during it applied, as if it had come
    /// just after (a report about another message is dropped).
    /// </summary>
    public static CheckInRecord WithPendingApplied(CheckInRecord recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.PendingDelivery is not { } pending)
        {
            return recorded;
        }

        var cleared = recorded with { PendingDelivery = null };
        return Apply(cleared, pending) ?? cleared;
    }

    /// <summary>A send whose outcome we never learned: it may have arrived.</summary>
    public static bool IsOutcomeUnknown(string? reason) => reason?.StartsWith(CheckInReasons.OutcomeUnknownPrefix, StringComparison.Ordinal) == true;

    /// <summary>
    /// Whether the report names a message other than the one the check-in went out as. Twilio names the
    /// message by its SID; SendGrid's <c>sg_message_id</c> is the <c>X-Message-Id</c> we kept followed by
    /// a dot and more. A report or a check-in without an id cannot tell, and counts as the same.
    /// </summary>
    private static bool IsOtherMessage(CheckInRecord checkIn, DeliveryReport report) =>
        checkIn.ProviderMessageId is { } known
        && report.MessageId is { } reported
        && reported != known
        && !reported.StartsWith(known + ".", StringComparison.Ordinal);
}

using AftercareNudge.Hosting;
using AftercareNudge.Messaging.Email;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Dispatch;

/// <summary>What the providers post about what we sent: Twilio's status callbacks and SendGrid's events, which feed the delivery reports.</summary>
[Tags("Webhooks")]
public sealed class DeliveryWebhookFunctions(DeliveryReports reports, SendGridEvents sendGridEvents, ILogger<DeliveryWebhookFunctions> logger)
{
    [Function("TwilioStatusCallback")]
    [RateLimited(RateLimits.Limited.Webhook)]
    [RequiresTwilioSignature]
    [Accepts(typeof(TwilioStatusForm), AcceptsAttribute.Form)]
    [ReadsQuery("eventId", "The event of the check-in the message was, as the app put it in the StatusCallback URL it gave Twilio (signed with the rest of the URL). Absent for a message that is no check-in: its report is acknowledged and not recorded.")]
    [ReadsQuery("checkInId", "The check-in the message was, beside eventId.")]
    [ProducesContent(StatusCodes.Status200OK, "text/xml", Description = "Empty TwiML: recorded, or nothing to record.")]
    public async Task<ContentHttpResult> TwilioStatusCallback(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/twilio/status")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var form = TwilioStatusForm.Read(await request.ReadFormAsync(cancellationToken));
        var messageSid = form.MessageSid;
        var messageStatus = form.MessageStatus;
        if (messageSid.Length == 0 || messageStatus.Length == 0)
        {
            TwilioStatusLog.Incomplete(logger);
            return TwilioStatusCallbacks.Answer();
        }

        if (TwilioStatusCallbacks.Report(messageStatus, form.ErrorCode) is not { } report)
        {
            TwilioStatusLog.NothingToRecord(logger, messageSid, messageStatus);
            return TwilioStatusCallbacks.Answer();
        }

        var eventId = request.Query["eventId"].ToString();
        var checkInId = request.Query["checkInId"].ToString();
        if (!Ids.IsEventId(eventId) || !Ids.IsCheckInId(checkInId))
        {
            // A message that is no check-in (a consent request, a missing-consent notice): its callback names none.
            TwilioStatusLog.NoCheckIn(logger, messageSid, messageStatus);
            return TwilioStatusCallbacks.Answer();
        }

        switch (await reports.RecordAsync(eventId, checkInId, new DeliveryReport(report.Status, report.Reason, messageSid), cancellationToken))
        {
            case DeliveryReportOutcome.Recorded:
                TwilioStatusLog.CheckInMarked(logger, messageSid, messageStatus, eventId, checkInId, report.Status, report.Reason);
                break;
            case DeliveryReportOutcome.Pending:
                TwilioStatusLog.CheckInPending(logger, messageSid, messageStatus, eventId, checkInId);
                break;
            case DeliveryReportOutcome.OtherMessage:
                TwilioStatusLog.OtherMessage(logger, messageSid, eventId, checkInId);
                break;
            default:
                TwilioStatusLog.CheckInUnchanged(logger, messageSid, messageStatus, eventId, checkInId);
                break;
        }

        return TwilioStatusCallbacks.Answer();
    }

    [Function("SendGridEvents")]
    [RateLimited(RateLimits.Limited.Webhook)]
    [Accepts(typeof(IReadOnlyList<SendGridEvent>), "application/json")]
    [ReadsHeader(SendGridSignature.SignatureHeader, "SendGrid's ECDSA signature (Base64 DER) over the timestamp and the raw body.", Required = true)]
    [ReadsHeader(SendGridSignature.TimestampHeader, "When SendGrid signed the batch (Unix seconds); part of what is signed.", Required = true)]
    [ProducesProblem(StatusCodes.Status400BadRequest, Description = "The body is not a JSON array of events.")]
    [ProducesProblem(StatusCodes.Status403Forbidden, Description = "No valid SendGrid signature, or a body over 1 MiB.")]
    public Task<Results<Ok<SendGridEventsResult>, ProblemHttpResult>> SendGridEventsWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/sendgrid/events")] HttpRequest request,
        CancellationToken cancellationToken) =>
        sendGridEvents.HandleAsync(request, cancellationToken);
}

using AftercareNudge.Hosting;
using AftercareNudge.Messaging.Email;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Dispatch;

/// <summary>What the providers post about what we sent: Twilio's status callbacks and SendGrid's events, which feed the delivery reports.</summary>
[Tags("Webhooks")]
public sealed class DeliveryWebhookFunctions(DeliveryReports reports, SendGridEvents sendGridEvents, ILoggerFactory loggers)
{
    [Function("TwilioStatusCallback")]
    [RateLimited(RateLimits.Limited.Webhook)]
    [RequiresTwilioSignature]
    [Accepts(typeof(TwilioStatusForm), AcceptsAttribute.Form)]
    [ReadsQuery("eventId", "The event of the check-in the message was, as the app put it in the StatusCallback URL it gave Twilio (signed with the rest of the URL). Absent for a message that is no check-in: its report is acknowledged and not recorded.")]
    [ReadsQuery("checkInId", "The check-in the message was, beside eventId.")]
    [ProducesContent(StatusCodes.Status200OK, "text/xml", Description = "Empty TwiML: recorded, or nothing to record.")]
    public Task<ContentHttpResult> TwilioStatusCallback(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "twilio/status")] HttpRequest request,
        CancellationToken cancellationToken) =>
        TwilioStatusCallbacks.HandleAsync(request, reports, loggers, cancellationToken);

    [Function("SendGridEvents")]
    [RateLimited(RateLimits.Limited.Webhook)]
    [Accepts(typeof(IReadOnlyList<SendGridEvent>), "application/json")]
    [ReadsHeader(SendGridSignature.SignatureHeader, "SendGrid's ECDSA signature (Base64 DER) over the timestamp and the raw body.", Required = true)]
    [ReadsHeader(SendGridSignature.TimestampHeader, "When SendGrid signed the batch (Unix seconds); part of what is signed.", Required = true)]
    [ProducesProblem(StatusCodes.Status400BadRequest, Description = "The body is not a JSON array of events.")]
    [ProducesProblem(StatusCodes.Status403Forbidden, Description = "No valid SendGrid signature, or a body over 1 MiB.")]
    public Task<Results<Ok<SendGridEventsResult>, ProblemHttpResult>> SendGridEventsWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "sendgrid/events")] HttpRequest request,
        CancellationToken cancellationToken) =>
        sendGridEvents.HandleAsync(request, cancellationToken);
}

using AftercareNudge.Hosting;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Replies;

/// <summary>What Twilio posts when someone texts us.</summary>
[Tags("Webhooks")]
public sealed class InboundSmsFunctions(InboundSms inbound)
{
    [Function("TwilioInboundSms")]
    [RateLimited(RateLimits.Limited.Webhook)]
    [RequiresTwilioSignature]
    [Accepts(typeof(TwilioSmsForm), AcceptsAttribute.Form)]
    [ProducesContent(StatusCodes.Status200OK, "text/xml", Description = "TwiML: the reply to text back, if any.")]
    public Task<ContentHttpResult> TwilioInboundSms(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "twilio/sms")] HttpRequest request,
        CancellationToken cancellationToken) =>
        SmsEndpoints.TwilioInboundAsync(request, inbound, cancellationToken);
}

/// <summary>The development route that stands in for Twilio's inbound webhook: only while the outbox stands in for the providers.</summary>
[Tags("Development")]
public sealed class DevelopmentSmsFunctions(InboundSms inbound, OutboxSender outbox)
{
    [Function("DevInboundSms")]
    [RateLimited(RateLimits.Limited.Public)]
    [DevelopmentOutboxOnly]
    [AcceptsJson(typeof(DevSmsRequest))]
    [ProducesProblem(StatusCodes.Status400BadRequest, errors: true, Description = "No from or body, or the body cannot be read.")]
    [ProducesContent(StatusCodes.Status200OK, "text/xml", Description = "The TwiML Twilio would have answered; the reply is in the outbox too.")]
    public Task<Results<ContentHttpResult, ValidationProblem, ProblemHttpResult>> DevInboundSms(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "dev/sms")] HttpRequest request,
        CancellationToken cancellationToken) =>
        SmsEndpoints.DevInboundAsync(request, inbound, outbox, cancellationToken);
}

using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;
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
    public async Task<ContentHttpResult> TwilioInboundSms(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/twilio/sms")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var sms = TwilioSmsForm.Read(await request.ReadFormAsync(cancellationToken));

        // Only Twilio can sign, but its fields still become table keys: anything not shaped like a
        // number and a message SID is not a message we can act on.
        if (sms.From.Length is 0 or > DevelopmentSmsFunctions.MaxFromLength || !Ids.IsMessageId(sms.MessageSid))
        {
            return TwilioWebhooks.TwiML(null);
        }

        var reply = await inbound.HandleAsync(new IncomingSms(sms.From, sms.Body, sms.MessageSid, sms.OptOutType?.ToUpperInvariant()), cancellationToken);
        return TwilioWebhooks.TwiML(reply);
    }
}

/// <summary>The development route that stands in for Twilio's inbound webhook: only while the outbox stands in for the providers.</summary>
[Tags("Development")]
public sealed class DevelopmentSmsFunctions(InboundSms inbound, OutboxSender outbox)
{
    /// <summary>A sender is a phone number (or a short code): the app's one limit on one (<see cref="PhoneNumber.MaxLength"/>).</summary>
    internal const int MaxFromLength = PhoneNumber.MaxLength;

    [Function("DevInboundSms")]
    [RateLimited(RateLimits.Limited.None)]
    [DevelopmentOutboxOnly]
    [AcceptsJson(typeof(DevSmsRequest))]
    [ProducesProblem(StatusCodes.Status400BadRequest, errors: true, Description = "No from or body, or the body cannot be read.")]
    [ProducesContent(StatusCodes.Status200OK, "text/xml", Description = "The TwiML Twilio would have answered; the reply is in the outbox too.")]
    public async Task<Results<ContentHttpResult, ValidationProblem, ProblemHttpResult>> DevInboundSms(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/dev/sms")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        // The Twilio webhook's handling without a signature; the reply Twilio would have sent goes to the outbox.
        var read = await JsonBodies.ReadAsync<DevSmsRequest>(request, cancellationToken);
        if (read.Refusal is not null)
        {
            return read.Refusal;
        }

        var body = read.Value!;
        if (string.IsNullOrWhiteSpace(body.From) || body.Body is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["'from' (E.164) and 'body' are required."] });
        }

        if (body.From.Length > MaxFromLength)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = [$"'from' is a phone number: at most {MaxFromLength} characters."] });
        }

        // As Twilio would send it: E.164, whatever spacing the developer typed.
        var from = PhoneNumber.TryE164(body.From, out var e164) ? e164 : body.From.Trim();
        var reply = await inbound.HandleAsync(new IncomingSms(from, body.Body, Ids.NewDevelopmentMessageId(), null), cancellationToken);
        if (reply is not null)
        {
            await outbox.SendAsync(new SmsMessage(from, reply, MessageKinds.ConsentReply, null, null), cancellationToken);
        }

        return TwilioWebhooks.TwiML(reply);
    }
}

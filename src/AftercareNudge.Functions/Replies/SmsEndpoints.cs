using System.Text.Json.Serialization;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Messaging.Sms;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Replies;

/// <summary>The dev route's body: an inbound SMS as a person would send it.</summary>
public sealed record DevSmsRequest(string? From, string? Body);

/// <summary>The fields of Twilio's inbound-message webhook that are read (Twilio signs all it sends, and sends more).</summary>
public sealed record TwilioSmsForm(
    [property: JsonPropertyName("From")] string From,
    [property: JsonPropertyName("Body")] string Body,
    [property: JsonPropertyName("MessageSid")] string MessageSid,
    [property: JsonPropertyName("OptOutType")] string? OptOutType = null)
{
    internal static TwilioSmsForm Read(IFormCollection form) => new(
        form["From"].ToString(),
        form["Body"].ToString(),
        form["MessageSid"].ToString(),
        form["OptOutType"].ToString() is { Length: > 0 } optOutType ? optOutType : null);
}

public static class SmsEndpoints
{
    /// <summary>A sender is a phone number (or a short code): the app's one limit on one (<see cref="Schedule.PhoneNumber.MaxLength"/>).</summary>
    private const int MaxFromLength = Schedule.PhoneNumber.MaxLength;

    /// <summary><c>POST /api/twilio/sms</c>: Twilio's inbound-message webhook, signed; answers in TwiML.</summary>
    internal static async Task<ContentHttpResult> TwilioInboundAsync(HttpRequest request, InboundSms inbound, CancellationToken cancellationToken)
    {
        var sms = TwilioSmsForm.Read(await request.ReadFormAsync(cancellationToken));
        var from = sms.From;
        var messageId = sms.MessageSid;
        // Only Twilio can sign, but its fields still become table keys: anything not shaped like a
        // number and a message SID is not a message we can act on.
        if (from.Length is 0 or > MaxFromLength || !Schedule.Ids.IsMessageId(messageId))
        {
            return TwilioWebhooks.TwiML(null);
        }

        var reply = await inbound.HandleAsync(new IncomingSms(from, sms.Body, messageId, sms.OptOutType?.ToUpperInvariant()), cancellationToken);
        return TwilioWebhooks.TwiML(reply);
    }

    /// <summary>
    /// <c>POST /api/dev/sms</c> (outbox mode only): the same handling without a signature. The reply
    /// Twilio would have sent goes to the outbox.
    /// </summary>
    internal static async Task<Results<ContentHttpResult, ValidationProblem, ProblemHttpResult>> DevInboundAsync(HttpRequest http, InboundSms inbound, OutboxSender outbox, CancellationToken cancellationToken)
    {
        var read = await Hosting.JsonBodies.ReadAsync<DevSmsRequest>(http, cancellationToken);
        if (read.Refusal is not null)
        {
            return read.Refusal;
        }

        var request = read.Value!;
        if (string.IsNullOrWhiteSpace(request.From) || request.Body is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["'from' (E.164) and 'body' are required."] });
        }

        if (request.From.Length > MaxFromLength)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = [$"'from' is a phone number: at most {MaxFromLength} characters."] });
        }

        // As Twilio would send it: E.164, whatever spacing the developer typed.
        var from = Schedule.PhoneNumber.TryE164(request.From, out var e164) ? e164 : request.From.Trim();
        var reply = await inbound.HandleAsync(new IncomingSms(from, request.Body, Schedule.Ids.NewDevelopmentMessageId(), null), cancellationToken);
        if (reply is not null)
        {
            await outbox.SendAsync(new SmsMessage(from, reply, MessageKinds.ConsentReply, null, null), cancellationToken);
        }

        return TwilioWebhooks.TwiML(reply);
    }
}

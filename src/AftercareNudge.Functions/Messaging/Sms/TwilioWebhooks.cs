using System.Xml.Linq;
using AftercareNudge.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Twilio.TwiML;

namespace AftercareNudge.Messaging.Sms;

/// <summary>Twilio's webhooks: only requests Twilio signed reach the handler, and each answers in TwiML.</summary>
public static class TwilioWebhooks
{
    public const string SignatureProblemTitle = "The Twilio signature is missing or wrong.";

    /// <summary>
    /// Twilio's connection overrides for the inbound-SMS webhook, the fragment of the URL Twilio is
    /// configured with (infra's <c>twilioSmsWebhookUrl</c> output). Twilio does not retry a webhook that
    /// answered 5xx unless told to, and a text it gave up on is gone: a STOP in plain words ("stop texting
    /// me") with it. So: retry up to 5 times (<c>rc</c>) on a failed connection, a read timeout or a 5xx
    /// (<c>rp</c>), connect within 5 s (<c>ct</c>), answer within 10 s (<c>rt</c>: every answer, a 503
    /// included, comes within 10 s, see <see cref="Storage.StorageBudget"/>), all tries within 15 s
    /// (<c>tt</c>, Twilio's maximum). The handling is idempotent by <c>MessageSid</c>, so a retry of a text
    /// that was handled acts once.
    /// </summary>
    public const string InboundSmsConnectionOverrides = "#ct=5000&rt=10000&tt=15000&rc=5&rp=ct,rt,5xx";

    /// <summary>
    /// A webhook's answer (<c>text/xml</c>): <paramref name="reply"/> as the one SMS Twilio sends back, or
    /// an empty <c>&lt;Response&gt;</c> for none. Built by the SDK's <see cref="MessagingResponse"/>, and
    /// written without the XML declaration its <c>ToString</c> adds, as the app has always answered.
    /// </summary>
    internal static ContentHttpResult TwiML(string? reply)
    {
        var response = new MessagingResponse();
        if (reply is not null)
        {
            response.Message(reply);
        }

        return TypedResults.Content(response.ToXDocument().Root!.ToString(SaveOptions.DisableFormatting), "text/xml");
    }

    /// <summary>
    /// True only if <c>X-Twilio-Signature</c> is Twilio's signature of this form POST to its public URL
    /// (<c>Public:BaseUrl</c> + path + query) made with <c>Twilio:AuthToken</c>. A request that is not
    /// <c>application/x-www-form-urlencoded</c> cannot be verified and is refused too.
    /// </summary>
    internal static async Task<bool> IsSignedAsync(HttpRequest request, PublicOptions publicOptions, TwilioOptions twilioOptions, ILogger logger)
    {
        var path = request.Path.Value ?? "";
        var authToken = twilioOptions.AuthToken;
        if (string.IsNullOrEmpty(authToken))
        {
            TwilioWebhookLog.AuthTokenMissing(logger, path);
            return false;
        }

        if (publicOptions.BaseUrl is null)
        {
            TwilioWebhookLog.PublicBaseUrlMissing(logger, path);
            return false;
        }

        var signatures = request.Headers[TwilioSignature.HeaderName];
        var signature = signatures.Count == 1 ? signatures[0] : null;
        if (string.IsNullOrEmpty(signature))
        {
            TwilioWebhookLog.SignatureMissing(logger, path);
            return false;
        }

        // Multipart could carry files the signature does not cover; Twilio only ever sends url-encoded forms.
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
        {
            TwilioWebhookLog.NotAForm(logger, path);
            return false;
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (InvalidDataException)
        {
            TwilioWebhookLog.FormUnreadable(logger, path);
            return false;
        }

        // Twilio signs the URL it requested, which behind a proxy or the Functions host is the public one.
        var url = publicOptions.Url(request.Path.ToUriComponent().TrimStart('/') + request.QueryString.ToUriComponent());
        var parameters = form.SelectMany(field => field.Value.Select(value => KeyValuePair.Create(field.Key, value ?? "")));
        // The fragment never reaches us; whether Twilio signs the URL with it is not documented, so both count.
        if (!TwilioSignature.IsValid(authToken, url.OriginalString, parameters, signature, InboundSmsConnectionOverrides))
        {
            TwilioWebhookLog.SignatureWrong(logger, url.GetLeftPart(UriPartial.Path));
            return false;
        }

        return true;
    }
}

/// <summary>A function marked <see cref="RequiresTwilioSignatureAttribute"/> runs only for a request Twilio signed: 403 problem details otherwise.</summary>
internal sealed class TwilioSignatureCheck(IOptions<PublicOptions> publicOptions, IOptions<TwilioOptions> twilioOptions, ILogger<TwilioSignatureCheck> logger) : IFunctionsWorkerMiddleware, IDeclaresAnswers
{
    public static IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function) =>
        function.Has<RequiresTwilioSignatureAttribute>()
            ? [DeclaredAnswer.Problem(StatusCodes.Status403Forbidden, "Not a form Twilio signed for this URL (X-Twilio-Signature).")]
            : [];

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (FunctionMethods.Has<RequiresTwilioSignatureAttribute>(context)
            && !await TwilioWebhooks.IsSignedAsync(HttpInvocations.Request(context).Request, publicOptions.Value, twilioOptions.Value, logger))
        {
            FunctionAnswers.Answer(context, TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: TwilioWebhooks.SignatureProblemTitle));
            return;
        }

        await next(context);
    }
}

/// <summary>Log messages of Twilio's webhooks. Never the parameters: they hold phone numbers and message text.</summary>
internal static partial class TwilioWebhookLog
{
    [LoggerMessage(EventId = 440, Level = LogLevel.Warning, Message = "Twilio webhook {Path} refused: no X-Twilio-Signature header")]
    public static partial void SignatureMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 441, Level = LogLevel.Warning, Message = "Twilio webhook refused: the signature does not match {Url} (if Twilio really sent it, check that Public:BaseUrl is the URL configured at Twilio and Twilio:AuthToken is the account's current token)")]
    public static partial void SignatureWrong(ILogger logger, string url);

    [LoggerMessage(EventId = 442, Level = LogLevel.Error, Message = "Twilio webhook {Path} refused: Twilio:AuthToken is not set, so no signature can be verified")]
    public static partial void AuthTokenMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 443, Level = LogLevel.Warning, Message = "Twilio webhook {Path} refused: the body is not a url-encoded form, so its signature cannot be verified")]
    public static partial void NotAForm(ILogger logger, string path);

    [LoggerMessage(EventId = 444, Level = LogLevel.Error, Message = "Twilio webhook {Path} refused: Public:BaseUrl is not set, so the URL Twilio signed is unknown")]
    public static partial void PublicBaseUrlMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 445, Level = LogLevel.Warning, Message = "Twilio webhook {Path} refused: the form could not be read")]
    public static partial void FormUnreadable(ILogger logger, string path);
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace AftercareNudge.Messaging.Email;

/// <summary>
/// Sends one email through SendGrid's v3 Mail Send with the official library, over an
/// <see cref="HttpClient"/> from <see cref="IHttpClientFactory"/>. Never retries: a retried send is a
/// second email, so retrying transient failures is the dispatcher's decision.
/// </summary>
public sealed class SendGridEmailSender(
    HttpClient http,
    IOptions<SendGridOptions> options,
    TimeProvider time,
    ILogger<SendGridEmailSender> logger) : IEmailSender
{
    public async Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        var settings = options.Value;
        if (!settings.IsConfigured || string.IsNullOrWhiteSpace(settings.From))
        {
            throw new InvalidOperationException("SendGrid is not configured: set SendGrid:ApiKey and SendGrid:From, or use the development outbox.");
        }

        var client = new SendGridClient(http, new SendGridClientOptions { ApiKey = settings.ApiKey, Host = settings.BaseUrl.ToString() });
        var mail = SendGridMail.Build(message, new System.Net.Mail.MailAddress(settings.From));

        SendResult result;
        try
        {
            var response = await client.SendEmailAsync(mail, cancellationToken);
            result = Interpret(response);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout: the request may have reached SendGrid.
            result = SendResult.Ambiguous("sendgrid-timeout");
        }
        catch (TimeoutRejectedException)
        {
            result = SendResult.Ambiguous("sendgrid-timeout");
        }
        catch (BrokenCircuitException)
        {
            // Rejected before anything was sent: safe to try again later.
            result = SendResult.Transient("sendgrid-circuit-open");
        }
        catch (ExecutionRejectedException)
        {
            result = SendResult.Transient("sendgrid-rejected-locally");
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.NameResolutionError
                                                 or HttpRequestError.ConnectionError
                                                 or HttpRequestError.SecureConnectionError
                                                 or HttpRequestError.ProxyTunnelError)
        {
            // No connection was made, so no request reached SendGrid: safe to try again.
            result = SendResult.Transient("sendgrid-connect-failed");
        }
        catch (HttpRequestException)
        {
            // The connection broke after the request may have gone out.
            result = SendResult.Ambiguous("sendgrid-connection-failed");
        }

        Log(result);
        return result;
    }

    private SendResult Interpret(Response response)
    {
        var status = (int)response.StatusCode;
        var reason = "sendgrid-http-" + status.ToString(CultureInfo.InvariantCulture);
        return status switch
        {
            // 200 is sandbox mode, which validates and sends nothing.
            (int)HttpStatusCode.Accepted or (int)HttpStatusCode.OK => SendResult.Sent(MessageId(response.Headers)),
            (int)HttpStatusCode.TooManyRequests => SendResult.Throttle(reason, RetryAfter(response.Headers)),
            >= 500 => SendResult.Ambiguous(reason),
            _ => SendResult.Permanent(reason),
        };
    }

    private static string? MessageId(HttpResponseHeaders? headers) =>
        headers is not null && headers.TryGetValues("X-Message-Id", out var values) ? values.FirstOrDefault() : null;

    private TimeSpan? RetryAfter(HttpResponseHeaders? headers)
    {
        if (headers is null)
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (headers.RetryAfter is { } retryAfter)
        {
            return retryAfter.Delta ?? (retryAfter.Date is { } date ? NotNegative(date - now) : null);
        }

        // SendGrid's rate-limit headers: the reset is in Unix seconds.
        if (headers.TryGetValues("X-RateLimit-Reset", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var resetSeconds))
        {
            return NotNegative(DateTimeOffset.FromUnixTimeSeconds(resetSeconds) - now);
        }

        return null;
    }

    private static TimeSpan NotNegative(TimeSpan value) => value < TimeSpan.Zero ? TimeSpan.Zero : value;

    private void Log(SendResult result)
    {
        switch (result.Outcome)
        {
            case SendOutcome.Sent:
                SendGridLog.Sent(logger, result.ProviderMessageId ?? "");
                break;
            case SendOutcome.Transient:
                SendGridLog.Deferred(logger, result.Reason!, result.RetryAfter);
                break;
            case SendOutcome.Ambiguous:
                SendGridLog.Ambiguous(logger, result.Reason!);
                break;
            case SendOutcome.Permanent when result.Reason is "sendgrid-http-401" or "sendgrid-http-403":
                SendGridLog.CredentialsRefused(logger, result.Reason);
                break;
            default:
                SendGridLog.Rejected(logger, result.Reason ?? "");
                break;
        }
    }
}

/// <summary>How an <see cref="EmailMessage"/> becomes a SendGrid message: the one place to add headers later.</summary>
internal static class SendGridMail
{
    public static SendGridMessage Build(EmailMessage message, System.Net.Mail.MailAddress from)
    {
        var mail = MailHelper.CreateSingleEmail(
            new EmailAddress(from.Address, NullIfEmpty(from.DisplayName)),
            new EmailAddress(message.To, NullIfEmpty(message.ToName)),
            message.Subject,
            message.Text,
            message.Html);

        // Opaque ids only: they come back on webhook events, and SendGrid keeps them.
        mail.AddCustomArg("kind", message.Kind);
        if (message.EventId is not null)
        {
            mail.AddCustomArg("eventId", message.EventId);
        }

        if (message.CheckInId is not null)
        {
            mail.AddCustomArg("checkInId", message.CheckInId);
        }

        // RFC 8058 one-click unsubscribe: mail clients POST to the link, with no cookies and no redirect.
        if (message.UnsubscribeUrl is not null)
        {
            mail.AddHeader("List-Unsubscribe", $"<{message.UnsubscribeUrl.AbsoluteUri}>");
            mail.AddHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

        // Aftercare email is not marketing: no open pixel, no links rewritten through SendGrid,
        // whatever the account's defaults are.
        mail.SetClickTracking(false, false);
        mail.SetOpenTracking(false);
        return mail;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

internal static partial class SendGridLog
{
    [LoggerMessage(EventId = 420, Level = LogLevel.Information, Message = "SendGrid accepted an email as {ProviderMessageId}")]
    public static partial void Sent(ILogger logger, string providerMessageId);

    [LoggerMessage(EventId = 421, Level = LogLevel.Warning, Message = "SendGrid deferred an email ({Reason}), retry after {RetryAfter}")]
    public static partial void Deferred(ILogger logger, string reason, TimeSpan? retryAfter);

    [LoggerMessage(EventId = 422, Level = LogLevel.Warning, Message = "SendGrid rejected an email ({Reason})")]
    public static partial void Rejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 423, Level = LogLevel.Error, Message = "SendGrid refused our credentials ({Reason}): check SendGrid:ApiKey and its Mail Send permission")]
    public static partial void CredentialsRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 424, Level = LogLevel.Warning, Message = "An email may or may not have been sent by SendGrid ({Reason}); it is not retried automatically")]
    public static partial void Ambiguous(ILogger logger, string reason);
}

public static class SendGridEmailExtensions
{
    internal static IServiceCollection AddSendGridEmail(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<SendGridEmailSender>().AddProviderResilience();
        return services;
    }
}

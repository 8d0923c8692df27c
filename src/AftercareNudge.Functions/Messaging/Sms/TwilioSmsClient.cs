using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AftercareNudge.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;

namespace AftercareNudge.Messaging.Sms;

/// <summary>
/// Sends one SMS through Twilio's REST API (<c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c>)
/// and says what the answer means. One request per call, never retried here: Twilio has no idempotency
/// key for messages, so a retried POST can be a second SMS. The dispatcher decides about retries.
/// </summary>
public sealed class TwilioSmsClient : ISmsSender
{
    public const string StatusCallbackRoute = "api/twilio/status";

    private readonly HttpClient _http;
    private readonly TwilioOptions _twilio;
    private readonly PublicOptions _public;
    private readonly TimeProvider _time;
    private readonly ILogger<TwilioSmsClient> _logger;

    public TwilioSmsClient(
        HttpClient http,
        IOptions<TwilioOptions> twilio,
        IOptions<PublicOptions> publicOptions,
        TimeProvider time,
        ILogger<TwilioSmsClient> logger)
    {
        ArgumentNullException.ThrowIfNull(twilio);
        ArgumentNullException.ThrowIfNull(publicOptions);
        _http = http;
        _twilio = twilio.Value;
        _public = publicOptions.Value;
        _time = time;
        _logger = logger;
    }

    public async Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var request = CreateRequest(message);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            return await ReadAnswerAsync(response, message, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException e)
        {
            return Unknown("twilio-timeout", e);
        }
        catch (OperationCanceledException e)
        {
            // Not the caller's token: HttpClient.Timeout.
            return Unknown("twilio-timeout", e);
        }
        catch (BrokenCircuitException e)
        {
            return NotSent(SendResult.Transient("twilio-circuit-open"), e);
        }
        catch (RateLimiterRejectedException e)
        {
            return NotSent(SendResult.Transient("twilio-local-limit", e.RetryAfter), e);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.NameResolutionError
                                                 or HttpRequestError.ConnectionError
                                                 or HttpRequestError.SecureConnectionError
                                                 or HttpRequestError.ProxyTunnelError)
        {
            // No connection was made, so no request reached Twilio: safe to try again.
            return NotSent(SendResult.Transient("twilio-connect-failed"), e);
        }
        catch (HttpRequestException e)
        {
            // The connection broke after the request may have gone out.
            return Unknown("twilio-connection-lost", e);
        }
    }

    /// <summary>The HttpClient base address for <see cref="TwilioOptions.BaseUrl"/>: with a trailing slash, so a path in it is kept.</summary>
    internal static Uri BaseAddress(Uri baseUrl) =>
        baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/", UriKind.Absolute);

    private HttpRequestMessage CreateRequest(SmsMessage message)
    {
        var accountSid = _twilio.AccountSid;
        if (string.IsNullOrWhiteSpace(accountSid))
        {
            throw new InvalidOperationException("Twilio:AccountSid is not set: without it messages go to the development outbox, not through Twilio.");
        }

        List<KeyValuePair<string, string>> fields = [new("To", message.To), new("Body", message.Body)];
        if (!string.IsNullOrWhiteSpace(_twilio.MessagingServiceSid))
        {
            fields.Add(new("MessagingServiceSid", _twilio.MessagingServiceSid));
        }

        if (!string.IsNullOrWhiteSpace(_twilio.From))
        {
            fields.Add(new("From", _twilio.From));
        }

        if (_public.BaseUrl is not null)
        {
            fields.Add(new("StatusCallback", StatusCallbackUrl(_public, message).AbsoluteUri));
        }

        // An API key authenticates the call; the URL still names the account.
        var (user, secret) = string.IsNullOrWhiteSpace(_twilio.ApiKeySid)
            ? (accountSid, _twilio.AuthToken)
            : (_twilio.ApiKeySid, _twilio.ApiKeySecret);
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + secret));

        return new HttpRequestMessage(HttpMethod.Post, new Uri($"2010-04-01/Accounts/{Uri.EscapeDataString(accountSid)}/Messages.json", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(fields),
            Headers = { Authorization = new AuthenticationHeaderValue("Basic", credentials) },
        };
    }

    /// <summary>
    /// Where Twilio reports the message's fate, carrying our ids so the report finds its check-in.
    /// Twilio signs this URL with its query, so the ids in a verified callback are the ones we sent.
    /// </summary>
    internal static Uri StatusCallbackUrl(PublicOptions publicOptions, SmsMessage message)
    {
        List<string> query = [];
        if (!string.IsNullOrEmpty(message.EventId))
        {
            query.Add("eventId=" + Uri.EscapeDataString(message.EventId));
        }

        if (!string.IsNullOrEmpty(message.CheckInId))
        {
            query.Add("checkInId=" + Uri.EscapeDataString(message.CheckInId));
        }

        return publicOptions.Url(query.Count == 0 ? StatusCallbackRoute : StatusCallbackRoute + "?" + string.Join('&', query));
    }

    private async Task<SendResult> ReadAnswerAsync(HttpResponseMessage response, SmsMessage message, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);

        if (response.IsSuccessStatusCode)
        {
            var (sid, errorCode) = ReadFields(body, "error_code");
            if (errorCode is not null)
            {
                // Created, but already failed: the sid still matches the status callbacks to come.
                var failed = TwilioErrors.Classify(status, errorCode, null) with { ProviderMessageId = sid };
                TwilioSmsLog.CreatedWithError(_logger, sid, failed.Outcome, failed.Reason);
                return failed;
            }

            if (sid is null)
            {
                TwilioSmsLog.AcceptedWithoutSid(_logger, status);
            }
            else
            {
                TwilioSmsLog.Accepted(_logger, sid, message.Kind, message.CheckInId);
            }

            return SendResult.Sent(sid);
        }

        var (_, code) = ReadFields(body, "code");
        var result = TwilioErrors.Classify(status, code, RetryAfter(response));
        TwilioSmsLog.Refused(_logger, status, result.Outcome, result.Reason);
        return result;
    }

    /// <summary>Reads <c>sid</c> and the given error-code field; a body that is not Twilio's JSON yields neither.</summary>
    private static (string? Sid, int? Code) ReadFields(string body, string codeField)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var sid = root.TryGetProperty("sid", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            int? code = root.TryGetProperty(codeField, out var c) switch
            {
                false => null,
                true when c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) => n,
                true when c.ValueKind == JsonValueKind.String && int.TryParse(c.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
                _ => null,
            };
            return (sid, code);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is TimeSpan delta)
        {
            return delta;
        }

        if (header?.Date is DateTimeOffset date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private SendResult Unknown(string reason, Exception exception)
    {
        TwilioSmsLog.OutcomeUnknown(_logger, reason, exception);
        return SendResult.Ambiguous(reason);
    }

    private SendResult NotSent(SendResult result, Exception exception)
    {
        TwilioSmsLog.NotSent(_logger, result.Reason, exception);
        return result;
    }
}

public static class TwilioSmsExtensions
{
    public static IServiceCollection AddTwilioSms(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<TwilioSmsClient>((sp, http) =>
                http.BaseAddress = TwilioSmsClient.BaseAddress(sp.GetRequiredService<IOptions<TwilioOptions>>().Value.BaseUrl))
            .AddProviderResilience();
        return services;
    }
}

/// <summary>Twilio send log messages (event ids 400-419): message SIDs and reason codes only, never numbers or text.</summary>
internal static partial class TwilioSmsLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Twilio accepted SMS {MessageSid} ({Kind}, check-in {CheckInId})")]
    public static partial void Accepted(ILogger logger, string messageSid, string kind, string? checkInId);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Twilio accepted an SMS but its answer (HTTP {StatusCode}) carried no message SID")]
    public static partial void AcceptedWithoutSid(ILogger logger, int statusCode);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Twilio created SMS {MessageSid} already failed: {Outcome} ({Reason})")]
    public static partial void CreatedWithError(ILogger logger, string? messageSid, SendOutcome outcome, string? reason);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Twilio refused an SMS with HTTP {StatusCode}: {Outcome} ({Reason})")]
    public static partial void Refused(ILogger logger, int statusCode, SendOutcome outcome, string? reason);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Twilio SMS not sent ({Reason}): no request reached Twilio")]
    public static partial void NotSent(ILogger logger, string? reason, Exception exception);

    [LoggerMessage(EventId = 405, Level = LogLevel.Error, Message = "Twilio SMS outcome unknown ({Reason}): the message may or may not have been sent")]
    public static partial void OutcomeUnknown(ILogger logger, string reason, Exception exception);
}

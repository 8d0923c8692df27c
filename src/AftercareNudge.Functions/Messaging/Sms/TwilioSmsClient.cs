using System.Net;
using System.Net.Http.Headers;
using AftercareNudge.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace AftercareNudge.Messaging.Sms;

/// <summary>
/// Sends one SMS with Twilio's SDK (<c>MessageResource.CreateAsync</c>) and says what the answer means.
/// The SDK's requests go through our own <see cref="System.Net.Http.HttpClient"/> from
/// <see cref="IHttpClientFactory"/>, so the timeouts and the circuit breaker are ours. One request per
/// call, never retried here: Twilio has no idempotency key for messages, so a retried POST can be a
/// second SMS. The dispatcher decides about retries.
/// </summary>
public sealed class TwilioSmsClient : ISmsSender
{
    public const string StatusCallbackRoute = "api/twilio/status";

    /// <summary>The <see cref="IHttpClientFactory"/> client the SDK sends through.</summary>
    public const string HttpClientName = "Twilio";

    private readonly IHttpClientFactory _httpClients;
    private readonly TwilioOptions _twilio;
    private readonly PublicOptions _public;
    private readonly TimeProvider _time;
    private readonly ILogger<TwilioSmsClient> _logger;

    public TwilioSmsClient(
        IHttpClientFactory httpClients,
        IOptions<TwilioOptions> twilio,
        IOptions<PublicOptions> publicOptions,
        TimeProvider time,
        ILogger<TwilioSmsClient> logger)
    {
        ArgumentNullException.ThrowIfNull(twilio);
        ArgumentNullException.ThrowIfNull(publicOptions);
        _httpClients = httpClients;
        _twilio = twilio.Value;
        _public = publicOptions.Value;
        _time = time;
        _logger = logger;
    }

    public async Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var options = CreateOptions(message);
        cancellationToken.ThrowIfCancellationRequested();

        // The SDK takes no cancellation token. A client of its own for each send lets the caller's token
        // cancel this request and no other.
        using var http = _httpClients.CreateClient(HttpClientName);
        using var cancellation = cancellationToken.Register(http.CancelPendingRequests);
        var transport = new SystemNetHttpClient(http);
        try
        {
            var created = await MessageResource.CreateAsync(options, RestClient(transport));
            return Created(transport.LastResponse, created?.Sid, created?.ErrorCode, message);
        }
        catch (ApiException) when (transport.LastResponse is { } answer && IsSuccess(answer.StatusCode))
        {
            // Twilio took it, but its answer was not a message resource.
            TwilioSmsLog.AcceptedWithoutSid(_logger, (int)answer.StatusCode);
            return SendResult.Sent(null);
        }
        catch (ApiException e)
        {
            return Refused(transport.LastResponse, e.Status, e.Code);
        }
        catch (ApiStandardException e)
        {
            // The SDK's type for an RFC 9457 problem body, should Twilio answer with one.
            return Refused(transport.LastResponse, e.Status, e.Code);
        }
        catch (ApiConnectionException e)
        {
            // The SDK wraps whatever stopped the request from being answered.
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("The send was cancelled by its caller.", e, cancellationToken);
            }

            if (e.InnerException is { } cause && Unanswered(cause) is { } result)
            {
                return result;
            }

            throw;
        }
    }

    /// <summary>The HttpClient base address for <see cref="TwilioOptions.BaseUrl"/>: with a trailing slash, so a path in it is kept.</summary>
    internal static Uri BaseAddress(Uri baseUrl) =>
        baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/", UriKind.Absolute);

    private TwilioRestClient RestClient(SystemNetHttpClient transport)
    {
        var accountSid = _twilio.AccountSid;
        if (string.IsNullOrWhiteSpace(accountSid))
        {
            throw new InvalidOperationException("Twilio:AccountSid is not set: without it messages go to the development outbox, not through Twilio.");
        }

        // An API key authenticates the call; the URL still names the account.
        var (user, secret) = string.IsNullOrWhiteSpace(_twilio.ApiKeySid)
            ? (accountSid, _twilio.AuthToken)
            : (_twilio.ApiKeySid, _twilio.ApiKeySecret);
        return new TwilioRestClient(user, secret, accountSid: accountSid, httpClient: transport);
    }

    private CreateMessageOptions CreateOptions(SmsMessage message) => new(new PhoneNumber(message.To))
    {
        Body = message.Body,
        From = string.IsNullOrWhiteSpace(_twilio.From) ? null : new PhoneNumber(_twilio.From),
        MessagingServiceSid = string.IsNullOrWhiteSpace(_twilio.MessagingServiceSid) ? null : _twilio.MessagingServiceSid,
        StatusCallback = _public.BaseUrl is null ? null : StatusCallbackUrl(_public, message),

        // Message Redaction: asked for only when the account has it (elsewhere Twilio refuses the send, 30029 / 30030).
        ContentRetention = _twilio.RedactMessageBodies ? MessageResource.ContentRetentionEnum.Discard : null,
        AddressRetention = _twilio.RedactPhoneNumbers ? MessageResource.AddressRetentionEnum.Obfuscate : null,
    };

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

    private SendResult Created(Response? answer, string? sid, int? errorCode, SmsMessage message)
    {
        // The SDK counts a 3xx as an answer; it is not one we can use.
        if (answer is { } response && !IsSuccess(response.StatusCode))
        {
            return Refused(response, (int)response.StatusCode, 0);
        }

        if (errorCode is int code)
        {
            // Created, but already failed: the sid still matches the status callbacks to come.
            var failed = TwilioErrors.Classify((int)(answer?.StatusCode ?? HttpStatusCode.Created), code, null) with { ProviderMessageId = sid };
            TwilioSmsLog.CreatedWithError(_logger, sid, failed.Outcome, failed.Reason);
            return failed;
        }

        if (sid is null)
        {
            TwilioSmsLog.AcceptedWithoutSid(_logger, (int)(answer?.StatusCode ?? HttpStatusCode.Created));
        }
        else
        {
            TwilioSmsLog.Accepted(_logger, sid, message.Kind, message.CheckInId);
        }

        return SendResult.Sent(sid);
    }

    /// <summary>
    /// A refusal: <paramref name="code"/> is Twilio's error code (0 when the body had none). The HTTP
    /// status comes from the answer itself, since the SDK reports 0 for a body that is not Twilio's JSON.
    /// </summary>
    private SendResult Refused(Response? answer, int status, int code)
    {
        var httpStatus = answer is null ? status : (int)answer.StatusCode;
        var result = TwilioErrors.Classify(httpStatus, code == 0 ? null : code, RetryAfter(answer?.Headers));
        TwilioSmsLog.Refused(_logger, httpStatus, result.Outcome, result.Reason);
        if (TwilioErrors.RedactionSetting(code) is { } setting)
        {
            TwilioSmsLog.RedactionRefused(_logger, code, setting);
        }

        return result;
    }

    /// <summary>What a send that got no answer from Twilio means, or null for a failure that is not ours to interpret.</summary>
    private SendResult? Unanswered(Exception cause) => cause switch
    {
        TimeoutRejectedException => Unknown("twilio-timeout", cause),

        // Not the caller's token: HttpClient.Timeout.
        OperationCanceledException => Unknown("twilio-timeout", cause),
        BrokenCircuitException => NotSent(SendResult.Transient("twilio-circuit-open"), cause),
        RateLimiterRejectedException limited => NotSent(SendResult.Throttle("twilio-local-limit", limited.RetryAfter), cause),

        // No connection was made, so no request reached Twilio: safe to try again.
        HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError }
            => NotSent(SendResult.Transient("twilio-connect-failed"), cause),

        // The connection broke after the request may have gone out.
        HttpRequestException => Unknown("twilio-connection-lost", cause),
        _ => null,
    };

    private static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and <= 299;

    private TimeSpan? RetryAfter(HttpResponseHeaders? headers)
    {
        var header = headers?.RetryAfter;
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

/// <summary>
/// Points the SDK's requests, which always go to <c>https://api.twilio.com</c>, at
/// <see cref="TwilioOptions.BaseUrl"/> (the tests' Prism mock), keeping a path in it.
/// </summary>
internal sealed class TwilioBaseUrlHandler(Uri baseUrl) : DelegatingHandler
{
    private readonly Uri _baseAddress = TwilioSmsClient.BaseAddress(baseUrl);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsAbsoluteUri: true } uri)
        {
            request.RequestUri = new Uri(_baseAddress, uri.PathAndQuery.TrimStart('/'));
        }

        return base.SendAsync(request, cancellationToken);
    }
}

public static class TwilioSmsExtensions
{
    internal static IServiceCollection AddTwilioSms(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient(TwilioSmsClient.HttpClientName)
            .AddHttpMessageHandler(sp => new TwilioBaseUrlHandler(sp.GetRequiredService<IOptions<TwilioOptions>>().Value.BaseUrl))
            .AddProviderResilience();
        services.TryAddTransient<TwilioSmsClient>();
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

    [LoggerMessage(EventId = 406, Level = LogLevel.Error, Message = "Twilio refused an SMS with {Code}: Message Redaction is not enabled on this account. Turn off {Setting}, or enable Message Redaction in Twilio's console")]
    public static partial void RedactionRefused(ILogger logger, int code, string setting);
}

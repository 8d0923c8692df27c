using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Web;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AftercareNudge.Tests.Messaging.Sms;

public sealed class TwilioSmsClientTests
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string AuthToken = "token-secret";
    private const string ApiKeySid = "SK0123456789abcdef0123456789abcdef";
    private const string ApiKeySecret = "key-secret";
    private const string From = "+15005550006";
    private const string MessagingServiceSid = "MG0123456789abcdef0123456789abcdef";
    private const string MessageSid = "SM0123456789abcdef0123456789abcdef";
    private const string To = "+14155550123";
    private const string Body = "Dr Lee's clinic: how is your ankle today? Reply 1-5 & tell us more.";

    private static readonly Uri TwilioBase = new("https://api.twilio.test");
    private static readonly SmsMessage Message = new(To, Body, MessageKinds.CheckIn, "ev-1", "ci-1");

    // ---- success ----

    [Fact]
    public async Task Send_Twilio201_IsSentWithSid()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}","status":"queued","error_code":null,"error_message":null}""");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Sent(MessageSid), result);
    }

    [Fact]
    public async Task Send_Twilio201WithErrorCode_IsClassifiedByThatCodeAndKeepsSid()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}","status":"failed","error_code":30007,"error_message":"Message filtered"}""");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(new SendResult(SendOutcome.Permanent, MessageSid, "twilio-30007"), result);
    }

    [Fact]
    public async Task Send_Twilio201WithTransientErrorCode_IsTransient()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}","status":"failed","error_code":"30003"}""");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(new SendResult(SendOutcome.Transient, MessageSid, "twilio-30003"), result);
    }

    [Fact]
    public async Task Send_Twilio201WithoutSid_IsSentWithoutSid()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, "not json");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Sent(null), result);
    }

    // ---- 429 and Retry-After ----

    [Fact]
    public async Task Send_Twilio429_IsTransientWithRetryAfter()
    {
        var stub = Stub.Respond((HttpStatusCode)429, TwilioError(20429, "Too Many Requests"), r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(17)));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Throttle("twilio-20429", TimeSpan.FromSeconds(17)), result);
    }

    [Fact]
    public async Task Send_Twilio429WithRetryAfterDate_IsTransientWithTimeUntilThatDate()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var stub = Stub.Respond((HttpStatusCode)429, "", r => r.Headers.RetryAfter = new RetryConditionHeaderValue(time.GetUtcNow().AddSeconds(90)));

        var result = await CreateClient(stub, time: time).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Throttle("twilio-http-429", TimeSpan.FromSeconds(90)), result);
    }

    [Fact]
    public async Task Send_Twilio429WithoutRetryAfter_IsTransientWithoutRetryAfter()
    {
        var stub = Stub.Respond((HttpStatusCode)429, "<html>slow down</html>");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Throttle("twilio-http-429"), result);
    }

    [Fact]
    public async Task Send_Twilio20429WithHttp400_IsTransientWithRetryAfter()
    {
        var stub = Stub.Respond(HttpStatusCode.BadRequest, TwilioError(20429, "Too Many Requests"), r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(3)));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Throttle("twilio-20429", TimeSpan.FromSeconds(3)), result);
    }

    // ---- error codes ----

    [Theory]
    [InlineData(400, 21611)]
    [InlineData(400, 30001)]
    public async Task Send_TwilioQueueFull_IsTransientWithSlowerRetryAfter(int status, int code)
    {
        var stub = Stub.Respond((HttpStatusCode)status, TwilioError(code, "queue is full"));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Transient($"twilio-{code}", TimeSpan.FromMinutes(1)), result);
    }

    [Fact]
    public async Task Send_TwilioQueueFullWithLongerRetryAfter_KeepsTheLongerWait()
    {
        var stub = Stub.Respond(HttpStatusCode.BadRequest, TwilioError(21611, "queue is full"), r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromMinutes(5)));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Transient("twilio-21611", TimeSpan.FromMinutes(5)), result);
    }

    [Theory]
    [InlineData(400, 30003)]
    [InlineData(400, 30008)]
    public async Task Send_TwilioUnreachable_IsTransient(int status, int code)
    {
        var stub = Stub.Respond((HttpStatusCode)status, TwilioError(code, "Unreachable destination handset"));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Transient($"twilio-{code}"), result);
    }

    [Fact]
    public async Task Send_Twilio21610_IsOptedOut()
    {
        var stub = Stub.Respond(HttpStatusCode.BadRequest, TwilioError(21610, $"Attempt to send to unsubscribed recipient {To}"));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.OptedOut("twilio-21610"), result);
    }

    [Theory]
    [InlineData(400, 21211)]
    [InlineData(400, 21614)]
    [InlineData(400, 21408)]
    [InlineData(401, 20003)]
    [InlineData(400, 30004)]
    [InlineData(400, 30005)]
    [InlineData(400, 30006)]
    [InlineData(400, 30007)]
    public async Task Send_TwilioPermanentCode_IsPermanent(int status, int code)
    {
        var stub = Stub.Respond((HttpStatusCode)status, TwilioError(code, $"The 'To' number {To} is not valid."));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Permanent($"twilio-{code}"), result);
    }

    [Fact]
    public async Task Send_TwilioUnknown4xxCode_IsPermanentByDefault()
    {
        var stub = Stub.Respond(HttpStatusCode.BadRequest, TwilioError(21999, "Some future error"));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Permanent("twilio-21999"), result);
    }

    [Fact]
    public async Task Send_Twilio4xxWithoutJson_IsPermanentWithHttpStatus()
    {
        var stub = Stub.Respond(HttpStatusCode.NotFound, "<html>Not Found</html>");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Permanent("twilio-http-404"), result);
    }

    [Fact]
    public async Task Send_TwilioProblemDetailsBody_IsClassifiedByItsCode()
    {
        var stub = Stub.Respond(HttpStatusCode.BadRequest, """{"type":"https://www.twilio.com/docs/api/errors/21211","title":"Invalid 'To' Phone Number","status":400,"code":21211,"detail":"not a number"}""");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Permanent("twilio-21211"), result);
    }

    [Fact]
    public async Task Send_TwilioRedirect_IsPermanentWithHttpStatus()
    {
        var stub = Stub.Respond(HttpStatusCode.Found, "");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Permanent("twilio-http-302"), result);
    }

    // ---- ambiguous: the message may exist ----

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Send_Twilio5xx_IsAmbiguous(int status)
    {
        var stub = Stub.Respond((HttpStatusCode)status, TwilioError(20500, "An internal server error has occurred"));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous($"twilio-http-{status}"), result);
    }

    [Fact]
    public async Task Send_Twilio503WithHtmlBody_IsAmbiguous()
    {
        var stub = Stub.Respond(HttpStatusCode.ServiceUnavailable, "<html>Service Unavailable</html>");

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous("twilio-http-503"), result);
    }

    [Fact]
    public async Task Send_HttpClientTimeout_IsAmbiguous()
    {
        var stub = Stub.Throw(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException()));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous("twilio-timeout"), result);
    }

    [Fact]
    public async Task Send_ResilienceTimeout_IsAmbiguous()
    {
        var stub = Stub.Throw(new TimeoutRejectedException(TimeSpan.FromSeconds(25)));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous("twilio-timeout"), result);
    }

    [Theory]
    [InlineData(HttpRequestError.Unknown)]
    [InlineData(HttpRequestError.ResponseEnded)]
    [InlineData(HttpRequestError.InvalidResponse)]
    public async Task Send_ConnectionLostAfterSending_IsAmbiguous(HttpRequestError error)
    {
        var stub = Stub.Throw(new HttpRequestException(error, "The response ended prematurely."));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous("twilio-connection-lost"), result);
    }

    // ---- transient: nothing reached Twilio ----

    [Theory]
    [InlineData(HttpRequestError.ConnectionError)]
    [InlineData(HttpRequestError.NameResolutionError)]
    [InlineData(HttpRequestError.SecureConnectionError)]
    public async Task Send_ConnectionNeverEstablished_IsTransient(HttpRequestError error)
    {
        var stub = Stub.Throw(new HttpRequestException(error, "Connection refused (api.twilio.test:443)"));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Transient("twilio-connect-failed"), result);
    }

    [Fact]
    public async Task Send_CircuitOpen_IsTransient()
    {
        var stub = Stub.Throw(new BrokenCircuitException("The circuit is now open"));

        var result = await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Transient("twilio-circuit-open"), result);
    }

    [Fact]
    public async Task Send_CallerCancels_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        var stub = new Stub(async (_, token) =>
        {
            await cancellation.CancelAsync();
            token.ThrowIfCancellationRequested();
            return new HttpResponseMessage(HttpStatusCode.Created);
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CreateClient(stub).SendAsync(Message, cancellation.Token));
    }

    // ---- the request ----

    [Fact]
    public async Task Send_PostsFormToAccountMessagesPath()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        var request = Assert.Single(stub.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri($"https://api.twilio.test/2010-04-01/Accounts/{AccountSid}/Messages.json"), request.Uri);
        Assert.Equal("application/x-www-form-urlencoded", request.ContentType);
        Assert.Equal(To, request.Form["To"]);
        Assert.Equal(Body, request.Form["Body"]);
    }

    [Fact]
    public async Task Send_BaseUrlWithPath_KeepsThePath()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub, baseUrl: new Uri("http://127.0.0.1:4010/twilio")).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(new Uri($"http://127.0.0.1:4010/twilio/2010-04-01/Accounts/{AccountSid}/Messages.json"), Assert.Single(stub.Requests).Uri);
    }

    [Fact]
    public async Task Send_WithAuthToken_UsesAccountSidBasicAuth()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        var auth = Assert.Single(stub.Requests).Authorization;
        Assert.Equal("Basic", auth?.Scheme);
        Assert.Equal($"{AccountSid}:{AuthToken}", Encoding.UTF8.GetString(Convert.FromBase64String(auth!.Parameter!)));
    }

    [Fact]
    public async Task Send_WithApiKey_UsesApiKeyBasicAuthAndAccountSidInPath()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub, configure: o =>
        {
            o.ApiKeySid = ApiKeySid;
            o.ApiKeySecret = ApiKeySecret;
        }).SendAsync(Message, TestContext.Current.CancellationToken);

        var request = Assert.Single(stub.Requests);
        Assert.Equal("Basic", request.Authorization?.Scheme);
        Assert.Equal($"{ApiKeySid}:{ApiKeySecret}", Encoding.UTF8.GetString(Convert.FromBase64String(request.Authorization!.Parameter!)));
        Assert.Equal($"/2010-04-01/Accounts/{AccountSid}/Messages.json", request.Uri.AbsolutePath);
    }

    [Fact]
    public async Task Send_WithFrom_PostsFromAndNoMessagingServiceSid()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        var form = Assert.Single(stub.Requests).Form;
        Assert.Equal(From, form["From"]);
        Assert.Null(form["MessagingServiceSid"]);
    }

    [Fact]
    public async Task Send_WithMessagingService_PostsMessagingServiceSidAndNoFrom()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub, configure: o =>
        {
            o.From = null;
            o.MessagingServiceSid = MessagingServiceSid;
        }).SendAsync(Message, TestContext.Current.CancellationToken);

        var form = Assert.Single(stub.Requests).Form;
        Assert.Equal(MessagingServiceSid, form["MessagingServiceSid"]);
        Assert.Null(form["From"]);
    }

    [Fact]
    public async Task Send_WithPublicBaseUrl_PostsStatusCallbackCarryingTheIds()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");
        var message = Message with { EventId = "ev_0123abcd", CheckInId = "ci_4567ef89" };

        await CreateClient(stub, publicBaseUrl: new Uri("https://nudge.example.org/")).SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal("https://nudge.example.org/api/twilio/status?eventId=ev_0123abcd&checkInId=ci_4567ef89", Assert.Single(stub.Requests).Form["StatusCallback"]);
    }

    [Fact]
    public async Task Send_IdsWithReservedCharacters_AreEscapedInTheStatusCallback()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");
        var message = Message with { EventId = "ev 1&x=y", CheckInId = "ci/2?#" };

        await CreateClient(stub, publicBaseUrl: new Uri("https://nudge.example.org/")).SendAsync(message, TestContext.Current.CancellationToken);

        var callback = new Uri(Assert.Single(stub.Requests).Form["StatusCallback"]!);
        var query = HttpUtility.ParseQueryString(callback.Query);
        Assert.Equal("/api/twilio/status", callback.AbsolutePath);
        Assert.Equal(["eventId", "checkInId"], query.AllKeys);
        Assert.Equal("ev 1&x=y", query["eventId"]);
        Assert.Equal("ci/2?#", query["checkInId"]);
    }

    [Theory]
    [InlineData("ev_0123abcd", null, "https://nudge.example.org/api/twilio/status?eventId=ev_0123abcd")]
    [InlineData(null, null, "https://nudge.example.org/api/twilio/status")]
    [InlineData("", "", "https://nudge.example.org/api/twilio/status")]
    public async Task Send_MessageWithoutSomeIds_CarriesOnlyTheIdsItHas(string? eventId, string? checkInId, string expected)
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");
        var message = Message with { Kind = MessageKinds.ConsentRequest, EventId = eventId, CheckInId = checkInId };

        await CreateClient(stub, publicBaseUrl: new Uri("https://nudge.example.org")).SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal(expected, Assert.Single(stub.Requests).Form["StatusCallback"]);
    }

    [Fact]
    public async Task Send_WithoutPublicBaseUrl_OmitsStatusCallback()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub, publicBaseUrl: null).SendAsync(Message, TestContext.Current.CancellationToken);

        var form = Assert.Single(stub.Requests).Form;
        Assert.Null(form["StatusCallback"]);
        Assert.Equal(["Body", "From", "To"], form.AllKeys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Send_GoesThroughTwilioSdk_WithItsUserAgent()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.StartsWith("twilio-csharp/8.2.0", Assert.Single(stub.Requests).UserAgent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_CallerCancelsOneOfTwoSends_OnlyThatRequestIsCancelled()
    {
        // The SDK takes no token: each send's own HttpClient is what the caller's token cancels.
        using var cancelFirst = new CancellationTokenSource();
        var bothWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = 0;
        var stub = new Stub(async (_, token) =>
        {
            if (Interlocked.Increment(ref waiting) == 2)
            {
                bothWaiting.SetResult();
            }

            await bothWaiting.Task.WaitAsync(token);
            await Task.Delay(TimeSpan.FromMilliseconds(200), token);
            return new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent($$"""{"sid":"{{MessageSid}}"}""") };
        });
        var client = CreateClient(stub);

        var first = client.SendAsync(Message, cancelFirst.Token);
        var second = client.SendAsync(Message, TestContext.Current.CancellationToken);
        await bothWaiting.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await cancelFirst.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(SendResult.Sent(MessageSid), await second);
    }

    // ---- Message Redaction ----

    [Fact]
    public async Task Send_ByDefault_AsksForNoRedaction()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub).SendAsync(Message, TestContext.Current.CancellationToken);

        var form = Assert.Single(stub.Requests).Form;
        Assert.Null(form["ContentRetention"]);
        Assert.Null(form["AddressRetention"]);
    }

    [Fact]
    public async Task Send_RedactMessageBodies_AsksTwilioToDiscardTheBody()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub, configure: o => o.RedactMessageBodies = true).SendAsync(Message, TestContext.Current.CancellationToken);

        var form = Assert.Single(stub.Requests).Form;
        Assert.Equal("discard", form["ContentRetention"]);
        Assert.Null(form["AddressRetention"]);
    }

    [Fact]
    public async Task Send_RedactPhoneNumbers_AsksTwilioToObfuscateTheNumber()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");

        await CreateClient(stub, configure: o => o.RedactPhoneNumbers = true).SendAsync(Message, TestContext.Current.CancellationToken);

        var form = Assert.Single(stub.Requests).Form;
        Assert.Equal("obfuscate", form["AddressRetention"]);
        Assert.Null(form["ContentRetention"]);
    }

    [Theory]
    [InlineData(30029, "twilio-30029-turn-off-Twilio:RedactMessageBodies", "Twilio:RedactMessageBodies")]
    [InlineData(30030, "twilio-30030-turn-off-Twilio:RedactPhoneNumbers", "Twilio:RedactPhoneNumbers")]
    public async Task Send_RedactionNotEnabledOnTheAccount_IsPermanentNamingTheSettingToTurnOff(int code, string reason, string setting)
    {
        var stub = Stub.Respond(HttpStatusCode.BadRequest, TwilioError(code, "Invalid retention value"));
        var logger = new ListLogger();

        var result = await CreateClient(stub, configure: o => (o.RedactMessageBodies, o.RedactPhoneNumbers) = (true, true), logger: logger)
            .SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Permanent(reason), result);
        Assert.Contains(logger.Lines, l => l.StartsWith("406 ", StringComparison.Ordinal) && l.Contains("Turn off " + setting, StringComparison.Ordinal));
    }

    // ---- privacy ----

    [Theory]
    [InlineData(201)]
    [InlineData(400)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task Send_AnyAnswer_NeverLogsNumbersTextOrProviderMessage(int status)
    {
        var providerText = $"PROVIDER-TEXT: '{Body}' to {To} from {From}";
        var json = status == 201
            ? $$"""{"sid":"{{MessageSid}}","to":"{{To}}","body":"{{Body}}","error_code":null}"""
            : TwilioError(21211, providerText);
        var stub = Stub.Respond((HttpStatusCode)status, json);
        var logger = new ListLogger();

        var result = await CreateClient(stub, logger: logger).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.NotEmpty(logger.Lines);
        foreach (var text in logger.Lines.Append(result.Reason ?? ""))
        {
            Assert.DoesNotContain(To, text, StringComparison.Ordinal);
            Assert.DoesNotContain(From, text, StringComparison.Ordinal);
            Assert.DoesNotContain("ankle", text, StringComparison.Ordinal);
            Assert.DoesNotContain("PROVIDER-TEXT", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Send_Accepted_LogsMessageSid()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");
        var logger = new ListLogger();

        await CreateClient(stub, logger: logger).SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Contains(logger.Lines, l => l.Contains(MessageSid, StringComparison.Ordinal));
    }

    // ---- the registration: resilience without retries ----

    [Fact]
    public async Task AddTwilioSms_Twilio503_IsNotRetried()
    {
        var stub = Stub.Respond(HttpStatusCode.ServiceUnavailable, "");
        await using var services = Registered(stub);

        var result = await services.GetRequiredService<TwilioSmsClient>().SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendOutcome.Ambiguous, result.Outcome);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task AddTwilioSms_Twilio429_IsNotRetried()
    {
        var stub = Stub.Respond((HttpStatusCode)429, TwilioError(20429, "Too Many Requests"), r => r.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(1)));
        await using var services = Registered(stub);

        var result = await services.GetRequiredService<TwilioSmsClient>().SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Throttle("twilio-20429", TimeSpan.FromSeconds(1)), result);
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task AddTwilioSms_TwilioNeverAnswers_IsOutcomeUnknownAtTheAttemptTimeout()
    {
        // The pipeline's own timeout, through the SDK: still "the message may or may not exist".
        var time = new FakeTimeProvider(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stub = new Stub(async (_, token) =>
        {
            waiting.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, token);
            return new HttpResponseMessage(HttpStatusCode.Created);
        });
        await using var services = Registered(stub, time);

        var send = services.GetRequiredService<TwilioSmsClient>().SendAsync(Message, TestContext.Current.CancellationToken);
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        time.Advance(ProviderResilience.SendTimeout);

        Assert.Equal(SendResult.Ambiguous("twilio-timeout"), await send.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Single(stub.Requests);
    }

    [Fact]
    public async Task AddTwilioSms_UsesBaseUrlFromOptions()
    {
        var stub = Stub.Respond(HttpStatusCode.Created, $$"""{"sid":"{{MessageSid}}"}""");
        await using var services = Registered(stub);

        var result = await services.GetRequiredService<TwilioSmsClient>().SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Sent(MessageSid), result);
        Assert.Equal(new Uri($"https://api.twilio.test/2010-04-01/Accounts/{AccountSid}/Messages.json"), Assert.Single(stub.Requests).Uri);
    }

    // ---- the classification on its own ----

    [Fact]
    public void Classify_5xxWithKnownTransientCode_FollowsTheCode()
    {
        Assert.Equal(SendResult.Throttle("twilio-20429"), TwilioErrors.Classify(503, 20429, null));
    }

    [Fact]
    public void Classify_5xxWithUnknownCode_IsAmbiguous()
    {
        Assert.Equal(SendResult.Ambiguous("twilio-http-500"), TwilioErrors.Classify(500, 20500, null));
    }

    [Fact]
    public void Classify_429WithUnknownCode_IsTransient()
    {
        Assert.Equal(SendResult.Throttle("twilio-12345", TimeSpan.FromSeconds(2)), TwilioErrors.Classify(429, 12345, TimeSpan.FromSeconds(2)));
    }

    private static string TwilioError(int code, string message) =>
        $$"""{"code":{{code}},"message":"{{message}}","more_info":"https://www.twilio.com/docs/errors/{{code}}","status":400}""";

    private static TwilioSmsClient CreateClient(
        Stub stub,
        Action<TwilioOptions>? configure = null,
        Uri? baseUrl = null,
        Uri? publicBaseUrl = null,
        TimeProvider? time = null,
        ILogger<TwilioSmsClient>? logger = null)
    {
        var twilio = Settings(baseUrl ?? TwilioBase);
        configure?.Invoke(twilio);
        return new TwilioSmsClient(
            new StubClients(new TwilioBaseUrlHandler(twilio.BaseUrl) { InnerHandler = stub }),
            Microsoft.Extensions.Options.Options.Create(twilio),
            Microsoft.Extensions.Options.Options.Create(new PublicOptions { BaseUrl = publicBaseUrl }),
            time ?? TimeProvider.System,
            logger ?? new ListLogger());
    }

    private static TwilioOptions Settings(Uri baseUrl) => new()
    {
        AccountSid = AccountSid,
        AuthToken = AuthToken,
        From = From,
        BaseUrl = baseUrl,
    };

    private static ServiceProvider Registered(Stub stub, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddSingleton<IOptions<TwilioOptions>>(Microsoft.Extensions.Options.Options.Create(Settings(TwilioBase)));
        services.AddSingleton<IOptions<PublicOptions>>(Microsoft.Extensions.Options.Options.Create(new PublicOptions { BaseUrl = new Uri("https://nudge.example.org") }));
        services.AddTwilioSms();
        services.AddHttpClient(TwilioSmsClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => stub);
        return services.BuildServiceProvider();
    }

    private sealed record SeenRequest(HttpMethod Method, Uri Uri, AuthenticationHeaderValue? Authorization, string? ContentType, System.Collections.Specialized.NameValueCollection Form, string UserAgent);

    /// <summary>What <see cref="IHttpClientFactory"/> gives the client: a new HttpClient over the same handlers for each send.</summary>
    private sealed class StubClients(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    /// <summary>The network, canned: records each request and answers from <c>answer</c>.</summary>
    private sealed class Stub(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        private readonly List<SeenRequest> _requests = [];

        public IReadOnlyList<SeenRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public static Stub Respond(HttpStatusCode status, string json, Action<HttpResponseMessage>? headers = null) =>
            new((_, _) =>
            {
                var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                headers?.Invoke(response);
                return Task.FromResult(response);
            });

        public static Stub Throw(Exception exception) => new((_, _) => Task.FromException<HttpResponseMessage>(exception));

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (_requests)
            {
                _requests.Add(new SeenRequest(
                    request.Method,
                    request.RequestUri!,
                    request.Headers.Authorization,
                    request.Content?.Headers.ContentType?.MediaType,
                    HttpUtility.ParseQueryString(content),
                    request.Headers.UserAgent.ToString()));
            }

            return await answer(request, cancellationToken);
        }
    }

    /// <summary>Every log line with its exception, formatted, so tests can look for what must never be logged.</summary>
    private sealed class ListLogger : ILogger<TwilioSmsClient>
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{eventId.Id} {formatter(state, exception)} {exception}";
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                line += " " + string.Join(" ", values.Select(v => $"{v.Key}={v.Value}"));
            }

            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }
}

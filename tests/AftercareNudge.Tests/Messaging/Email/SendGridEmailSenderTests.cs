using System.Net;
using System.Text.Json;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Email;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace AftercareNudge.Tests.Messaging.Email;

public sealed class SendGridEmailSenderTests
{
    private const string ApiKey = "SG.test-key.secret";
    private static readonly Uri BaseUrl = new("https://sendgrid.test");
    private static readonly DateTimeOffset Now = new(2025, 3, 14, 9, 30, 0, TimeSpan.Zero);

    private static EmailMessage Message(string? eventId = "ev_123", string? checkInId = "ci_456") => new(
        To: "patient@example.org",
        ToName: "Alex Patient",
        Subject: "A quick check-in",
        Text: "How are you feeling today?",
        Html: "<p>How are you feeling today?</p>",
        Kind: MessageKinds.CheckIn,
        EventId: eventId,
        CheckInId: checkInId);

    [Fact]
    public async Task Send_AnyMessage_PostsToMailSendWithBearerKey()
    {
        var handler = StubHandler.Responding(HttpStatusCode.Accepted);

        await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        var request = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal(new Uri("https://sendgrid.test/v3/mail/send"), request.Uri);
        Assert.Equal("Bearer " + ApiKey, request.Authorization);
        Assert.Equal("application/json", request.ContentType);
    }

    [Fact]
    public async Task Send_AnyMessage_BodyHasFromToSubjectAndBothParts()
    {
        var handler = StubHandler.Responding(HttpStatusCode.Accepted);

        await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(Assert.Single(handler.Requests).Body);
        var root = body.RootElement;
        Assert.Equal("care@example.com", root.GetProperty("from").GetProperty("email").GetString());
        Assert.Equal("AftercareNudge", root.GetProperty("from").GetProperty("name").GetString());

        var personalization = Assert.Single(root.GetProperty("personalizations").EnumerateArray());
        var to = Assert.Single(personalization.GetProperty("to").EnumerateArray());
        Assert.Equal("patient@example.org", to.GetProperty("email").GetString());
        Assert.Equal("Alex Patient", to.GetProperty("name").GetString());
        Assert.Equal("A quick check-in", Subject(root, personalization));

        var content = root.GetProperty("content").EnumerateArray()
            .Select(c => (Type: c.GetProperty("type").GetString(), Value: c.GetProperty("value").GetString()))
            .ToList();
        Assert.Equal(
            [("text/plain", "How are you feeling today?"), ("text/html", "<p>How are you feeling today?</p>")],
            content);
    }

    [Fact]
    public async Task Send_WithAllIds_CustomArgsCarryOnlyTheIds()
    {
        var handler = StubHandler.Responding(HttpStatusCode.Accepted);

        await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(Assert.Single(handler.Requests).Body);
        Assert.Equal(
            new Dictionary<string, string> { ["kind"] = "check-in", ["eventId"] = "ev_123", ["checkInId"] = "ci_456" },
            CustomArgs(body.RootElement));
    }

    [Fact]
    public async Task Send_WithoutIds_CustomArgsCarryOnlyTheKind()
    {
        var handler = StubHandler.Responding(HttpStatusCode.Accepted);

        await Sender(handler).SendAsync(Message(eventId: null, checkInId: null), TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(Assert.Single(handler.Requests).Body);
        Assert.Equal(new Dictionary<string, string> { ["kind"] = "check-in" }, CustomArgs(body.RootElement));
    }

    [Fact]
    public async Task Send_AnyMessage_TurnsOffOpenAndClickTracking()
    {
        var handler = StubHandler.Responding(HttpStatusCode.Accepted);

        await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(Assert.Single(handler.Requests).Body);
        var tracking = body.RootElement.GetProperty("tracking_settings");
        Assert.False(tracking.GetProperty("click_tracking").GetProperty("enable").GetBoolean());
        Assert.False(tracking.GetProperty("open_tracking").GetProperty("enable").GetBoolean());
    }

    [Fact]
    public async Task Send_BareFromAddress_SendsNoFromName()
    {
        var handler = StubHandler.Responding(HttpStatusCode.Accepted);

        await Sender(handler, from: "care@example.com").SendAsync(Message() with { ToName = null }, TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(Assert.Single(handler.Requests).Body);
        var root = body.RootElement;
        Assert.Equal("care@example.com", root.GetProperty("from").GetProperty("email").GetString());
        Assert.False(root.GetProperty("from").TryGetProperty("name", out _));
        var to = root.GetProperty("personalizations")[0].GetProperty("to")[0];
        Assert.False(to.TryGetProperty("name", out _));
    }

    [Fact]
    public async Task Send_Status202_IsSentWithMessageId()
    {
        var handler = StubHandler.Responding(HttpStatusCode.Accepted, r => r.Headers.Add("X-Message-Id", "msg-abc123"));

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Sent("msg-abc123"), result);
    }

    [Fact]
    public async Task Send_Status200InSandboxMode_IsSent()
    {
        var handler = StubHandler.Responding(HttpStatusCode.OK);

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendOutcome.Sent, result.Outcome);
        Assert.Null(result.ProviderMessageId);
    }

    [Fact]
    public async Task Send_Status429_IsTransient()
    {
        var handler = StubHandler.Responding(HttpStatusCode.TooManyRequests, r => r.Headers.Add("Retry-After", "7"));

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Throttle("sendgrid-http-429", TimeSpan.FromSeconds(7)), result);
    }

    [Fact]
    public async Task Send_Status429WithRateLimitReset_RetriesAfterTheReset()
    {
        var reset = Now.AddSeconds(42).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var handler = StubHandler.Responding(HttpStatusCode.TooManyRequests, r => r.Headers.Add("X-RateLimit-Reset", reset));

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Throttle("sendgrid-http-429", TimeSpan.FromSeconds(42)), result);
    }

    [Fact]
    public async Task Send_Status429WithoutHints_IsTransientWithNoDelay()
    {
        var handler = StubHandler.Responding(HttpStatusCode.TooManyRequests);

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Throttle("sendgrid-http-429"), result);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "sendgrid-http-400")]
    [InlineData(HttpStatusCode.NotFound, "sendgrid-http-404")]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, "sendgrid-http-413")]
    public async Task Send_Status4xx_IsPermanent(HttpStatusCode status, string reason)
    {
        var handler = StubHandler.Responding(status, ErrorBody);

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Permanent(reason), result);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "sendgrid-http-401")]
    [InlineData(HttpStatusCode.Forbidden, "sendgrid-http-403")]
    public async Task Send_Status401Or403_IsPermanent(HttpStatusCode status, string reason)
    {
        var handler = StubHandler.Responding(status, ErrorBody);

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Permanent(reason), result);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError, "sendgrid-http-500")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "sendgrid-http-503")]
    public async Task Send_Status5xx_IsAmbiguous(HttpStatusCode status, string reason)
    {
        var handler = StubHandler.Responding(status, ErrorBody);

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous(reason), result);
    }

    [Fact]
    public async Task Send_HttpClientTimeout_IsAmbiguous()
    {
        var handler = StubHandler.Throwing(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout.", new TimeoutException()));

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous("sendgrid-timeout"), result);
    }

    [Fact]
    public async Task Send_ResilienceTimeout_IsAmbiguous()
    {
        var handler = StubHandler.Throwing(new TimeoutRejectedException());

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous("sendgrid-timeout"), result);
    }

    [Fact]
    public async Task Send_ConnectionRefused_IsTransient()
    {
        var handler = StubHandler.Throwing(new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (sendgrid.test:443)"));

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Transient("sendgrid-connect-failed"), result);
    }

    [Fact]
    public async Task Send_ConnectionLostAfterSending_IsAmbiguous()
    {
        var handler = StubHandler.Throwing(new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."));

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Ambiguous("sendgrid-connection-failed"), result);
    }

    [Fact]
    public async Task Send_CircuitOpen_IsTransient()
    {
        var handler = StubHandler.Throwing(new BrokenCircuitException());

        var result = await Sender(handler).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(SendResult.Transient("sendgrid-circuit-open"), result);
    }

    [Fact]
    public async Task Send_CallerCancels_Throws()
    {
        using var cancellation = new CancellationTokenSource();
        var handler = StubHandler.Hanging();
        var send = Sender(handler).SendAsync(Message(), cancellation.Token);

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
    }

    [Theory]
    [InlineData(HttpStatusCode.Accepted)]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.InternalServerError)]
    public async Task Send_AnyOutcome_LogsNoAddressSubjectOrText(HttpStatusCode status)
    {
        var logger = new CapturingLogger();
        var handler = StubHandler.Responding(status, r =>
        {
            r.Headers.Add("X-Message-Id", "msg-abc123");
            ErrorBody(r);
        });

        var result = await Sender(handler, logger: logger).SendAsync(Message(), TestContext.Current.CancellationToken);

        var line = Assert.Single(logger.Lines);
        Assert.Contains(result.Reason ?? result.ProviderMessageId!, line, StringComparison.Ordinal);
        Assert.DoesNotContain("@", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Alex", line, StringComparison.Ordinal);
        Assert.DoesNotContain("check-in", line, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("feeling", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_Status503ThroughRegisteredClient_IsNotRetried()
    {
        var handler = StubHandler.Responding(HttpStatusCode.ServiceUnavailable);
        using var services = Registered(handler, new FakeTimeProvider(Now));

        // A retry would wait on the fake clock forever: the real-time bound turns that into a failure.
        using var bound = RealTimeBound();
        var result = await services.GetRequiredService<SendGridEmailSender>().SendAsync(Message(), bound.Token);

        Assert.Equal(SendResult.Ambiguous("sendgrid-http-503"), result);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Send_Status429ThroughRegisteredClient_IsNotRetried()
    {
        var handler = StubHandler.Responding(HttpStatusCode.TooManyRequests, r => r.Headers.Add("Retry-After", "1"));
        using var services = Registered(handler, new FakeTimeProvider(Now));

        // A retry would wait on the fake clock forever: the real-time bound turns that into a failure.
        using var bound = RealTimeBound();
        var result = await services.GetRequiredService<SendGridEmailSender>().SendAsync(Message(), bound.Token);

        Assert.Equal(SendResult.Throttle("sendgrid-http-429", TimeSpan.FromSeconds(1)), result);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Send_NoAnswerWithin30sThroughRegisteredClient_IsAmbiguousTimeout()
    {
        var time = new FakeTimeProvider(Now);
        var handler = StubHandler.Hanging();
        using var services = Registered(handler, time);

        using var bound = RealTimeBound();
        var send = services.GetRequiredService<SendGridEmailSender>().SendAsync(Message(), bound.Token);
        await handler.FirstRequest.WaitAsync(bound.Token);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(send.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));

        var result = await send;
        Assert.Equal(SendResult.Ambiguous("sendgrid-timeout"), result);
        Assert.Single(handler.Requests);
    }

    private static SendGridEmailSender Sender(StubHandler handler, string from = "AftercareNudge <care@example.com>", ILogger<SendGridEmailSender>? logger = null) =>
        new(
            new HttpClient(handler),
            Options.Create(new SendGridOptions { ApiKey = ApiKey, From = from, BaseUrl = BaseUrl }),
            new FakeTimeProvider(Now),
            logger ?? NullLogger<SendGridEmailSender>.Instance);

    /// <summary>
    /// Cancels a send through the registered client after 10 real seconds: the pipeline's clock is fake,
    /// and an execution still in flight would also hold up disposing the container.
    /// </summary>
    private static CancellationTokenSource RealTimeBound()
    {
        var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(10));
        return bound;
    }

    private static ServiceProvider Registered(StubHandler handler, FakeTimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.Configure<SendGridOptions>(o =>
        {
            o.ApiKey = ApiKey;
            o.From = "AftercareNudge <care@example.com>";
            o.BaseUrl = BaseUrl;
        });
        services.AddSendGridEmail();
        services.ConfigureHttpClientDefaults(b => b.ConfigurePrimaryHttpMessageHandler(() => handler));
        return services.BuildServiceProvider();
    }

    private static void ErrorBody(HttpResponseMessage response) =>
        response.Content = new StringContent(
            """{"errors":[{"message":"The to email patient@example.org is invalid: check-in","field":"personalizations.0.to","help":null}]}""",
            System.Text.Encoding.UTF8,
            "application/json");

    private static string? Subject(JsonElement root, JsonElement personalization) =>
        personalization.TryGetProperty("subject", out var own) ? own.GetString() : root.GetProperty("subject").GetString();

    private static Dictionary<string, string> CustomArgs(JsonElement root)
    {
        Assert.False(root.TryGetProperty("custom_args", out _), "custom_args belong in the personalization, where the description allows an object.");
        return root.GetProperty("personalizations")[0].GetProperty("custom_args").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    /// <summary>Records each request (with its body read) and answers as told.</summary>
    private sealed class StubHandler(Func<CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<CapturedRequest> Requests { get; } = [];

        public Task FirstRequest => _firstRequest.Task;

        public static StubHandler Responding(HttpStatusCode status, Action<HttpResponseMessage>? shape = null) =>
            new(_ =>
            {
                var response = new HttpResponseMessage(status);
                shape?.Invoke(response);
                return Task.FromResult(response);
            });

        public static StubHandler Throwing(Exception exception) => new(_ => Task.FromException<HttpResponseMessage>(exception));

        public static StubHandler Hanging() => new(async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            lock (Requests)
            {
                Requests.Add(new CapturedRequest(
                    request.Method,
                    request.RequestUri!,
                    request.Headers.Authorization?.ToString(),
                    request.Content?.Headers.ContentType?.MediaType,
                    body));
            }

            _firstRequest.TrySetResult();
            return await answer(cancellationToken);
        }
    }

    private sealed record CapturedRequest(HttpMethod Method, Uri Uri, string? Authorization, string? ContentType, string Body);

    private sealed class CapturingLogger : ILogger<SendGridEmailSender>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Assert.InRange(eventId.Id, 420, 439);
            Lines.Add(formatter(state, exception) + " " + exception);
        }
    }
}

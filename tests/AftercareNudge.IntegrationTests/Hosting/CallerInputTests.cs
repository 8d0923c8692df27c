using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>Nothing a caller sends is a 500: bodies that are not JSON, too large, malformed, odd; long texts stored safely.</summary>
public sealed class CallerInputTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";

    [Theory]
    [InlineData("POST", "/api/events", "text/plain")]
    [InlineData("POST", "/api/events", "application/x-www-form-urlencoded")]
    [InlineData("POST", "/api/events", null)]
    [InlineData("PATCH", "/api/events/ev_000000000000000000000000", "text/plain")]
    [InlineData("POST", "/api/dev/sms", "text/plain")]
    public async Task JsonRoutes_BodyThatIsNotJson_Is415Problem_AndNotParsed(string method, string path, string? contentType)
    {
        var json = method == "POST" && path == "/api/events" ? Requests.Dinner(App.Time.GetUtcNow()).ToJsonString() : """{"from":"+447911123456","body":"YES"}""";
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        var response = await App.CreateClient(AppFactory.ClientAKey).SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = content }, Ct);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("The body must be JSON.", (string?)problem!["title"]);
        Assert.Empty(await ConsentLinks.OutboxAsync(App));
    }

    [Theory]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/merge-patch+json")]
    [InlineData("APPLICATION/JSON")]
    public async Task Register_JsonMediaTypes_AreAccepted(string contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Requests.Dinner(App.Time.GetUtcNow()).ToJsonString()));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsync("/api/events", content, Ct);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"from\": ")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"from\": 5, \"body\": true}")]
    [InlineData("")]
    public async Task DevSms_MalformedJson_Is400ProblemNotA500(string raw)
    {
        var response = await App.CreateClient().PostAsync("/api/dev/sms", new StringContent(raw, Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.NotEmpty(problem!["errors"]!.AsObject());
    }

    [Fact]
    public async Task DevSms_ReplyOf40000Characters_IsStoredTruncatedWithAMarker()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await DevSmsAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        var response = await DevSmsAsync(Sam, "I'm okay. " + new string('a', 40_000));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns[0].Replies);
        Assert.Equal(StoredText.MaxReplyLength, reply.Body.Length);
        Assert.StartsWith("I'm okay. aaa", reply.Body, StringComparison.Ordinal);
        Assert.EndsWith(StoredText.Marker, reply.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevSms_Stop40000CharactersLong_StillOptsOutAndAnswers()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var response = await DevSmsAsync(Sam, "STOP" + new string(' ', 40_000));

        Assert.Contains("opted out", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(AftercareNudge.Consent.ConsentState.OptedOut, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task TwilioWebhook_SignedBodyOf40000Characters_IsAnsweredAndStoredTruncated()
    {
        var app = UseApp(AppFactory.WithProviders(Azurite, () => new ScriptedSender(SendResult.Sent("SM-check-in"))));
        var view = await app.RegisterAsync(Requests.Dinner(app.Time.GetUtcNow()));
        await PostSignedAsync(app, "SM-yes", "YES");
        app.Time.Advance(TimeSpan.FromHours(5.5));
        await app.DispatchAsync();

        var response = await PostSignedAsync(app, "SM-long", new string('é', 40_000));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        var reply = Assert.Single((await app.GetEventAsync(view.Id)).CheckIns[0].Replies);
        Assert.EndsWith(StoredText.Marker, reply.Body, StringComparison.Ordinal);
        Assert.Equal(StoredText.MaxReplyLength, reply.Body.Length);
    }

    [Fact]
    public async Task DevSms_FromOf60000Characters_Is400NamingFrom()
    {
        var response = await DevSmsAsync(new string('4', 60_000), "YES");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Contains("at most 32 characters", (string?)problem!["errors"]!["from"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwilioWebhook_SignedWithAMessageSidNoTableCouldKey_IsAnsweredWithNothing()
    {
        var app = UseApp(AppFactory.WithProviders(Azurite, () => new ScriptedSender(SendResult.Sent("SM-check-in"))));

        var response = await PostSignedAsync(app, "SM/" + new string('x', 5_000), "YES");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("<Response></Response>", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task Register_BodyOverTheRequestLimit_Is413Problem_BeforeItIsRead()
    {
        var content = new ByteArrayContent(new byte[RequestLimits.MaxRequestBytes + 1]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsync("/api/events", content, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("The request body is too large.", (string?)problem!["title"]);
    }

    [Fact]
    public async Task DevSms_BodyOver64KiB_Is413ProblemNamingTheBody()
    {
        var response = await App.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from = Sam, body = new string('x', 70_000) }, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("The body must be at most 65,536 bytes.", (string?)problem!["errors"]!["body"]![0]);
    }

    /// <summary>Every route, with bodies, headers and paths no client should send: none may answer 5xx.</summary>
    [Fact]
    public async Task EveryRoute_OddInput_IsNeverA5xx()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var huge = new string('x', 200_000);
        string[] bodies =
        [
            "",
            "{",
            "null",
            "[]",
            "\"text\"",
            "12345678901234567890123456789012345678901234567890",
            """{"title": 5, "kind": [], "people": "x", "checkIns": {"a": 1}, "organizer": 7}""",
            """{"title": "\u0000\ud800\u202e", "kind": "date", "timeZone": "\u0000", "startsAt": "9999-99-99T99:99"}""",
            """{"from": "\u0000", "body": "\ud800"}""",
            """{"from": "+447911123456", "body": "YES", "extra": {"deep": [[[[[[]]]]]]}}""",
            """{"checkIns": [null, {"id": 5}, {"id": "ci_x", "message": null}], "aftercare": {"needs": {"": null}}}""",
            """{"aftercare": {"plan": 5, "needs": [], "reminders": "x"}}""",
            new string('[', 5_000) + new string(']', 5_000),
            "{\"title\": \"" + huge + "\"}",
            "{\"from\": \"+447911123456\", \"body\": \"" + new string('y', 60_000) + "\"}",
        ];
        string[] contentTypes = ["application/json", "text/plain", "multipart/form-data; boundary=x"];
        (string Method, string Path)[] routes =
        [
            ("POST", "/api/events"),
            ("GET", $"/api/events/{view.Id}"),
            ("PATCH", $"/api/events/{view.Id}"),
            ("DELETE", "/api/events/" + new string('e', 3_000)),
            ("PATCH", "/api/events/%E2%80%8B%E2%80%AE"),
            ("DELETE", "/api/people/%2B44%E2%80%AE"),
            ("DELETE", "/api/people/" + new string('9', 3_000)),
            ("POST", "/api/dev/sms"),
            ("GET", "/api/dev/outbox?take=-5"),
            ("GET", "/api/dev/outbox?take=99999999999"),
            ("GET", "/api/dev/outbox/%E2%80%AE" + new string('d', 3_000)),
            ("GET", "/api/consent/" + new string('a', 43)),
            ("POST", "/api/consent/%E2%80%AE" + new string('a', 3_000)),
            ("GET", "/api/unsubscribe/%F0%9F%98%80"),
            ("POST", "/api/unsubscribe/" + new string('b', 43)),
            ("POST", "/api/twilio/sms"),
            ("POST", "/api/twilio/status?eventId=%00&checkInId=" + new string('c', 2_000)),
            ("POST", "/api/sendgrid/events"),
            ("GET", "/api/health"),
            ("GET", "/api/docs"),
            ("GET", "/api/openapi.json"),
        ];
        var failures = new List<string>();
        foreach (var (method, path) in routes)
        {
            foreach (var body in bodies)
            {
                foreach (var contentType in contentTypes)
                {
                    await TryAsync(method, path, body, contentType, [], failures);
                }
            }

            await TryAsync(method, path, "{}", "application/json", [("X-Api-Key", huge[..30_000])], failures);
            await TryAsync(method, path, "{}", "application/json", [("X-Api-Key", AppFactory.ClientAKey), ("Idempotency-Key", huge[..30_000]), ("If-Match", huge[..30_000])], failures);
            await TryAsync(method, path, "{}", "application/json", [("X-Api-Key", AppFactory.ClientAKey), ("If-Match", "W/\"\u00e9\"")], failures);
            await TryAsync(method, path, "From=%2B447911123456&Body=" + huge[..50_000], "application/x-www-form-urlencoded", [("X-Twilio-Signature", huge[..20_000])], failures);
            await TryAsync(method, path, "{}", "application/json", [("X-Twilio-Email-Event-Webhook-Signature", huge[..20_000]), ("X-Twilio-Email-Event-Webhook-Timestamp", "-99999999999999999999")], failures);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(30)));
    }

    private async Task TryAsync(string method, string path, string body, string contentType, (string Name, string Value)[] headers, List<string> failures)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is not ("GET" or "DELETE") || body.Length > 0)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (headers.Length == 0 && path.StartsWith("/api/events", StringComparison.Ordinal))
        {
            request.Headers.Add("X-Api-Key", AppFactory.ClientAKey);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await App.CreateClient().SendAsync(request, Ct);
        if ((int)response.StatusCode >= 500)
        {
            var answer = await response.Content.ReadAsStringAsync(Ct);
            failures.Add($"{method} {path[..Math.Min(path.Length, 60)]} [{contentType}] {body[..Math.Min(body.Length, 60)]} {string.Join(",", headers.Select(h => h.Name))}: {(int)response.StatusCode} {answer[..Math.Min(200, answer.Length)]}");
        }
    }

    private Task<HttpResponseMessage> DevSmsAsync(string from, string body) =>
        App.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from, body }, Ct);

    private static async Task<HttpResponseMessage> PostSignedAsync(AppFactory app, string messageSid, string body)
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = messageSid,
            ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["From"] = Sam,
            ["To"] = "+14155550123",
            ["Body"] = body,
        };
        using var request = TwilioWebhook.Request("/api/twilio/sms", form);
        return await app.CreateClient().SendAsync(request, Ct);
    }
}

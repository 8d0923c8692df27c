using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Security;

/// <summary>Abuse limits: per client on management routes, per caller address on public pages and webhooks; 429 problem details with Retry-After.</summary>
public sealed class RateLimitTests(AzuriteFixture azurite) : AppTest(azurite)
{
    protected override AppFactory CreateApp() => new(Azurite, new Dictionary<string, string?>
    {
        ["RateLimits:ClientPerMinute"] = "3",
        ["RateLimits:PublicPerMinute"] = "2",
        ["RateLimits:WebhookPerMinute"] = "2",
    });

    [Fact]
    public async Task ManagementRoutes_OverTheClientsLimit_Are429ProblemWithRetryAfter_AndOtherClientsAreUnaffected()
    {
        var clientA = App.CreateClient(AppFactory.ClientAKey);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await clientA.GetAsync("/api/events/ev_000000000000000000000000", Ct)).StatusCode);
        }

        var refused = await clientA.GetAsync("/api/events/ev_000000000000000000000000", Ct);

        await AssertTooManyAsync(refused);
        var clientB = App.CreateClient(AppFactory.ClientBKey);
        Assert.Equal(HttpStatusCode.NotFound, (await clientB.GetAsync("/api/events/ev_000000000000000000000000", Ct)).StatusCode);
    }

    [Fact]
    public async Task PublicPages_OverTheLimitPerAddress_Are429()
    {
        var browser = App.CreateClient();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/api/consent/" + new string('a', 43), Ct)).StatusCode);
        }

        // The pages answer as pages (see BusyPagesTests).
        var page = await browser.GetAsync("/api/unsubscribe/" + new string('a', 43), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(page.Headers.RetryAfter);
    }

    /// <summary>Issue 21.9: a developer polling the outbox and playing texts does not use up the pages' minute.</summary>
    [Fact]
    public async Task DevelopmentRoutes_AreNotLimited_NorCountAgainstThePagesLimit()
    {
        var developer = App.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await developer.GetAsync("/api/dev/outbox?take=1", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await developer.PostAsJsonAsync("/api/dev/sms", new { from = "+447700900123", body = "HELP" }, Ct)).StatusCode);
        }

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await developer.GetAsync("/api/consent/" + new string('c', 43), Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Webhooks_OverTheLimitPerAddress_Are429_EvenBeforeTheSignatureIsChecked()
    {
        var twilio = App.CreateClient();
        for (var i = 0; i < 2; i++)
        {
            using var form = new FormUrlEncodedContent([new("From", "+447911123456"), new("Body", "YES")]);
            Assert.Equal(HttpStatusCode.Forbidden, (await twilio.PostAsync("/api/twilio/sms", form, Ct)).StatusCode); // unsigned
        }

        using var last = new FormUrlEncodedContent([new("From", "+447911123456"), new("Body", "YES")]);
        await AssertTooManyAsync(await twilio.PostAsync("/api/twilio/sms", last, Ct));
    }

    [Fact]
    public async Task OneClickUnsubscribes_FromAMailProvidersServer_AreNotHeldToThePagesLimit()
    {
        var app = UseApp(new AppFactory(Azurite, new Dictionary<string, string?>
        {
            ["RateLimits:PublicPerMinute"] = "2",
            ["RateLimits:WebhookPerMinute"] = "100",
        }));
        var mailProvider = app.CreateClient();
        for (var i = 0; i < 5; i++)
        {
            using var oneClick = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);
            Assert.Equal(HttpStatusCode.NotFound, (await mailProvider.PostAsync("/api/unsubscribe/" + new string('b', 43), oneClick, Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Health_IsNeverLimited()
    {
        var client = App.CreateClient();
        for (var i = 0; i < 10; i++)
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await client.GetAsync("/api/health", Ct)).StatusCode);
        }
    }

    [Fact]
    public async Task Unauthenticated_ManagementRequests_CountAgainstTheirAddress_NotAClient()
    {
        var stranger = App.CreateClient("not-a-key-at-all-0123456789");
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await stranger.GetAsync("/api/events/ev_000000000000000000000000", Ct)).StatusCode);
        }

        await AssertTooManyAsync(await stranger.GetAsync("/api/events/ev_000000000000000000000000", Ct));
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClient(AppFactory.ClientAKey).GetAsync("/api/events/ev_000000000000000000000000", Ct)).StatusCode);
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var seconds = response.Headers.RetryAfter?.Delta?.TotalSeconds;
        Assert.InRange(seconds ?? 0, 1, 60);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too many requests.", problem.GetProperty("title").GetString());
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// The built app's worker as its own process under the local Functions host, as the real host runs it:
/// HTTP requests routed and forwarded by the host, the timer fired by the host (on demand, or on its
/// schedule). Messages go to the Prism mocks of Twilio and SendGrid, or to the development outbox.
/// </summary>
public sealed class WorkerEndToEndTests(AzuriteFixture azurite, PrismFixture prism)
{
    [Fact]
    public async Task CheckIns_RegisteredGrantedAndDue_ReachTwilioAndSendGridMocks_WhenTheHostFiresTheTimer()
    {
        prism.SkipIfUnavailable();
        var accountSid = "AC" + Guid.NewGuid().ToString("N");
        await using var app = await AppProcess.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Twilio__AccountSid"] = accountSid,
            ["Twilio__AuthToken"] = "test-auth-token-0123456789",
            ["Twilio__From"] = "+14155550123",
            ["Messaging__AllowedCountries"] = "GB,GG,US",
            ["Twilio__BaseUrl"] = prism.TwilioBaseUrl.ToString(),
            ["SendGrid__ApiKey"] = "SG.test-key",
            ["SendGrid__From"] = "AftercareNudge <care@example.com>",
            ["SendGrid__BaseUrl"] = prism.SendGridBaseUrl.ToString(),
            ["Public__BaseUrl"] = "https://aftercare.example.com",
        });
        var client = app.Http;
        client.DefaultRequestHeaders.Add("X-Api-Key", AppFactory.ClientAKey);

        // Register an event whose check-ins fall due in a few seconds.
        var body = Requests.Dinner(TimeProvider.System.GetUtcNow());
        body["startsAt"] = Requests.Local(TimeProvider.System.GetUtcNow().AddSeconds(5));
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "start", ["offset"] = "PT0S", ["message"] = "How are you feeling?" },
            new JsonObject { ["to"] = "alex", ["channel"] = "email", ["after"] = "start", ["offset"] = "PT1S", ["message"] = "Thinking of you." },
        };
        var created = await client.PostAsJsonAsync("/api/events", body, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = await AppFactory.ReadEventAsync(created);

        // Both recipients agree (the consent webhooks will make this same call).
        var organizerId = ConsentStore.OrganizerId("clientA", new Participant("organizer", "Sam", view.Organizer.Phone, view.Organizer.Email, "Etc/UTC"));
        await app.Consents.RecordAsync(new ConsentDecision(Channel.Sms, view.Organizer.Phone!, organizerId, ConsentState.Granted, "test", "test"), CancellationToken.None);
        await app.Consents.RecordAsync(new ConsentDecision(Channel.Email, view.People[0].Email!, organizerId, ConsentState.Granted, "test", "test"), CancellationToken.None);

        var due = view.CheckIns.Max(c => c.DueAt);
        var wait = due - TimeProvider.System.GetUtcNow() + TimeSpan.FromMilliseconds(500);
        if (wait > TimeSpan.Zero)
        {
            // On a busy machine registering may itself take longer than the wait.
            await Task.Delay(wait, TestContext.Current.CancellationToken);
        }

        var sendGridRequestsBefore = CountMailSends(prism.SendGridLog);

        // Through the host's admin route, as an operator runs a timer by hand; it answers at once.
        var accepted = await client.PostAsJsonAsync("/admin/functions/DispatchDueCheckIns", new { input = "" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await WaitForAsync(() => app.Output.Contains("Timer DispatchDueCheckIns ran", StringComparison.Ordinal), "the dispatch run");
        Assert.Contains("enqueued 2", app.Output, StringComparison.Ordinal);

        // The timer put both on the send queue; the host's queue trigger sends them.
        EventView? after = null;
        await WaitForAsync(
            async () => (after = await client.GetFromJsonAsync<EventView>($"/api/events/{view.Id}", AppFactory.Json, TestContext.Current.CancellationToken))!.CheckIns.All(c => c.Status == CheckInStatus.Sent),
            "both check-ins sent through the send queue");
        Assert.Equal(EventStatus.Completed, after!.Status);
        Assert.Contains($"post /2010-04-01/Accounts/{accountSid}/Messages.json", prism.TwilioLog, StringComparison.Ordinal);
        Assert.True(CountMailSends(prism.SendGridLog) > sendGridRequestsBefore, "The SendGrid mock received no mail send.");

        // With provider credentials the development routes do not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/dev/outbox", TestContext.Current.CancellationToken)).StatusCode);
        Assert.DoesNotContain("+447911123456", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("How are you feeling?", app.Output, StringComparison.Ordinal);
    }

    private static int CountMailSends(string log) =>
        log.Split('\n').Count(line => line.Contains("post /v3/mail/send", StringComparison.Ordinal));

    [Fact]
    public async Task UnderTheLocalHost_TheTimerFiresOnSchedule_AndDeliversToTheDevOutbox()
    {
        await using var app = await AppProcess.StartAsync(azurite, new Dictionary<string, string?>(), timers: true);
        var client = app.Http;
        client.DefaultRequestHeaders.Add("X-Api-Key", AppFactory.ClientAKey);

        var health = await client.GetFromJsonAsync<JsonObject>("/api/health", TestContext.Current.CancellationToken);
        Assert.Equal("healthy", (string?)health!["status"]);
        Assert.Contains("DispatchDueCheckIns", app.Output, StringComparison.Ordinal);
        Assert.Contains("0 * * * * *", app.Output, StringComparison.Ordinal);

        var body = Requests.Dinner(TimeProvider.System.GetUtcNow());
        body["startsAt"] = Requests.Local(TimeProvider.System.GetUtcNow().AddSeconds(2));
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "start", ["offset"] = "PT0S", ["message"] = "How are you feeling?" },
        };
        var view = await AppFactory.ReadEventAsync(await client.PostAsJsonAsync("/api/events", body, TestContext.Current.CancellationToken));
        var organizerId = ConsentStore.OrganizerId("clientA", new Participant("organizer", "Sam", view.Organizer.Phone, view.Organizer.Email, "Etc/UTC"));
        await app.Consents.RecordAsync(new ConsentDecision(Channel.Sms, view.Organizer.Phone!, organizerId, ConsentState.Granted, "test", "test"), CancellationToken.None);
        // Nobody fires the timer by hand: the host runs the dispatch at the next whole minute.
        JsonArray? outbox = null;
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(75);
        while (TimeProvider.System.GetUtcNow() < deadline && outbox is not { Count: > 0 })
        {
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            var all = await client.GetFromJsonAsync<JsonArray>("/api/dev/outbox", TestContext.Current.CancellationToken);
            outbox = new JsonArray([.. all!.Where(m => (string?)m!["kind"] == "check-in").Select(m => m!.DeepClone())]);
        }

        var sms = Assert.Single(outbox!);
        Assert.Equal("Sam via AftercareNudge: How are you feeling?", (string?)sms!["body"]);
        // The outbox is written before the result is recorded: on a busy machine GET can still see it sending.
        EventView? after = null;
        for (var tries = 0; tries < 20 && after?.CheckIns[0].Status is not CheckInStatus.Sent; tries++)
        {
            after = await client.GetFromJsonAsync<EventView>($"/api/events/{view.Id}", AppFactory.Json, TestContext.Current.CancellationToken);
            await Task.Delay(after!.CheckIns[0].Status == CheckInStatus.Sending ? 250 : 0, TestContext.Current.CancellationToken);
        }

        Assert.Equal(CheckInStatus.Sent, after!.CheckIns[0].Status);
        Assert.Contains("NOT DELIVERED", app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NotSaidToBeDevelopmentWithoutProviders_RefusesTheDevOutbox()
    {
        var output = await AppProcess.StartRefusedAsync(azurite, new Dictionary<string, string?> { ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production" });

        Assert.Contains("the development outbox is for local runs only", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithOneProviderConfigured_FailsSayingWhatToFix()
    {
        var output = await AppProcess.StartRefusedAsync(azurite, new Dictionary<string, string?>
        {
            ["Twilio__AccountSid"] = "AC" + Guid.NewGuid().ToString("N"),
            ["Twilio__AuthToken"] = "token",
            ["Twilio__From"] = "+14155550123",
            ["Messaging__AllowedCountries"] = "GB,GG,US",
            ["Public__BaseUrl"] = "https://aftercare.example.com",
        });

        Assert.Contains("SendGrid:ApiKey is required when Twilio is configured", output, StringComparison.Ordinal);
    }

    private static Task WaitForAsync(Func<bool> condition, string what) => Polling.UntilAsync(condition, what, TimeSpan.FromMinutes(1));

    private static Task WaitForAsync(Func<Task<bool>> condition, string what) => Polling.UntilAsync(condition, what, TimeSpan.FromMinutes(1));
}

using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// The real app, as its own process, driven the way the Functions host drives a custom handler:
/// start it with FUNCTIONS_CUSTOMHANDLER_PORT, poll GET /, proxy HTTP requests to it, and fire the
/// timer as POST /DispatchDueCheckIns with the host's payload. Messages go to the Prism mocks of
/// Twilio and SendGrid.
/// </summary>
public sealed class CustomHandlerEndToEndTests(AzuriteFixture azurite, PrismFixture prism)
{
    private const string TimerPayload = """
        {
          "Data": {
            "timer": {
              "Schedule": { "AdjustForDST": true },
              "ScheduleStatus": { "Last": "2026-11-24T09:00:00+00:00", "Next": "2026-11-24T09:01:00+00:00", "LastUpdated": "2026-11-24T09:00:00+00:00" },
              "IsPastDue": false
            }
          },
          "Metadata": { "sys": { "MethodName": "DispatchDueCheckIns", "UtcNow": "2026-11-24T09:01:00Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e" } }
        }
        """;

    [Fact]
    public async Task CheckIns_RegisteredGrantedAndDue_ReachTwilioAndSendGridMocks_WhenTheHostFiresTheTimer()
    {
        prism.SkipIfUnavailable();
        var accountSid = "AC" + Guid.NewGuid().ToString("N");
        await using var app = await AppProcess.StartAsync(azurite, underFunctionsHost: true, new Dictionary<string, string?>
        {
            ["Twilio__AccountSid"] = accountSid,
            ["Twilio__AuthToken"] = "test-auth-token-0123456789",
            ["Twilio__From"] = "+14155550123",
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

        var invocation = await client.PostAsync("/DispatchDueCheckIns", new StringContent(TimerPayload, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, invocation.StatusCode);
        Assert.Equal("application/json", invocation.Content.Headers.ContentType?.MediaType);
        var result = JsonNode.Parse(await invocation.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject();
        Assert.Empty(result["Outputs"]!.AsObject());
        Assert.Contains("sent 2", (string?)result["Logs"]![0], StringComparison.Ordinal);
        Assert.True(result.ContainsKey("ReturnValue"));
        Assert.Null(result["ReturnValue"]);

        var after = await client.GetFromJsonAsync<EventView>($"/api/events/{view.Id}", AppFactory.Json, TestContext.Current.CancellationToken);
        Assert.All(after!.CheckIns, c => Assert.Equal(CheckInStatus.Sent, c.Status));
        Assert.Equal(EventStatus.Completed, after.Status);
        Assert.Contains($"post /2010-04-01/Accounts/{accountSid}/Messages.json", prism.TwilioLog, StringComparison.Ordinal);
        Assert.True(CountMailSends(prism.SendGridLog) > sendGridRequestsBefore, "The SendGrid mock received no mail send.");

        // With provider credentials the development routes do not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/dev/outbox", TestContext.Current.CancellationToken)).StatusCode);
        Assert.DoesNotContain("runs in-process", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("+447911123456", app.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("How are you feeling?", app.Output, StringComparison.Ordinal);
    }

    private static int CountMailSends(string log) =>
        log.Split('\n').Count(line => line.Contains("post /v3/mail/send", StringComparison.Ordinal));

    [Fact]
    public async Task RunAlone_ListensOnTheGivenUrl_FiresItsOwnTimer_AndDeliversToTheDevOutbox()
    {
        await using var app = await AppProcess.StartAsync(azurite, underFunctionsHost: false, new Dictionary<string, string?>());
        var client = app.Http;
        client.DefaultRequestHeaders.Add("X-Api-Key", AppFactory.ClientAKey);

        var health = await client.GetFromJsonAsync<JsonObject>("/api/health", TestContext.Current.CancellationToken);
        Assert.Equal("healthy", (string?)health!["status"]);
        Assert.Contains("Timer function DispatchDueCheckIns runs in-process on schedule 0 * * * * *", app.Output, StringComparison.Ordinal);

        var body = Requests.Dinner(TimeProvider.System.GetUtcNow());
        body["startsAt"] = Requests.Local(TimeProvider.System.GetUtcNow().AddSeconds(2));
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "start", ["offset"] = "PT0S", ["message"] = "How are you feeling?" },
        };
        var view = await AppFactory.ReadEventAsync(await client.PostAsJsonAsync("/api/events", body, TestContext.Current.CancellationToken));
        var organizerId = ConsentStore.OrganizerId("clientA", new Participant("organizer", "Sam", view.Organizer.Phone, view.Organizer.Email, "Etc/UTC"));
        await app.Consents.RecordAsync(new ConsentDecision(Channel.Sms, view.Organizer.Phone!, organizerId, ConsentState.Granted, "test", "test"), CancellationToken.None);
        // Nobody fires the timer: the app's own scheduler runs the dispatch at the next whole minute.
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
    public async Task Start_UnderTheFunctionsHostWithoutProviders_RefusesTheDevOutbox()
    {
        await using var process = AppProcess.StartRaw(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Api__Keys__clientA"] = AppFactory.ClientAKey,
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = ChildProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        await process.WaitUntilExitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("the development outbox is for local runs only", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithOneProviderConfigured_FailsSayingWhatToFix()
    {
        await using var process = AppProcess.StartRaw(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ChildProcess.FreePort()}",
            ["Twilio__AccountSid"] = "AC" + Guid.NewGuid().ToString("N"),
            ["Twilio__AuthToken"] = "token",
            ["Twilio__From"] = "+14155550123",
            ["Public__BaseUrl"] = "https://aftercare.example.com",
        });

        await process.WaitUntilExitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("SendGrid:ApiKey is required when Twilio is configured", process.Output, StringComparison.Ordinal);
    }
}

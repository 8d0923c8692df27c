using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Privacy;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Privacy;

/// <summary>The <c>PurgeExpiredData</c> timer: an event's content goes a set time after its last check-in, its statuses and the ledger stay.</summary>
public sealed partial class PurgeTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Plan = "Blankets, water and a quiet hour.";
    private const string AlexNeeds = "A hug and a glass of water.";
    private const string Reply = "Feeling wobbly but ok";

    [Fact]
    public async Task Purge_AfterTheRetention_DeletesTheContent_AndKeepsStatusesAndTheLedger()
    {
        var start = App.Time.GetUtcNow();
        var view = await App.RegisterAsync(DinnerWithPlan());
        var consentUrl = await ConsentUrlAsync();
        await App.ReplyAsync(Sam, "YES");
        Assert.Equal(HttpStatusCode.OK, (await Browser().PostAsync(consentUrl, new FormUrlEncodedContent([new("decision", "agree")]), Ct)).StatusCode);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        await App.ReplyAsync(Sam, Reply);
        App.Time.Advance(TimeSpan.FromHours(14.5));
        await App.DispatchAsync();
        var before = await App.GetEventAsync(view.Id);
        Assert.All(before.CheckIns, c => Assert.Equal(CheckInStatus.Sent, c.Status));
        Assert.Contains(before.CheckIns.SelectMany(c => c.Replies), r => r.Body == Reply);
        var samLedger = await App.LedgerAsync(Channel.Sms, Sam);
        var alexLedger = await App.LedgerAsync(Channel.Email, "alex@example.com");

        // Not before: 29 days after the last check-in, everything is still there.
        App.Time.SetUtcNow(start.AddHours(20).AddDays(29));
        var early = await PurgeAsync();
        Assert.Equal(new PurgeReport(0, 0, 0, 0), early);
        Assert.Equal("Dinner with Alex", (await App.GetEventAsync(view.Id)).Title);

        App.Time.SetUtcNow(start.AddHours(20).AddDays(30).AddHours(1));
        var report = await PurgeAsync();

        Assert.Equal(new PurgeReport(1, 0, 0, 0), report);
        var response = await App.CreateClient(AppFactory.ClientAKey).GetAsync($"/api/events/{view.Id}", Ct);
        var json = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var gone in new[] { "Dinner", "Sam", "Alex", "alex", "+4479", "example.com", Plan, AlexNeeds, "Ten minutes", Reply, "Hey, how are you", "Thinking of you", "\"date\"" })
        {
            Assert.DoesNotContain(gone, json, StringComparison.Ordinal);
        }

        var after = System.Text.Json.JsonSerializer.Deserialize<EventView>(json, AppFactory.Json)!;
        Assert.True(after.Purged);
        Assert.Equal((EventPurge.Deleted, "other", EventStatus.Completed), (after.Title, after.Kind, after.Status));
        Assert.Null(after.AftercarePlan);
        Assert.Equal((EventPurge.Deleted, (string?)null, (string?)null), (after.Organizer.Name, after.Organizer.Phone, after.Organizer.Email));
        var person = Assert.Single(after.People);
        Assert.Equal(("person.1", EventPurge.Deleted, (string?)null, (string?)null, (string?)null), (person.Key, person.Name, person.Phone, person.Email, person.Needs));
        Assert.Equal(
            before.CheckIns.Select(c => (c.Id, c.Channel, c.DueAt, c.Status, c.SentAt, c.Kind)),
            after.CheckIns.Select(c => (c.Id, c.Channel, c.DueAt, c.Status, c.SentAt, c.Kind)));
        Assert.Equal(["organizer", "person.1"], after.CheckIns.Select(c => c.To).Order());
        Assert.All(after.CheckIns, c => Assert.Empty(c.Replies));

        var rows = (await App.Services.GetRequiredService<EventStore>().GetRowsAsync(view.Id, Ct))!;
        Assert.All(rows.CheckIns, c => Assert.Equal("", c.Message));
        Assert.Empty(rows.Replies);
        Assert.Equal(samLedger.Count, (await App.LedgerAsync(Channel.Sms, Sam)).Count);
        Assert.Equal(alexLedger.Count, (await App.LedgerAsync(Channel.Email, "alex@example.com")).Count);
        Assert.Equal(HttpStatusCode.NotFound, (await Browser().GetAsync(consentUrl, Ct)).StatusCode);
        Assert.DoesNotContain(await App.Services.GetRequiredService<RecipientCheckIns>().ForAddressAsync(Channel.Sms, Sam, Ct), r => r.EventId == view.Id);

        // Nothing more is done to it: a PATCH is refused, and the run after finds nothing due.
        var patch = await App.CreateClient(AppFactory.ClientAKey).PatchAsJsonAsync($"/api/events/{view.Id}", new JsonObject { ["startsAt"] = Requests.Local(App.Time.GetUtcNow().AddDays(1)) }, AppFactory.Json, Ct);
        Assert.Equal(HttpStatusCode.Conflict, patch.StatusCode);
        Assert.Equal(new PurgeReport(0, 0, 0, 0), await PurgeAsync());
    }

    [Fact]
    public async Task Purge_OfACancelledEvent_CountsFromItsLastCheckInsTime()
    {
        var start = App.Time.GetUtcNow();
        var view = await App.RegisterAsync(Requests.Dinner(start));
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", Ct)).StatusCode);

        // Cancelled at once, but its last check-in was due 20 hours on: that is when the 30 days start.
        App.Time.SetUtcNow(start.AddDays(30).AddHours(19));
        Assert.Equal(new PurgeReport(0, 0, 0, 0), await PurgeAsync());
        App.Time.SetUtcNow(start.AddDays(30).AddHours(21));
        Assert.Equal(1, (await PurgeAsync()).Purged);

        var after = await App.GetEventAsync(view.Id);
        Assert.True(after.Purged);
        Assert.Equal((EventPurge.Deleted, EventStatus.Cancelled), (after.Title, after.Status));
        Assert.All(after.CheckIns, c => Assert.Equal((CheckInStatus.Cancelled, "event-cancelled"), (c.Status, c.Reason)));
    }

    [Fact]
    public async Task Purge_WhenAPatchMovedTheEventLater_WaitsForTheNewLastCheckIn()
    {
        var start = App.Time.GetUtcNow();
        var view = await App.RegisterAsync(Requests.Dinner(start));
        var moved = new JsonObject { ["startsAt"] = Requests.Local(start.AddDays(10).AddHours(1)), ["endsAt"] = Requests.Local(start.AddDays(10).AddHours(5)) };
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(AppFactory.ClientAKey).PatchAsJsonAsync($"/api/events/{view.Id}", moved, AppFactory.Json, Ct)).StatusCode);

        // When the registration's promise comes due, the row is moved to the new one.
        App.Time.SetUtcNow(start.AddDays(31));
        await App.DispatchAsync();
        Assert.Equal(new PurgeReport(0, 1, 0, 0), await PurgeAsync());
        Assert.Equal("Dinner with Alex", (await App.GetEventAsync(view.Id)).Title);

        App.Time.SetUtcNow(start.AddDays(40).AddHours(5));
        Assert.Equal(new PurgeReport(0, 0, 0, 0), await PurgeAsync());
        App.Time.SetUtcNow(start.AddDays(40).AddHours(6));
        Assert.Equal(new PurgeReport(1, 0, 0, 0), await PurgeAsync());
        Assert.True((await App.GetEventAsync(view.Id)).Purged);
    }

    [Fact]
    public async Task Purge_WithSomethingStillToSend_WaitsUntilItIsFinished()
    {
        var start = App.Time.GetUtcNow();
        var view = await App.RegisterAsync(Requests.Dinner(start));

        // No dispatch ran: the check-ins are still scheduled, long after their time.
        App.Time.SetUtcNow(start.AddDays(32));
        Assert.Equal(new PurgeReport(0, 1, 0, 0), await PurgeAsync());
        await App.DispatchAsync();
        App.Time.SetUtcNow(start.AddDays(33).AddMinutes(1));
        Assert.Equal(new PurgeReport(1, 0, 0, 0), await PurgeAsync());
        Assert.All((await App.GetEventAsync(view.Id)).CheckIns, c => Assert.Equal(CheckInStatus.Skipped, c.Status));
    }

    [Fact]
    public async Task PurgeTimer_RunsAsTheHostFiresIt()
    {
        var start = App.Time.GetUtcNow();
        var view = await App.RegisterAsync(Requests.Dinner(start));
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", Ct)).StatusCode);
        App.Time.SetUtcNow(start.AddDays(31));

        await App.RunTimerAsync("PurgeExpiredData");

        Assert.True((await App.GetEventAsync(view.Id)).Purged);
    }

    private JsonObject DinnerWithPlan()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject
        {
            ["plan"] = Plan,
            ["needs"] = new JsonObject { ["organizer"] = "Ten minutes alone first.", ["alex"] = AlexNeeds },
        };
        return body;
    }

    private async Task<PurgeReport> PurgeAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EventPurge>().RunAsync(CancellationToken.None);
    }

    private HttpClient Browser() => App.CreateBrowser();

    private async Task<string> ConsentUrlAsync()
    {
        var email = Assert.Single(await App.Services.GetRequiredService<OutboxSender>().ListAsync(1000, Ct), m => m is { Kind: MessageKinds.ConsentRequest, Channel: "email" });
        return ConsentLinks.PathIn(email.Body);
    }
}

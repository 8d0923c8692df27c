using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Security;

/// <summary>
/// A client's day is bounded whatever its request rate: the addresses it names for the first time and
/// the messages sent for it. Over the first, a registration is refused before anything is stored or
/// sent; over the second, what is due waits for the next UTC day, late but never lost.
/// </summary>
public sealed class ClientQuotaTests(AzuriteFixture azurite) : AppTest(azurite)
{
    // One send at a time: takes in flight together may pass the quota by as many (the documented price of sharding).
    protected override AppFactory CreateApp() => new(Azurite, new Dictionary<string, string?>
    {
        ["Api:Quotas:NewAddressesPerDay"] = "4",
        ["Api:Quotas:MessagesPerDay"] = "6",
    })
    { DispatchConcurrency = 1 };

    [Fact]
    public async Task Register_NamingMoreNewAddressesThanTheDayAllows_Is429_AndNothingIsStoredOrSent()
    {
        // Sam's phone and email and Alex's phone and email: four new addresses, the day's quota.
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        // The same four again are not new.
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var sentBefore = (await App.OutboxAsync()).Count;

        // Kim is new: one more than the quota.
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "kim", ["name"] = "Kim", ["phone"] = "+14155550123" });
        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("new-addresses-per-day", problem["quota"]!.GetValue<string>());
        Assert.Equal(4, problem["limit"]!.GetValue<int>());
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero), problem["resetsAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal(TimeSpan.FromHours(15), TimeSpan.FromSeconds(int.Parse(response.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture)));
        Assert.DoesNotContain(await App.OutboxAsync(), m => m.To == "+14155550123");
        Assert.Equal(sentBefore, (await App.OutboxAsync()).Count);

        // Another client's day is its own.
        var other = await App.CreateClient(AppFactory.ClientBKey).PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), AppFactory.Json, Ct);
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);

        // The next UTC day it goes.
        App.Time.Advance(TimeSpan.FromHours(15));
        body["startsAt"] = Requests.Local(App.Time.GetUtcNow().AddHours(1));
        body["endsAt"] = Requests.Local(App.Time.GetUtcNow().AddHours(5));
        var next = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);
        Assert.Equal(HttpStatusCode.Created, next.StatusCode);
    }

    [Fact]
    public async Task Register_WithAnIdempotencyKey_OverTheQuota_DoesNotUseUpTheKey()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "kim", ["name"] = "Kim", ["phone"] = "+14155550123" });
        var client = App.CreateClient(AppFactory.ClientAKey);
        client.DefaultRequestHeaders.Add("Idempotency-Key", "quota-test-key");

        var refused = await client.PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        // The next day, under the same key: the refusal did not use it up (a used key would answer 409 or 422).
        App.Time.Advance(TimeSpan.FromHours(15));
        body["startsAt"] = Requests.Local(App.Time.GetUtcNow().AddHours(1));
        body["endsAt"] = Requests.Local(App.Time.GetUtcNow().AddHours(5));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct)).StatusCode);
    }

    [Fact]
    public async Task CheckIns_OverTheDaysMessages_WaitForTheNextDay_AndAreSentThen()
    {
        // One event of seven check-ins to Sam, who agreed: with its consent request, more than six messages.
        var body = Requests.Dinner(App.Time.GetUtcNow());
        var checkIns = new JsonArray();
        foreach (var minutes in new[] { 30, 31, 32, 33, 34, 35, 36 })
        {
            checkIns.Add(new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "end", ["offset"] = $"PT{minutes}M", ["message"] = "How are you?" });
        }

        body["checkIns"] = checkIns;
        body["people"] = new JsonArray();
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var requests = (await App.OutboxAsync()).Count;

        App.Time.Advance(TimeSpan.FromHours(6));
        var report = await App.DispatchAsync();

        Assert.Equal(6 - requests, report.Sent);
        var waiting = (await App.GetEventAsync(view.Id)).CheckIns.Where(c => c.Status == CheckInStatus.Scheduled).ToList();
        Assert.Equal(7 - (6 - requests), waiting.Count);
        foreach (var c in waiting)
        {
            // As stored: GET foresees that at midnight Sam's quiet hours hold them on until 08:00.
            var stored = await App.Services.GetRequiredService<EventStore>().GetCheckInAsync(view.Id, c.Id, Ct);
            Assert.Equal(("daily-quota", new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero)), (stored!.Reason, stored.NextAttemptAt));
        }

        // The next UTC day's count has room: they go, late (at 08:00, when Sam's quiet hours end).
        App.Time.Advance(TimeSpan.FromHours(17));
        await App.DispatchAsync();
        var after = await App.GetEventAsync(view.Id);
        Assert.All(after.CheckIns, c => Assert.Equal(CheckInStatus.Sent, c.Status));
        Assert.Contains(after.CheckIns, c => c.Late);
    }

    [Fact]
    public async Task Take_ManyAtOnce_CountsEveryTake()
    {
        var quotas = App.Services.GetRequiredService<ClientQuotas>();

        var refusals = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => quotas.TryTakeAsync("clientC", Quota.Messages, 1, Ct)));

        Assert.All(refusals, Assert.Null);
        var over = await quotas.TryTakeAsync("clientC", Quota.Messages, 1, Ct);
        Assert.NotNull(over);
        Assert.Equal((Quota.Messages, 6), (over.Quota, over.Limit));
    }
}

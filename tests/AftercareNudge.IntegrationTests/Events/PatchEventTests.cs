using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary>
/// <c>PATCH /api/events/{id}</c>: move an event or edit its check-ins; idempotent, safe against lost
/// updates, and refused (by name) for what can no longer change.
/// </summary>
public sealed class PatchEventTests(AzuriteFixture azurite) : AppTest(azurite)
{
    // Requests.Dinner, registered at 09:00: start 10:00, end 14:00; check-in 0 (organizer, sms) 30 minutes
    // after the end (14:30); check-in 1 (alex, email) at 05:00 the next morning.

    private DateTimeOffset Now => App.Time.GetUtcNow();

    [Fact]
    public async Task Patch_MovingTheEvent_MovesRelativeCheckIns_AndAtCheckInsKeepTheirTime()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        var before = await ETagAsync(view.Id);
        var start = Now;

        var response = await PatchAsync(view.Id, new JsonObject { ["startsAt"] = Requests.Local(start.AddHours(2)), ["endsAt"] = Requests.Local(start.AddHours(7)) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var changed = await AppFactory.ReadEventAsync(response);
        Assert.Equal(start.AddHours(2), changed.StartsAtUtc);
        Assert.Equal(Requests.Local(start.AddHours(7))[..16], changed.EndsAt);
        Assert.Equal(start.AddHours(7.5), changed.CheckIns[0].DueAt);
        Assert.Equal(start.AddHours(20), changed.CheckIns[1].DueAt);
        Assert.All(changed.CheckIns, c => Assert.Equal(CheckInStatus.Scheduled, c.Status));
        Assert.Equal(await ETagAsync(view.Id), response.Headers.ETag?.ToString());
        Assert.NotEqual(before, response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Patch_MovedCheckIn_IsSentAtItsNewTime_AndNotAtItsOld()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var start = Now;
        await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(start.AddHours(6)) });

        App.Time.Advance(TimeSpan.FromHours(5.5));
        var atOldTime = await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromHours(1));
        var atNewTime = await App.DispatchAsync();

        Assert.Equal(0, atOldTime.Sent);
        Assert.Equal(1, atNewTime.Sent);
        var sent = Assert.Single(await CheckInsSentAsync());
        Assert.Equal(view.CheckIns[0].Id, sent.CheckInId);
        Assert.Equal(start.AddHours(6.5), sent.CreatedAt);
    }

    [Fact]
    public async Task Patch_EditingAMessage_KeepsItsTime_AndTheNewMessageIsSent()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await App.GrantAsync(view, "organizer", Channel.Sms);

        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["checkIns"] = new JsonArray
            {
                new JsonObject { ["id"] = view.CheckIns[0].Id, ["message"] = "  How did it go?  " },
                new JsonObject { ["id"] = view.CheckIns[1].Id },
            },
        });
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var changed = await AppFactory.ReadEventAsync(response);
        Assert.Equal(view.CheckIns.Select(c => (c.Id, c.DueAt, c.Status)), changed.CheckIns.Select(c => (c.Id, c.DueAt, c.Status)));
        var sms = Assert.Single(await CheckInsSentAsync());
        Assert.Equal("Sam via AftercareNudge: How did it go?", sms.Body);
    }

    [Fact]
    public async Task Patch_WithAListThatAddsOneAndLeavesOneOut_AddsIt_AndRemovesTheOther()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await App.GrantAsync(view, "organizer", Channel.Email);
        await App.GrantAsync(view, "alex", Channel.Email);
        var start = Now;

        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["checkIns"] = new JsonArray
            {
                new JsonObject { ["id"] = view.CheckIns[0].Id },
                new JsonObject { ["to"] = "organizer", ["channel"] = "email", ["after"] = "end", ["offset"] = "PT1H", ["message"] = "An hour on: still OK?" },
            },
        });
        App.Time.Advance(TimeSpan.FromDays(1));
        var report = await App.DispatchAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var changed = await AppFactory.ReadEventAsync(response);
        Assert.Equal(3, changed.CheckIns.Count);
        Assert.Equal((CheckInStatus.Cancelled, "removed"), (changed.CheckIns[1].Status, changed.CheckIns[1].Reason));
        var added = changed.CheckIns[2];
        Assert.Equal(("organizer", Channel.Email, CheckInStatus.Scheduled, CheckInKind.CheckIn), (added.To, added.Channel, added.Status, added.Kind));
        Assert.Equal(start.AddHours(6), added.DueAt);
        Assert.Equal(2, report.Sent);
        Assert.Equal(
            new HashSet<string?> { view.CheckIns[0].Id, added.Id },
            (await CheckInsSentAsync()).Select(m => m.CheckInId).ToHashSet());
    }

    [Fact]
    public async Task Patch_AddingACheckInOnANewChannel_AsksForConsent_AndAStopReachesIt()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        var outbox = App.Services.GetRequiredService<OutboxSender>();
        bool AskedAlexBySms(OutboxMessage m) => m.Kind == MessageKinds.ConsentRequest && m.Channel == "sms" && m.To == "+447911123457";
        var askedBefore = (await outbox.ListAsync(1000, CancellationToken.None)).Count(AskedAlexBySms);

        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["checkIns"] = new JsonArray
            {
                new JsonObject { ["id"] = view.CheckIns[0].Id },
                new JsonObject { ["id"] = view.CheckIns[1].Id },
                new JsonObject { ["to"] = "alex", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT2H", ["message"] = "Text me when you're home" },
            },
        });
        var askedAfter = (await outbox.ListAsync(1000, CancellationToken.None)).Count(AskedAlexBySms);
        var stop = await App.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from = "+447911123457", body = "STOP" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((0, 1), (askedBefore, askedAfter));
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        var added = (await App.GetEventAsync(view.Id)).CheckIns[2];
        Assert.Equal((CheckInStatus.Skipped, "opted-out"), (added.Status, added.Reason));
    }

    [Fact]
    public async Task Patch_WithAStaleIfMatch_Is412_AndWithTheCurrentOne_Applies()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        var etag = await ETagAsync(view.Id);
        await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(Now.AddHours(6)) }, etag);

        var refused = await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(Now.AddHours(8)) }, etag);
        var current = await ETagAsync(view.Id);
        var accepted = await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(Now.AddHours(8)) }, current);

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(Now.AddHours(8.5), (await AppFactory.ReadEventAsync(accepted)).CheckIns[0].DueAt);
    }

    [Fact]
    public async Task Patch_SentTwiceWithTheSameIfMatch_IsTheSameAsOnce()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        var patch = new JsonObject
        {
            ["endsAt"] = Requests.Local(Now.AddHours(6)),
            ["checkIns"] = new JsonArray
            {
                new JsonObject { ["id"] = view.CheckIns[0].Id, ["message"] = "Edited" },
                new JsonObject { ["to"] = "organizer", ["channel"] = "email", ["at"] = Requests.Local(Now.AddHours(9)), ["message"] = "Added" },
            },
        };

        var etag = await ETagAsync(view.Id);

        var first = await PatchAsync(view.Id, patch, etag);
        var second = await PatchAsync(view.Id, patch, etag);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(first.Headers.ETag?.ToString(), second.Headers.ETag?.ToString());
        var once = await AppFactory.ReadEventAsync(first);
        var twice = await AppFactory.ReadEventAsync(second);
        Assert.Equal(3, twice.CheckIns.Count);
        Assert.Equal(once.CheckIns.Select(c => (c.Id, c.DueAt, c.Status)), twice.CheckIns.Select(c => (c.Id, c.DueAt, c.Status)));
    }

    [Fact]
    public async Task Patch_EditingASentCheckIn_Is409NamingIt_AndChangesNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        var etag = await ETagAsync(view.Id);

        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["checkIns"] = new JsonArray
            {
                new JsonObject { ["id"] = view.CheckIns[0].Id, ["message"] = "Too late to edit" },
                new JsonObject { ["id"] = view.CheckIns[1].Id, ["message"] = "Still in time" },
            },
        });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        var errors = problem!["errors"]!.AsObject();
        Assert.Equal(["checkIns[0]"], errors.Select(e => e.Key));
        Assert.Equal("This check-in was already sent: it can no longer be changed.", (string?)errors["checkIns[0]"]![0]);
        Assert.Equal(etag, await ETagAsync(view.Id));
        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(view.Id)).CheckIns[0].Status);
    }

    [Fact]
    public async Task Patch_MovingAnEventWithASentCheckIn_MovesOnlyWhatIsPending()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var body = Requests.Dinner(Now);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        // Listing the sent check-in as it is, or leaving it out, are both fine: neither edits it.
        var moved = await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(Now.AddHours(1)), ["startsAt"] = Requests.Local(Now.AddMinutes(30)) });
        var listed = await PatchAsync(view.Id, new JsonObject { ["checkIns"] = new JsonArray { new JsonObject { ["id"] = view.CheckIns[0].Id, ["to"] = "organizer" }, new JsonObject { ["id"] = view.CheckIns[1].Id } } });

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal((view.CheckIns[0].DueAt, CheckInStatus.Sent), (after.CheckIns[0].DueAt, after.CheckIns[0].Status));
        Assert.Equal(CheckInStatus.Scheduled, after.CheckIns[1].Status);
        Assert.Equal((string?)body["checkIns"]![1]!["at"], Requests.Local(after.CheckIns[1].DueAt));
    }

    public static TheoryData<string, string, string> InvalidChanges() => new()
    {
        // A change (PATCH body), the same value in a registration (POST body), and the field both must name.
        { """{"timeZone":"Mars/Olympus_Mons"}""", """{"timeZone":"Mars/Olympus_Mons"}""", "timeZone" },
        { """{"startsAt":"next tuesday"}""", """{"startsAt":"next tuesday"}""", "startsAt" },
        { """{"endsAt":"2026-11-24T09:30"}""", """{"endsAt":"2026-11-24T09:30"}""", "endsAt" },
        { """{"startsAt":"2027-12-01T10:00","endsAt":"2027-12-01T11:00"}""", """{"startsAt":"2027-12-01T10:00","endsAt":"2027-12-01T11:00"}""", "startsAt" },
        { """{"startsAt":"2026-11-24T05:00","endsAt":"2026-11-24T08:00"}""", """{"startsAt":"2026-11-24T05:00","endsAt":"2026-11-24T08:00"}""", "checkIns[0]" },
        { """{"checkIns":[{"to":"nobody","channel":"sms","after":"end","offset":"PT1H","message":"hi"}]}""", """{"checkIns":[{"to":"nobody","channel":"sms","after":"end","offset":"PT1H","message":"hi"}]}""", "checkIns[0].to" },
        { """{"checkIns":[{"to":"organizer","channel":"pigeon","after":"end","offset":"PT1H","message":"hi"}]}""", """{"checkIns":[{"to":"organizer","channel":"pigeon","after":"end","offset":"PT1H","message":"hi"}]}""", "checkIns[0].channel" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"soon","message":"hi"}]}""", """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"soon","message":"hi"}]}""", "checkIns[0].offset" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","at":"2026-11-24T08:00","message":"hi"}]}""", """{"checkIns":[{"to":"organizer","channel":"sms","at":"2026-11-24T08:00","message":"hi"}]}""", "checkIns[0]" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"PT1H","message":"  "}]}""", """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"PT1H","message":"  "}]}""", "checkIns[0].message" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","at":"tomorrow at ten","message":"hi"}]}""", """{"checkIns":[{"to":"organizer","channel":"sms","at":"tomorrow at ten","message":"hi"}]}""", "checkIns[0].at" },
        { """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","message":"hi"}],"timeZone":"Mars/Olympus_Mons"}""", """{"checkIns":[{"to":"organizer","channel":"sms","after":"end","message":"hi"}],"timeZone":"Mars/Olympus_Mons"}""", "timeZone" },
        { """{"checkIns":[null]}""", """{"checkIns":[null]}""", "checkIns[0]" },
        { """{"checkIns":[]}""", """{"checkIns":[]}""", "checkIns" },
    };

    [Theory]
    [MemberData(nameof(InvalidChanges))]
    public async Task Patch_InvalidChange_Is400_WithTheFieldAndMessagesOfARegistration(string change, string registration, string field)
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        var post = Requests.Dinner(Now);
        foreach (var (key, value) in JsonNode.Parse(registration)!.AsObject())
        {
            post[key] = value?.DeepClone();
        }

        var registered = await Client().PostAsJsonAsync("/api/events", post, Ct);
        var changed = await PatchAsync(view.Id, JsonNode.Parse(change)!.AsObject());

        Assert.Equal(HttpStatusCode.BadRequest, registered.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, changed.StatusCode);
        Assert.Equal("application/problem+json", changed.Content.Headers.ContentType?.MediaType);
        var expected = (await registered.Content.ReadFromJsonAsync<JsonObject>(Ct))!["errors"]![field]!.ToJsonString();
        var actual = (await changed.Content.ReadFromJsonAsync<JsonObject>(Ct))!["errors"]![field]?.ToJsonString();
        Assert.Equal(expected, actual);
        Assert.Equal(view.CheckIns.Select(c => (c.Id, c.DueAt)), (await App.GetEventAsync(view.Id)).CheckIns.Select(c => (c.Id, c.DueAt)));
    }

    [Theory]
    [InlineData("""{"title":"Something else"}""", "title")]
    [InlineData("""{"checkIns":[{"id":"ci_000000000000000000000000"}]}""", "checkIns[0].id")]
    [InlineData("""{"checkIns":[{"to":"organizer","channel":"sms","after":"end","offset":"PT1H","message":"hi","when":"later"}]}""", "checkIns[0].when")]
    [InlineData("""{"startsAt":42}""", "startsAt")]
    [InlineData("""[1,2]""", "body")]
    public async Task Patch_WhatAPatchCannotSay_Is400ByName(string change, string field)
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}") { Content = new StringContent(change, System.Text.Encoding.UTF8, "application/json") };
        var response = await Client().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.NotNull(problem!["errors"]![field]);
    }

    [Fact]
    public async Task Patch_ChangingWhoACheckInGoesTo_Is400_AndLeavingItOutAndAddingANewOneIsTheWay()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));

        var retarget = await PatchAsync(view.Id, new JsonObject
        {
            ["checkIns"] = new JsonArray { new JsonObject { ["id"] = view.CheckIns[0].Id, ["to"] = "alex" }, new JsonObject { ["id"] = view.CheckIns[1].Id } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, retarget.StatusCode);
        var problem = await retarget.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Contains("remove it", (string?)problem!["errors"]!["checkIns[0].to"]![0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_AnotherClientsEvent_Is404_AndChangesNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}") { Content = JsonContent.Create(new JsonObject { ["endsAt"] = Requests.Local(Now.AddHours(8)) }) };
        var response = await App.CreateClient(AppFactory.ClientBKey).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(view.CheckIns[0].DueAt, (await App.GetEventAsync(view.Id)).CheckIns[0].DueAt);
    }

    [Fact]
    public async Task Patch_ACancelledEvent_Is409()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await Client().DeleteAsync($"/api/events/{view.Id}", Ct);

        var response = await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(Now.AddHours(8)) });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("The event was cancelled: it can no longer be changed.", (string?)problem!["title"]);
    }

    [Fact]
    public async Task MovedCheckIn_ComingDueInQuietHours_WaitsForMorning_LikeALateOne()
    {
        // Moved to 21:30 UTC, inside the organiser's default quiet hours (21:00-08:00 in their zone, UTC).
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var start = Now;
        await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(start.AddHours(12)) });

        App.Time.Advance(TimeSpan.FromHours(12.5));
        var night = await App.DispatchAsync();
        var waiting = (await App.GetEventAsync(view.Id)).CheckIns[0];
        App.Time.Advance(TimeSpan.FromHours(10.5));
        var morning = await App.DispatchAsync();

        Assert.Equal((0, 1), (night.Sent, night.HeldForQuietHours));
        Assert.Equal((CheckInStatus.Scheduled, "quiet-hours"), (waiting.Status, waiting.Reason));
        Assert.Equal(1, morning.Sent);
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.Equal(start.AddDays(1).AddHours(-1), sent.SentAt);
        Assert.True(sent.Late);
    }

    [Fact]
    public async Task EditedButNotMovedCheckIn_AtNight_GoesOutOnTime()
    {
        var body = Requests.Dinner(Now);
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["at"] = Requests.Local(Now.AddHours(14)), ["message"] = "Goodnight check" },
        };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await PatchAsync(view.Id, new JsonObject { ["checkIns"] = new JsonArray { new JsonObject { ["id"] = view.CheckIns[0].Id, ["message"] = "Sleep well" } } });

        App.Time.Advance(TimeSpan.FromHours(14));
        var report = await App.DispatchAsync();

        Assert.Equal((1, 0), (report.Sent, report.HeldForQuietHours));
        Assert.Equal("Sam via AftercareNudge: Sleep well", Assert.Single(await CheckInsSentAsync()).Body);
    }

    private HttpClient Client() => App.CreateClient(AppFactory.ClientAKey);

    private async Task<string> ETagAsync(string id) =>
        (await Client().GetAsync($"/api/events/{id}", Ct)).Headers.ETag!.ToString();

    private async Task<HttpResponseMessage> PatchAsync(string id, JsonObject body, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{id}") { Content = JsonContent.Create(body, options: AppFactory.Json) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await Client().SendAsync(request, Ct);
    }

    private async Task<IReadOnlyList<OutboxMessage>> CheckInsSentAsync() =>
        (await App.Services.GetRequiredService<OutboxSender>().ListAsync(1000, CancellationToken.None)).Where(m => m.Kind == MessageKinds.CheckIn).ToList();
}

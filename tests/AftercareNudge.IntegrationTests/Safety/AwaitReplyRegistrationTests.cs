using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// Arming a check-in by registering it (<c>checkIns[].awaitReply</c>, with a trusted contact in
/// <c>people[]</c>): the safety net and its ladder are written with the event, the view shows where the net stands
/// (never the duress word), and the trusted contact is sent nothing.
/// </summary>
public sealed class AwaitReplyRegistrationTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string JoPhone = "+447911000222";
    private const string JoEmail = "jo@example.com";
    private const string DuressWord = "pineapple";

    private AppFactory Arming() => UseApp(new AppFactory(Azurite));

    /// <summary>The dinner, its check-in to the organiser armed (PT90M, default grace), Jo the trusted contact by text and email.</summary>
    private JsonObject ArmedDinner()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["phone"] = JoPhone, ["email"] = JoEmail, ["role"] = "trustedContact" });
        body["checkIns"]![0]!["awaitReply"] = new JsonObject
        {
            ["within"] = "PT90M",
            ["escalateTo"] = new JsonArray("jo"),
            ["note"] = "at the Crown on Main St",
            ["duressWord"] = DuressWord,
        };
        return body;
    }

    private Task<HttpResponseMessage> PostAsync(JsonObject body) =>
        App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);

    /// <summary>Issue 23 is done: the app as deployed, with no setting at all, takes <c>awaitReply</c>.</summary>
    [Fact]
    public async Task Register_WithAwaitReply_IsTakenWithNoSetting_AndArmsTheCheckIn_NeverShowingTheDuressWord()
    {
        var response = await PostAsync(ArmedDinner());

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        Assert.Equal("waiting", (string?)JsonNode.Parse(text)!["checkIns"]![0]!["awaitReply"]!["state"]);
        Assert.DoesNotContain(DuressWord, text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Register_WithATrustedContact_ButNoAwaitReply_Is400OnTheirRole()
    {
        var body = ArmedDinner();
        body["checkIns"]![0]!.AsObject().Remove("awaitReply");

        var response = await PostAsync(body);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal(["people[1].role"], JsonNode.Parse(text)!["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task Register_WithAwaitReply_WhenAccepted_Is201_ArmsTheCheckIn_AndMarksTheOrganizersNumber()
    {
        Arming();

        var view = await App.RegisterAsync(ArmedDinner());

        var armed = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn && c.To == "organizer");
        var awaited = await App.Services.GetRequiredService<EventStore>().GetAwaitedAsync(view.Id, armed.Id, Ct);
        Assert.NotNull(awaited);
        Assert.Equal((armed.DueAt, AwaitState.Waiting, TimeSpan.FromMinutes(90), TimeSpan.FromMinutes(10)), (awaited.DueAt, awaited.State, awaited.Net.Within, awaited.Net.Grace));
        Assert.Equal(["jo"], awaited.Net.EscalateTo);
        Assert.Equal(("at the Crown on Main St", DuressWord), (awaited.Net.Note, awaited.Net.DuressWord));

        // The organiser's number knows this check-in waits for their answer; the ladder's reminder does not wait.
        var rows = await App.Services.GetRequiredService<RecipientCheckIns>().ForAddressAsync(Channel.Sms, Sam, Ct);
        Assert.True(rows.Single(r => r.CheckInId == armed.Id).AwaitsReply);
        Assert.False(rows.Single(r => r.CheckInId == SafetyLadder.ReminderId(armed.Id)).AwaitsReply);
    }

    [Fact]
    public async Task Register_Armed_WritesTheLadder_AReminderAfterWithin_AndAnAlertToTheContactAfterGrace()
    {
        Arming();

        var view = await App.GetEventAsync((await App.RegisterAsync(ArmedDinner())).Id);

        var armed = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn && c.To == "organizer");
        var reminder = Assert.Single(view.CheckIns, c => c.Kind == CheckInKind.SafetyReminder);
        var alert = Assert.Single(view.CheckIns, c => c.Kind == CheckInKind.Alert);
        Assert.Equal((SafetyLadder.ReminderId(armed.Id), "organizer", Channel.Sms, armed.DueAt.AddMinutes(90), CheckInStatus.Scheduled, armed.Id), (reminder.Id, reminder.To, reminder.Channel, reminder.DueAt, reminder.Status, reminder.RelatesTo));
        Assert.Equal((SafetyLadder.AlertId(armed.Id, 1), "jo", Channel.Sms, armed.DueAt.AddMinutes(100), CheckInStatus.Scheduled, armed.Id), (alert.Id, alert.To, alert.Channel, alert.DueAt, alert.Status, alert.RelatesTo));

        // Due like any row: the due index holds them at their times.
        var due = await App.Services.GetRequiredService<DueCheckInIndex>().ReadDueAsync(alert.DueAt, Ct).ToListAsync(Ct);
        Assert.Contains(due, d => d.CheckInId == reminder.Id && d.NextAttemptAt == reminder.DueAt);
        Assert.Contains(due, d => d.CheckInId == alert.Id && d.NextAttemptAt == alert.DueAt);
    }

    [Fact]
    public async Task Get_ArmedCheckIn_ShowsItsNetAndState_TheContactsRole_AndNeverTheDuressWord()
    {
        Arming();
        var registered = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", ArmedDinner(), AppFactory.Json, Ct);
        var registeredJson = await registered.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var id = (string)JsonNode.Parse(registeredJson)!["id"]!;

        var json = await App.CreateClient(AppFactory.ClientAKey).GetStringAsync($"/api/events/{id}", Ct);

        var root = JsonNode.Parse(json)!;
        var armed = root["checkIns"]!.AsArray().Single(c => (string?)c!["kind"] == "check-in" && (string?)c["to"] == "organizer")!;
        var answerBy = ((DateTimeOffset)armed["dueAt"]!.GetValue<DateTime>() + TimeSpan.FromMinutes(90)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            JsonNode.Parse($$"""{"within":"PT1H30M","grace":"PT10M","escalateTo":["jo"],"note":"at the Crown on Main St","state":"waiting","answerBy":"{{answerBy}}"}""")!.ToJsonString(),
            armed["awaitReply"]!.ToJsonString());
        Assert.All(root["checkIns"]!.AsArray().Where(c => c != armed), c => Assert.Null(c!["awaitReply"]));
        Assert.Equal(["jo", "trustedContact"], root["people"]!.AsArray().Where(p => p!["role"] is not null).SelectMany(p => new[] { (string)p!["key"]!, (string)p["role"]! }));
        Assert.Null(root["organizer"]!["role"]);

        // Known only to the organiser and the service: in no answer.
        Assert.DoesNotContain(DuressWord, json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(DuressWord, registeredJson, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("duress", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(DuressWord, await App.CreateClient(AppFactory.ClientAKey).GetStringAsync("/api/events", Ct), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_AnsweredCheckIn_ShowsAnsweredAndWhen()
    {
        Arming();
        var view = await App.RegisterAsync(ArmedDinner());
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var armed = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn && c.To == "organizer");
        App.Time.SetUtcNow(armed.DueAt.AddMinutes(5));

        await App.ReplyAsync(Sam, "home, all good");

        var json = JsonNode.Parse(await App.CreateClient(AppFactory.ClientAKey).GetStringAsync($"/api/events/{view.Id}", Ct))!;
        var awaitReply = json["checkIns"]!.AsArray().Single(c => (string?)c!["id"] == armed.Id)!["awaitReply"]!;
        Assert.Equal("answered", (string?)awaitReply["state"]);
        Assert.Equal(App.Time.GetUtcNow(), awaitReply["answeredAt"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task Register_Armed_SendsTheTrustedContactOnlyTheirOwnRequest_AndAsksTheRecipientsAsEver()
    {
        Arming();
        var body = ArmedDinner();
        body["aftercare"] = new JsonObject { ["plan"] = "Tea and a blanket." };

        var view = await App.RegisterAsync(body);

        var outbox = await App.OutboxAsync();
        var toJo = Assert.Single(outbox, m => m.To is JoPhone or JoEmail);
        Assert.Equal((JoPhone, MessageKinds.ConsentRequest), (toJo.To, toJo.Kind));
        Assert.StartsWith("Sam via AftercareNudge: Sam chose you as a trusted contact.", toJo.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Tea and a blanket", toJo.Body, StringComparison.Ordinal);
        Assert.Contains(outbox, m => m.To == Sam);
        Assert.Contains(outbox, m => m.To == "alex@example.com");
        Assert.Equal(["requested"], (await App.LedgerAsync(Channel.Sms, JoPhone)).Select(e => e.Action));
        Assert.Empty(await App.LedgerAsync(Channel.Email, JoEmail));
        // Alex is asked to agree to the plan; Jo is never shown it.
        Assert.Equal(false, view.People.Single(p => p.Key == "alex").AgreedToPlan);
        Assert.Null(view.People.Single(p => p.Key == "jo").AgreedToPlan);
    }

    [Fact]
    public async Task Patch_TheTimesOfAnArmedEvent_MovesTheCheckInItsNetAndItsLadderTogether()
    {
        Arming();
        var view = await App.RegisterAsync(ArmedDinner());
        var armed = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn && c.To == "organizer");
        var before = (await App.GetEventAsync(view.Id)).CheckIns.Where(c => c.Id == armed.Id || c.RelatesTo == armed.Id).Select(c => (c.Id, c.DueAt)).ToList();

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}")
        {
            Content = JsonContent.Create(new JsonObject { ["endsAt"] = Requests.Local(view.EndsAtUtc.AddHours(1)) }),
        };
        var response = await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);

        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal(3, before.Count);
        Assert.Equal(before.Select(b => (b.Id, b.DueAt.AddHours(1))), (await App.GetEventAsync(view.Id)).CheckIns.Where(c => c.Id == armed.Id || c.RelatesTo == armed.Id).Select(c => (c.Id, c.DueAt)));
        Assert.Equal(armed.DueAt.AddHours(1), (await App.Services.GetRequiredService<EventStore>().GetAwaitedAsync(view.Id, armed.Id, Ct))!.DueAt);
    }

    [Fact]
    public async Task Purge_OfACancelledArmedEvent_DeletesItsSafetyNet_NoteAndDuressWordWithIt()
    {
        Arming();
        var view = await App.RegisterAsync(ArmedDinner());
        var armed = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn && c.To == "organizer");
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", Ct)).StatusCode);
        App.Time.Advance(TimeSpan.FromDays(60));

        await using (var scope = App.Services.CreateAsyncScope())
        {
            Assert.Equal(1, (await scope.ServiceProvider.GetRequiredService<AftercareNudge.Privacy.EventPurge>().RunAsync(CancellationToken.None)).Purged);
        }

        var store = App.Services.GetRequiredService<EventStore>();
        Assert.Null(await store.GetAwaitedAsync(view.Id, armed.Id, Ct));
        Assert.Empty((await store.GetRowsAsync(view.Id, Ct))!.Awaited);
        Assert.Null((await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == armed.Id).AwaitReply);
    }

    [Fact]
    public async Task Register_ANoteNamingTheEventsKind_IsAcceptedWithTheLockScreenWarning_AsEverySmsText()
    {
        Arming();
        var body = ArmedDinner();
        body["checkIns"]![0]!["awaitReply"]!["note"] = "first date at the Crown";

        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var view = await AppFactory.ReadEventAsync(response);
        Assert.Equal([LockScreenWarnings.NamesKind], view.Warnings!["checkIns[0].awaitReply.note"]);
    }

    [Fact]
    public async Task DuressWord_IsInNoLogLine_AtAnyLevel_ThroughRegistrationRefusalViewAndAnswer()
    {
        var logs = new LogCollector();
        UseApp(new AppFactory(
            Azurite,
            null,
            services =>
            {
                services.RemoveAll<ILoggerProvider>();
                services.AddSingleton<ILoggerProvider>(logs);
                services.AddLogging(logging => logging.AddFilter((string?)null, LogLevel.Trace).AddFilter("Microsoft", LogLevel.Trace).AddFilter("System", LogLevel.Trace));
            }));
        var refused = ArmedDinner();
        refused["checkIns"]![0]!["awaitReply"]!["duressWord"] = "STOP" + DuressWord;
        refused["checkIns"]![0]!["awaitReply"]!["within"] = "PT13H";
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(refused)).StatusCode);

        var view = await App.RegisterAsync(ArmedDinner());
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await App.GetEventAsync(view.Id);
        App.Time.SetUtcNow(view.CheckIns[0].DueAt.AddMinutes(1));
        await App.ReplyAsync(Sam, "fine thanks");

        Assert.NotEmpty(logs.Entries);
        Assert.DoesNotContain(logs.Entries, e => e.AllText.Contains(DuressWord, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Status_IsScheduledOnceTheRecipientsAgreed_TheLaddersContactPendingOrNot()
    {
        Arming();
        var body = ArmedDinner();
        body["checkIns"]!.AsArray().RemoveAt(1);
        var view = await App.RegisterAsync(body);

        await App.GrantAsync(view, "organizer", Channel.Sms);

        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(EventStatus.Scheduled, after.Status);
        Assert.Equal(AftercareNudge.Consent.ConsentState.Pending, after.People.Single(p => p.Key == "jo").Consent["sms"]);
    }

    [Fact]
    public async Task Patch_TheAftercareOfAnArmedEvent_IsMade_AndTheNetAndLadderStayAsTheyWere()
    {
        Arming();
        var view = await App.RegisterAsync(ArmedDinner());
        var before = (await App.GetEventAsync(view.Id)).CheckIns.Select(c => (c.Id, c.Kind, c.DueAt, c.Status)).ToList();

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}")
        {
            Content = JsonContent.Create(new JsonObject { ["aftercare"] = new JsonObject { ["plan"] = "Tea and a blanket." } }),
        };
        var response = await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal("Tea and a blanket.", after.AftercarePlan);
        Assert.Equal(before, after.CheckIns.Select(c => (c.Id, c.Kind, c.DueAt, c.Status)));
        Assert.Equal(AwaitState.Waiting, after.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn && c.To == "organizer").AwaitReply!.State);
    }
}

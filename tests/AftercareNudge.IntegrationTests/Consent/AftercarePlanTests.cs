using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// The agreed aftercare plan, end to end through the real app and the outbox: registering it, the
/// consent page that shows it, agreeing (with quiet hours), a changed plan asking again, and the
/// reminder email that carries it.
/// </summary>
public sealed class AftercarePlanTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "alex@example.com";
    private const string Plan = "Blankets, water and a quiet hour.\n<b>No phones</b> until morning.";

    /// <summary>The product's example with a plan, both people's needs and a reminder to Alex an hour after the end.</summary>
    private JsonObject DinnerWithPlan()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject
        {
            ["plan"] = Plan,
            ["needs"] = new JsonObject { ["organizer"] = "Ten minutes alone first.", ["alex"] = "A hug and a glass of water." },
            ["reminders"] = new JsonArray { new JsonObject { ["to"] = "alex", ["after"] = "end", ["offset"] = "PT1H" } },
        };
        return body;
    }

    [Fact]
    public async Task Register_WithAPlan_ShowsItAndEveryonesNeeds_AndAlexsEmailWaitsForThePlan()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());

        Assert.Equal(Plan, view.AftercarePlan);
        Assert.Equal("Ten minutes alone first.", view.Organizer.Needs);
        Assert.Null(view.Organizer.AgreedToPlan);
        var alex = view.People.Single(p => p.Key == "alex");
        Assert.Equal("A hug and a glass of water.", alex.Needs);
        Assert.False(alex.AgreedToPlan);
        Assert.Equal(ConsentState.Pending, alex.Consent["email"]);
        var reminder = Assert.Single(view.CheckIns, c => c.Kind == CheckInKind.Reminder);
        Assert.Equal(("alex", Channel.Email, App.Time.GetUtcNow().AddHours(6)), (reminder.To, reminder.Channel, reminder.DueAt));

        var request = Assert.Single(await ConsentEmailsAsync());
        Assert.Contains("The page shows the aftercare plan Sam wrote down", request.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("No phones", request.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsentPage_ShowsThePlanAndWhatTheOrganiserWroteAboutThem_Encoded()
    {
        await App.RegisterAsync(DinnerWithPlan());

        var html = await (await Browser().GetAsync(await ConsentUrlAsync(), Ct)).Content.ReadAsStringAsync(Ct);

        Assert.Contains("<h2>The aftercare plan</h2>", html, StringComparison.Ordinal);
        Assert.Contains("Blankets, water and a quiet hour.<br>&lt;b&gt;No phones&lt;/b&gt; until morning.", html, StringComparison.Ordinal);
        Assert.Contains("<h2>What Sam wrote about you</h2>", html, StringComparison.Ordinal);
        Assert.Contains("A hug and a glass of water.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Ten minutes alone first.", html, StringComparison.Ordinal);
        Assert.Contains("Agreeing means agreeing to this plan as written", html, StringComparison.Ordinal);
        Assert.Contains("name=\"quietFrom\" value=\"21:00\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"quietTo\" value=\"08:00\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsentPage_Agree_RecordsThePlanAsShownAndTheQuietHoursTheyChose()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());

        var response = await PostAsync(await ConsentUrlAsync(), ("decision", "agree"), ("quietFrom", "22:30"), ("quietTo", "07:15"));
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("You agreed to the plan as written.", html, StringComparison.Ordinal);
        Assert.Contains("Your quiet hours are 22:30 to 07:15", html, StringComparison.Ordinal);
        var alex = (await App.GetEventAsync(view.Id)).People.Single(p => p.Key == "alex");
        Assert.Equal(ConsentState.Granted, alex.Consent["email"]);
        Assert.True(alex.AgreedToPlan);
        Assert.Equal("22:30-07:15", alex.QuietHours);
        var granted = Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "granted");
        Assert.Contains("The aftercare plan:\n" + Plan, granted.ShownText, StringComparison.Ordinal);
        Assert.Contains("What Sam wrote about you:\nA hug and a glass of water.", granted.ShownText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsentPage_AgreeWithTheQuietHoursAsShown_KeepsThemAsTheOrganiserSetThem()
    {
        var body = DinnerWithPlan();
        body["people"]![0]!["quietHours"] = new JsonObject { ["from"] = "23:00", ["to"] = "09:00" };
        var view = await App.RegisterAsync(body);
        var url = await ConsentUrlAsync();
        var page = await (await Browser().GetAsync(url, Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("name=\"quietFrom\" value=\"23:00\"", page, StringComparison.Ordinal);

        await PostAsync(url, ("decision", "agree"), ("quietFrom", "23:00"), ("quietTo", "09:00"));

        Assert.Equal("23:00-09:00", (await App.GetEventAsync(view.Id)).People.Single(p => p.Key == "alex").QuietHours);
    }

    [Theory]
    [InlineData("22:00", "22:00")]
    [InlineData("late", "07:00")]
    [InlineData("22:00", "")]
    public async Task ConsentPage_AgreeWithUnreadableQuietHours_Is400AndRecordsNothing(string from, string to)
    {
        var view = await App.RegisterAsync(DinnerWithPlan());

        var response = await PostAsync(await ConsentUrlAsync(), ("decision", "agree"), ("quietFrom", from), ("quietTo", to));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Nothing was recorded.", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var alex = (await App.GetEventAsync(view.Id)).People.Single(p => p.Key == "alex");
        Assert.Equal(ConsentState.Pending, alex.Consent["email"]);
        Assert.Equal("21:00-08:00", alex.QuietHours);
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "granted");
    }

    [Fact]
    public async Task Reminder_WhenDue_CarriesThePlanAndTheAgreedNeeds_UnderANeutralSubject()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await PostAsync(await ConsentUrlAsync(), ("decision", "agree"));

        App.Time.Advance(TimeSpan.FromHours(6));
        var report = await App.DispatchAsync();

        Assert.Equal(1, report.Sent);
        var reminder = Assert.Single(await OutboxAsync(), m => m.Kind == MessageKinds.Reminder);
        Assert.Equal(("email", Alex), (reminder.Channel, reminder.To));
        Assert.Equal("Your plan for Tuesday morning", reminder.Subject);
        Assert.Contains("No phones", reminder.Body, StringComparison.Ordinal);
        Assert.Contains("A hug and a glass of water.", reminder.Body, StringComparison.Ordinal);
        Assert.Contains("Ten minutes alone first.", reminder.Body, StringComparison.Ordinal);
        Assert.Contains(ReminderEmail.NotAnEmergency.Split(". ")[0], reminder.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("Dinner with Alex", reminder.Subject + reminder.Body, StringComparison.Ordinal);
        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Reminder).Status);
    }

    [Fact]
    public async Task Reminder_ToSomeoneWhoDidNotAgreeToThePlan_IsSkipped()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await App.GrantAsync(view, "alex", Channel.Email); // agreed to Sam, but never saw this plan

        App.Time.Advance(TimeSpan.FromHours(6));
        await App.DispatchAsync();

        var reminder = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Reminder);
        Assert.Equal((CheckInStatus.Skipped, "no-consent"), (reminder.Status, reminder.Reason));
        Assert.DoesNotContain(await OutboxAsync(), m => m.Kind == MessageKinds.Reminder);
    }

    [Fact]
    public async Task PlanChangedAfterTheyAgreed_TheyArePendingAgain_TheOldLinkCannotAgree_AndTheyAreAskedAgain()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        var oldUrl = await ConsentUrlAsync();
        await PostAsync(oldUrl, ("decision", "agree"));

        var changed = await ChangePlanAsync(view.Id, "Blankets and water. Call a friend if needed.");

        var alex = (await App.GetEventAsync(view.Id)).People.Single(p => p.Key == "alex");
        Assert.Equal(ConsentState.Pending, alex.Consent["email"]);
        Assert.False(alex.AgreedToPlan);

        var page = await (await Browser().GetAsync(oldUrl, Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("changed the aftercare plan after this email was sent", page, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"decision\"", page, StringComparison.Ordinal);
        var stale = await PostAsync(oldUrl, ("decision", "agree"));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "granted");

        await App.Services.GetRequiredService<ConsentRequests>().RequestForEventAsync(changed.Event, changed.CheckIns, Ct);
        var again = (await ConsentEmailsAsync()).OrderByDescending(m => m.CreatedAt).First(m => m.Body.Contains("changed the aftercare plan", StringComparison.Ordinal));
        var newUrl = PathOf(again.Body);
        Assert.NotEqual(oldUrl, newUrl);
        Assert.Contains("Call a friend if needed.", await (await Browser().GetAsync(newUrl, Ct)).Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        await PostAsync(newUrl, ("decision", "agree"));
        alex = (await App.GetEventAsync(view.Id)).People.Single(p => p.Key == "alex");
        Assert.Equal(ConsentState.Granted, alex.Consent["email"]);
        Assert.True(alex.AgreedToPlan);
        Assert.Equal(2, (await App.LedgerAsync(Channel.Email, Alex)).Count(e => e.Action == "granted"));
    }

    [Fact]
    public async Task PlanChangedAfterTheyAgreed_TheirEmailIsSkippedAsPlanChanged_WhileTheOrganisersTextGoesOut()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await PostAsync(await ConsentUrlAsync(), ("decision", "agree"));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await ChangePlanAsync(view.Id, "Something else entirely.");

        App.Time.Advance(TimeSpan.FromHours(6));
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromHours(14));
        await App.DispatchAsync();

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.Equal((CheckInStatus.Skipped, "plan-changed"), (checkIns.Single(c => c.Kind == CheckInKind.Reminder).Status, checkIns.Single(c => c.Kind == CheckInKind.Reminder).Reason));
        var alexEmail = checkIns.Single(c => c is { Kind: CheckInKind.CheckIn, To: "alex" });
        Assert.Equal((CheckInStatus.Skipped, "plan-changed"), (alexEmail.Status, alexEmail.Reason));
        Assert.Equal(CheckInStatus.Sent, checkIns.Single(c => c is { Kind: CheckInKind.CheckIn, To: "organizer" }).Status);
    }

    [Fact]
    public async Task Patch_ThatChangesThePlan_AsksAgainWithTheNewWords_AndTheReminderMovesWithTheEvent()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await PostAsync(await ConsentUrlAsync(), ("decision", "agree"));
        var reminderBefore = view.CheckIns.Single(c => c.Kind == CheckInKind.Reminder);

        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["endsAt"] = Requests.Local(App.Time.GetUtcNow().AddHours(6)),
            ["aftercare"] = new JsonObject { ["plan"] = "Blankets and water. Call a friend if needed." },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await AppFactory.ReadEventAsync(response);
        Assert.Equal("Blankets and water. Call a friend if needed.", after.AftercarePlan);
        var alex = after.People.Single(p => p.Key == "alex");
        Assert.Equal("A hug and a glass of water.", alex.Needs);
        Assert.False(alex.AgreedToPlan);
        Assert.Equal(ConsentState.Pending, alex.Consent["email"]);
        Assert.Equal(reminderBefore.DueAt.AddHours(1), after.CheckIns.Single(c => c.Kind == CheckInKind.Reminder).DueAt);
        var again = Assert.Single(await ConsentEmailsAsync(), m => m.Body.Contains("changed the aftercare plan", StringComparison.Ordinal));
        var page = await (await Browser().GetAsync(PathOf(again.Body), Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("Call a friend if needed.", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_ThatChangesOnlySomeoneElsesNeeds_KeepsAlexsAgreement_WhichIsToWhatAlexWasShown()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await PostAsync(await ConsentUrlAsync(), ("decision", "agree"));

        var response = await PatchAsync(view.Id, new JsonObject
        {
            ["aftercare"] = new JsonObject { ["needs"] = new JsonObject { ["organizer"] = "Twenty minutes alone first.", ["alex"] = "A hug and a glass of water." } },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await AppFactory.ReadEventAsync(response);
        Assert.Equal("Twenty minutes alone first.", after.Organizer.Needs);
        var alex = after.People.Single(p => p.Key == "alex");
        Assert.True(alex.AgreedToPlan);
        Assert.Equal(ConsentState.Granted, alex.Consent["email"]);
        Assert.Single(await ConsentEmailsAsync());
    }

    [Fact]
    public async Task Patch_ThatOnlyMovesTheEvent_KeepsTheirAgreementToThePlan()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await PostAsync(await ConsentUrlAsync(), ("decision", "agree"));

        var response = await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(App.Time.GetUtcNow().AddHours(6)) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var alex = (await AppFactory.ReadEventAsync(response)).People.Single(p => p.Key == "alex");
        Assert.True(alex.AgreedToPlan);
        Assert.Equal(ConsentState.Granted, alex.Consent["email"]);
        Assert.Single(await ConsentEmailsAsync());
    }

    [Theory]
    [InlineData("""{"aftercare":{"needs":{"jo":"tea"}}}""", "aftercare.needs.jo")]
    [InlineData("""{"aftercare":{"reminders":[]}}""", "aftercare.reminders")]
    public async Task Patch_WithBadAftercare_Is400NamingTheField(string body, string field)
    {
        var view = await App.RegisterAsync(DinnerWithPlan());

        var response = await PatchAsync(view.Id, JsonNode.Parse(body)!.AsObject());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains(field, problem.GetProperty("errors").Deserialize<Dictionary<string, string[]>>(AppFactory.Json)!.Keys);
    }

    [Theory]
    [InlineData("""{"needs":{"jo":"tea"}}""", "aftercare.needs.jo")]
    [InlineData("""{"plan":"x","reminders":[{"to":"jo","after":"end","offset":"PT1H"}]}""", "aftercare.reminders[0].to")]
    [InlineData("""{"reminders":[{"to":"alex","after":"end","offset":"PT1H"}]}""", "aftercare.reminders")]
    [InlineData("""{"plan":"x","reminders":[{"to":"alex","after":"end"}, null]}""", "aftercare.reminders[1]")]
    [InlineData("""{"plan":"x","reminders":[{"to":"alex","at":"2026-11-24T08:00"}]}""", "aftercare.reminders[0]")]
    [InlineData("""{"plan":"x","reminders":[{"to":"alex","after":"middle","offset":"PT1H"}]}""", "aftercare.reminders[0].after")]
    public async Task Register_WithBadAftercare_Is400NamingTheField(string aftercare, string field)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = JsonNode.Parse(aftercare);

        var errors = await RegisterErrorsAsync(body);

        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public async Task Register_WithTooLongAPlanOrNeeds_OrAReminderToSomeoneWithoutEmail_Is400()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["phone"] = "+14155550123" });
        body["aftercare"] = new JsonObject
        {
            ["plan"] = new string('p', AftercarePlan.MaxPlanLength + 1),
            ["needs"] = new JsonObject { ["alex"] = new string('n', AftercarePlan.MaxNeedsLength + 1) },
            ["reminders"] = new JsonArray { new JsonObject { ["to"] = "jo", ["after"] = "end", ["offset"] = "PT1H" } },
        };

        var errors = await RegisterErrorsAsync(body);

        Assert.Contains("aftercare.plan", errors.Keys);
        Assert.Contains("aftercare.needs.alex", errors.Keys);
        Assert.Contains("no email address", Assert.Single(errors["aftercare.reminders[0].to"]), StringComparison.Ordinal);
    }

    private async Task<Dictionary<string, string[]>> RegisterErrorsAsync(JsonObject body)
    {
        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return problem.GetProperty("errors").Deserialize<Dictionary<string, string[]>>(AppFactory.Json)!;
    }

    /// <summary>Changes the stored plan, as an edit of the event will.</summary>
    private async Task<(EventRecord Event, IReadOnlyList<CheckInRecord> CheckIns)> ChangePlanAsync(string eventId, string plan)
    {
        var store = App.Services.GetRequiredService<EventStore>();
        Assert.NotNull(await store.ChangeEventAsync(eventId, e => e with { Plan = plan }, Ct));
        var found = (await store.GetAsync(eventId, Ct))!.Value;
        return (found.Event, found.CheckIns);
    }

    private Task<HttpResponseMessage> PatchAsync(string eventId, JsonObject body) =>
        App.CreateClient(AppFactory.ClientAKey).PatchAsJsonAsync($"/api/events/{eventId}", body, AppFactory.Json, Ct);

    private HttpClient Browser() => ConsentLinks.Browser(App);

    private Task<HttpResponseMessage> PostAsync(string url, params (string Name, string Value)[] fields) => ConsentLinks.PostFormAsync(App, url, fields);

    private Task<IReadOnlyList<OutboxMessage>> OutboxAsync() => ConsentLinks.OutboxAsync(App);

    private Task<IReadOnlyList<OutboxMessage>> ConsentEmailsAsync() => ConsentLinks.ConsentEmailsAsync(App, Alex);

    private Task<string> ConsentUrlAsync() => ConsentLinks.OnlyPathAsync(App, Alex);

    private static string PathOf(string body) => ConsentLinks.PathIn(body);
}

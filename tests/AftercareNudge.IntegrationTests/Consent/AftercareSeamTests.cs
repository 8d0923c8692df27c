using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// Where the aftercare plan meets the other features: withdrawing consent, moving the event, changing
/// its zone, re-asking after a changed plan, and what the organiser hears after a STOP.
/// </summary>
public sealed class AftercareSeamTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "alex@example.com";

    private JsonObject DinnerWithPlan(string reminderTo = "alex", string reminderAfter = "end", string reminderOffset = "PT1H")
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject
        {
            ["plan"] = "Blankets, water and a quiet hour.",
            ["needs"] = new JsonObject { ["alex"] = "A hug and a glass of water." },
            ["reminders"] = new JsonArray { new JsonObject { ["to"] = reminderTo, ["after"] = reminderAfter, ["offset"] = reminderOffset } },
        };
        return body;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SomeonesNeeds_AreSharedInOthersReminders_OnlyWhileTheyAgree(bool declineAfterwards)
    {
        var view = await App.RegisterAsync(DinnerWithPlan(reminderTo: "organizer"));
        await App.GrantAsync(view, "organizer", Channel.Email);
        var url = await ConsentUrlAsync();
        await PostAsync(url, ("decision", "agree"));
        if (declineAfterwards)
        {
            await PostAsync(url, ("decision", "decline"));
        }

        App.Time.Advance(TimeSpan.FromHours(6));
        await App.DispatchAsync();

        var reminder = Assert.Single(await OutboxAsync(), m => m.Kind == MessageKinds.Reminder);
        Assert.Equal("sam@example.com", reminder.To);
        var alex = (await App.GetEventAsync(view.Id)).People.Single();
        if (declineAfterwards)
        {
            Assert.DoesNotContain("A hug and a glass of water.", reminder.Body, StringComparison.Ordinal);
            Assert.False(alex.AgreedToPlan);
        }
        else
        {
            Assert.Contains("A hug and a glass of water.", reminder.Body, StringComparison.Ordinal);
            Assert.True(alex.AgreedToPlan);
        }
    }

    [Fact]
    public async Task Patch_ChangingTheEventsZone_MovesWhoHadNoZoneOfTheirOwn_AndKeepsWhoHadOne()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        Assert.Equal("Etc/UTC", view.Organizer.TimeZone);

        var response = await PatchAsync(view.Id, new JsonObject { ["timeZone"] = "America/New_York" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await AppFactory.ReadEventAsync(response);
        Assert.Equal("America/New_York", after.Organizer.TimeZone);
        Assert.Equal("Europe/London", after.People.Single().TimeZone);
    }

    [Fact]
    public async Task Patch_MovingTheEventEarlier_DropsAReminderThatWouldFallInThePast_InsteadOfRefusingTheMove()
    {
        var view = await App.RegisterAsync(DinnerWithPlan(reminderAfter: "start", reminderOffset: "-PT30M"));

        var response = await PatchAsync(view.Id, new JsonObject { ["startsAt"] = Requests.Local(App.Time.GetUtcNow().AddMinutes(10)) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reminder = (await AppFactory.ReadEventAsync(response)).CheckIns.Single(c => c.Kind == CheckInKind.Reminder);
        Assert.Equal(CheckInStatus.Cancelled, reminder.Status);
    }

    [Fact]
    public async Task Patch_RemovingThePlanAndNeedsWhileRemindersRemain_Is400()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());

        var response = await PatchAsync(view.Id, new JsonObject { ["aftercare"] = new JsonObject { ["plan"] = "", ["needs"] = new JsonObject() } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"aftercare\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangedPlan_IsAskedAboutOnce_TheSafetyNetStaysQuietWhenTheAskWentOut()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await PostAsync(await ConsentUrlAsync(), ("decision", "agree"));

        await PatchAsync(view.Id, new JsonObject { ["aftercare"] = new JsonObject { ["plan"] = "Blankets only." } });
        App.Time.Advance(TimeSpan.FromMinutes(11));
        var tried = await App.Services.GetRequiredService<ConsentRequests>().SendHeldAsync(Ct);

        Assert.True(tried >= 1, "The safety net was not there to try.");
        Assert.Single(await ConsentEmailsAsync(), m => m.Body.Contains("changed the aftercare plan", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ChangedPlan_WhenTheAskRightAfterTheChangeWasLost_TheSafetyNetAsks()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await PostAsync(await ConsentUrlAsync(), ("decision", "agree"));
        await PatchAsync(view.Id, new JsonObject { ["aftercare"] = new JsonObject { ["plan"] = "Blankets only." } });

        // As if the app died after the change was made and before its consent email went out.
        var before = (await ConsentEmailsAsync()).Count;
        await App.Services.GetRequiredService<EventStore>().ChangeEventAsync(
            view.Id, e => e with { People = e.People.Select(p => p with { AskedPlan = null }).ToList() }, Ct);

        App.Time.Advance(TimeSpan.FromMinutes(11));
        await App.Services.GetRequiredService<ConsentRequests>().SendHeldAsync(Ct);

        Assert.Equal(before + 1, (await ConsentEmailsAsync()).Count);
        Assert.Equal(2, (await ConsentEmailsAsync()).Count(m => m.Body.Contains("changed the aftercare plan", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task StopBeforeACheckIn_TheOrganiserIsToldWhenItWouldHaveArrived_NotAtOnce()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "alex", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT1H", ["message"] = "How are you?" },
        };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "alex", Channel.Sms);
        await App.GrantAsync(view, "organizer", Channel.Sms);

        var stop = await App.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from = "+447911123457", body = "STOP" }, Ct);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        var skipped = checkIns.Single(c => c.Kind == CheckInKind.CheckIn);
        Assert.Equal((CheckInStatus.Skipped, "opted-out"), (skipped.Status, skipped.Reason));
        var notice = checkIns.Single(c => c.Kind == CheckInKind.Notice);
        Assert.Equal((skipped.Id, skipped.DueAt, Channel.Sms), (notice.RelatesTo, notice.DueAt, notice.Channel));
        await App.DispatchAsync();
        Assert.DoesNotContain(await OutboxAsync(), m => m.Kind == MessageKinds.Notice);

        App.Time.Advance(TimeSpan.FromHours(6));
        await App.DispatchAsync();

        var sent = Assert.Single(await OutboxAsync(), m => m.Kind == MessageKinds.Notice);
        Assert.Equal("+447911123456", sent.To);
        Assert.Contains("Alex has opted out of texts", sent.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("How are you?", sent.Body, StringComparison.Ordinal);
    }

    private Task<HttpResponseMessage> PatchAsync(string eventId, JsonObject body) =>
        App.CreateClient(AppFactory.ClientAKey).PatchAsJsonAsync($"/api/events/{eventId}", body, AppFactory.Json, Ct);

    private HttpClient Browser() => ConsentLinks.Browser(App);

    private Task<HttpResponseMessage> PostAsync(string url, params (string Name, string Value)[] fields) => ConsentLinks.PostFormAsync(App, url, fields);

    private Task<IReadOnlyList<OutboxMessage>> OutboxAsync() => ConsentLinks.OutboxAsync(App);

    private Task<IReadOnlyList<OutboxMessage>> ConsentEmailsAsync() => ConsentLinks.ConsentEmailsAsync(App, Alex);

    private Task<string> ConsentUrlAsync() => ConsentLinks.OnlyPathAsync(App, Alex);
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>What the recipient did not agree to at this hour waits for morning; what they agreed to goes out on time.</summary>
public sealed class QuietHoursDispatchTests(AzuriteFixture azurite) : AppTest(azurite)
{

    [Fact]
    public async Task LateCheckIn_InsideQuietHours_WaitsForMorning_ThenIsSent()
    {
        // Due 14:30 UTC; the service comes back at 23:00, in the organiser's quiet hours (UTC). Only the
        // organiser's check-in: Alex's, never agreed to, would add a morning notice to the count.
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(14));

        var night = await App.DispatchAsync();
        var waiting = (await App.GetEventAsync(view.Id)).CheckIns[0];
        App.Time.Advance(TimeSpan.FromHours(9) - TimeSpan.FromMinutes(1));
        var beforeMorning = await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(1));
        var morning = await App.DispatchAsync();

        Assert.Equal(1, night.HeldForQuietHours);
        Assert.Equal(CheckInStatus.Scheduled, waiting.Status);
        Assert.Equal("quiet-hours", waiting.Reason);
        Assert.Equal(0, beforeMorning.Sent);
        Assert.Equal(1, morning.Sent);
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.True(sent.Late);
    }

    [Fact]
    public async Task AgreedCheckIn_AtNight_GoesOutOnTime()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["at"] = Requests.Local(App.Time.GetUtcNow().AddHours(14)), ["message"] = "Goodnight check" },
        };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(14));

        var report = await App.DispatchAsync();

        Assert.Equal(1, report.Sent);
        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(view.Id)).CheckIns[0].Status);
    }

    [Fact]
    public async Task Retry_IntoTheRecipientsOwnQuietHours_Waits()
    {
        var sender = new ScriptedSender(SendResult.Transient("twilio-20429", TimeSpan.FromMinutes(30)), SendResult.Sent("SM1"));
        UseApp(new AppFactory(Azurite, configureServices: s => s.AddTransient<ISmsSender>(_ => sender)));
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["quietHours"] = new JsonObject { ["from"] = "14:45", ["to"] = "16:00" };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));

        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(30));
        var retryInQuiet = await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(60));
        var afterQuiet = await App.DispatchAsync();

        Assert.Equal("14:45-16:00", view.Organizer.QuietHours);
        Assert.Equal(1, retryInQuiet.HeldForQuietHours);
        Assert.Equal(1, afterQuiet.Sent);
        Assert.Equal(2, sender.Calls);
    }

    [Fact]
    public async Task Register_BadQuietHours_Is400()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["people"]![0]!["quietHours"] = new JsonObject { ["from"] = "late", ["to"] = "08:00" };

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("people[0].quietHours", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }
}

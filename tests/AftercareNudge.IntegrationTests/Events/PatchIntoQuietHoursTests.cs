using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary>
/// A check-in that a PATCH moves into its recipient's quiet hours will wait for morning: the PATCH's
/// answer and GET say so (<c>reason</c> <c>quiet-hours</c>, <c>waitsUntil</c>), instead of looking
/// <c>scheduled</c> for its due time until it silently waits.
/// </summary>
public sealed class PatchIntoQuietHoursTests(AzuriteFixture azurite) : AppTest(azurite)
{
    // Requests.Dinner, registered at 09:00 UTC: end 14:00; check-in 0 (organizer, sms, zone UTC,
    // default quiet hours 21:00-08:00) 30 minutes after the end.

    private DateTimeOffset Now => App.Time.GetUtcNow();

    [Fact]
    public async Task Patch_MovingACheckInIntoQuietHours_AnswersQuietHoursAndWhenItWillGo_AndGetAgrees()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var start = Now;

        // The end moves to 21:00: the check-in to 21:30, inside the organiser's quiet hours.
        var response = await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(start.AddHours(12)) });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answered = (await AppFactory.ReadEventAsync(response)).CheckIns[0];
        var morning = start.AddHours(23);
        Assert.Equal((CheckInStatus.Scheduled, "quiet-hours"), (answered.Status, answered.Reason));
        Assert.Equal(start.AddHours(12.5), answered.DueAt);
        Assert.Equal(morning, answered.WaitsUntil);
        var got = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal((CheckInStatus.Scheduled, "quiet-hours", morning), (got.Status, got.Reason, got.WaitsUntil));
        var json = await App.CreateClient(AppFactory.ClientAKey).GetFromJsonAsync<JsonObject>($"/api/events/{view.Id}", Ct);
        Assert.Equal(morning, (DateTimeOffset)json!["checkIns"]![0]!["waitsUntil"]!);

        // It does wait, and says the same while it waits, until it goes in the morning.
        App.Time.Advance(TimeSpan.FromHours(12.5));
        var night = await App.DispatchAsync();
        var waiting = (await App.GetEventAsync(view.Id)).CheckIns[0];
        App.Time.Advance(morning - Now);
        var atMorning = await App.DispatchAsync();
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];

        Assert.Equal((0, 1), (night.Sent, night.HeldForQuietHours));
        Assert.Equal((CheckInStatus.Scheduled, "quiet-hours", morning), (waiting.Status, waiting.Reason, waiting.WaitsUntil));
        Assert.Equal(1, atMorning.Sent);
        Assert.Equal((CheckInStatus.Sent, morning), (sent.Status, sent.SentAt));
        Assert.Null(sent.WaitsUntil);
    }

    [Fact]
    public async Task Patch_MovingACheckInOutsideQuietHours_AnswersItGoesAtItsTime()
    {
        var view = await App.RegisterAsync(Requests.Dinner(Now));
        var start = Now;

        var response = await PatchAsync(view.Id, new JsonObject { ["endsAt"] = Requests.Local(start.AddHours(6)) });

        var answered = (await AppFactory.ReadEventAsync(response)).CheckIns[0];
        Assert.Equal((CheckInStatus.Scheduled, null, null), (answered.Status, answered.Reason, answered.WaitsUntil));
        Assert.Equal(start.AddHours(6.5), answered.DueAt);
        var json = await App.CreateClient(AppFactory.ClientAKey).GetFromJsonAsync<JsonObject>($"/api/events/{view.Id}", Ct);
        Assert.False(json!["checkIns"]![0]!.AsObject().ContainsKey("waitsUntil"));
    }

    [Fact]
    public async Task Register_CheckInAgreedForANightHour_DoesNotWait()
    {
        // Agreed to at registration for 23:00: it goes at 23:00 (see QuietHoursDispatchTests), and GET says so.
        var body = Requests.Dinner(Now);
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["at"] = Requests.Local(Now.AddHours(14)), ["message"] = "Goodnight check" },
        };

        var view = await App.RegisterAsync(body);

        Assert.Equal((CheckInStatus.Scheduled, null, null), (view.CheckIns[0].Status, view.CheckIns[0].Reason, view.CheckIns[0].WaitsUntil));
    }

    private async Task<HttpResponseMessage> PatchAsync(string id, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{id}") { Content = JsonContent.Create(body, options: AppFactory.Json) };
        return await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);
    }
}

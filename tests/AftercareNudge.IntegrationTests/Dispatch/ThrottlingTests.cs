using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>
/// A provider's rate refusal (Twilio's 429 / 20429, SendGrid's 429) is about the provider, not the
/// message: tried again after its Retry-After, no try counted, nothing sent twice, and not held for
/// quiet hours (the person agreed to that send at that time; only the provider delayed it).
/// </summary>
public sealed class ThrottlingTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Throttled_IsTriedAgainAfterRetryAfter_WithoutCountingATry_AndSentOnce()
    {
        // One try allowed, and two messages a day (the consent request to Sam, then this check-in): three
        // refusals for the rate would otherwise fail it, or use up the day's quota and hold it until tomorrow.
        var sender = new ScriptedSender(Throttle(), Throttle(), Throttle(), SendResult.Sent("SM1"));
        var view = await DueSmsAsync(sender, new Dictionary<string, string?> { ["Dispatch:MaxAttempts"] = "1", ["Api:Quotas:MessagesPerDay"] = "2" }, Requests.Dinner);
        App.Time.Advance(view.CheckIns[0].DueAt - App.Time.GetUtcNow());

        var first = await App.DispatchAsync();
        var waiting = (await App.GetEventAsync(view.Id)).CheckIns[0];
        var tooSoon = await App.DispatchAsync();
        for (var i = 0; i < 3; i++)
        {
            App.Time.Advance(RetryAfter + TimeSpan.FromSeconds(1));
            await App.DispatchAsync();
        }

        Assert.Equal(1, first.Retrying);
        Assert.Equal(CheckInStatus.Scheduled, waiting.Status);
        Assert.Equal("throttled:twilio-20429", waiting.Reason);
        Assert.Equal(0, tooSoon.Sent + tooSoon.Retrying);
        Assert.Equal(4, sender.Calls);
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.Null(sent.Reason);
        Assert.Equal(1, (await App.Services.GetRequiredService<EventStore>().GetCheckInAsync(view.Id, sent.Id, Ct))!.Attempts);
    }

    [Fact]
    public async Task Throttled_PastTheAgreedMomentAtNight_StillGoes_NotHeldUntilMorning()
    {
        // A check-in agreed for 23:30 UTC, inside the default quiet hours; the provider holds it off 6 minutes.
        var sender = new ScriptedSender(SendResult.Throttle("twilio-20429", TimeSpan.FromMinutes(6)), SendResult.Sent("SM1"));
        var view = await DueSmsAsync(sender, null, now =>
        {
            var body = Requests.Dinner(now);
            body["checkIns"] = new JsonArray
            {
                new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["at"] = Requests.Local(now.AddHours(14.5)), ["message"] = "Goodnight check" },
            };
            return body;
        });
        App.Time.Advance(view.CheckIns[0].DueAt - App.Time.GetUtcNow());

        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(6) + TimeSpan.FromSeconds(1));
        var report = await App.DispatchAsync();

        Assert.Equal((1, 0), (report.Sent, report.HeldForQuietHours));
        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(view.Id)).CheckIns[0].Status);
    }

    [Fact]
    public async Task Throttled_ThroughTheSendQueue_TheRetryGoesBackOnTheQueueAtOnce_AndIsSent()
    {
        var sender = new ScriptedSender(Throttle(), SendResult.Sent("SM1"));
        var view = await DueSmsAsync(sender, null, Requests.Dinner);
        App.Time.Advance(view.CheckIns[0].DueAt - App.Time.GetUtcNow());

        await App.RunTimerAsync("DispatchDueCheckIns");
        await Polling.UntilAsync(() => sender.Calls >= 1, "the send queue to take the check-in");

        // No timer run after this: the retry is already on the queue.
        App.Time.Advance(RetryAfter + TimeSpan.FromSeconds(1));
        var sent = await App.FinishedAsync(view.Id, view.CheckIns[0].Id);

        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.Equal(2, sender.Calls);
    }

    private static SendResult Throttle() => SendResult.Throttle("twilio-20429", RetryAfter);

    /// <summary>The organiser's SMS check-in only, agreed to, sent through <paramref name="sender"/>.</summary>
    private async Task<AftercareNudge.Events.EventView> DueSmsAsync(ScriptedSender sender, Dictionary<string, string?>? settings, Func<DateTimeOffset, JsonObject> registration)
    {
        UseApp(new AppFactory(Azurite, settings, s => s.AddTransient<ISmsSender>(_ => sender)));
        var body = registration(App.Time.GetUtcNow());
        if (body["checkIns"]!.AsArray().Count > 1)
        {
            body["checkIns"]!.AsArray().RemoveAt(1);
        }

        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        return view;
    }
}

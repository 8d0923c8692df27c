using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Replies;

/// <summary>
/// Uma registers an event with Vi and never confirms her own number at first. Vi agreed, so the check-in
/// goes; Vi's answer is kept, not sent to an organiser who agreed to nothing, and passed on the moment
/// Uma confirms a channel, marked with when it was written. Vi is told the truth at each step.
/// </summary>
public sealed class WaitingReplyTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Uma = "+447911123456";
    private const string UmaEmail = "uma@example.com";
    private const string Vi = "+447911123457";
    private const string Words = "not ok. please call";
    private const string SecretA = "client-a-webhook-secret-0123456789abcdef";
    private WebhookReceiver? _receiver;

    protected override AppFactory CreateApp()
    {
        _receiver = WebhookReceiver.StartAsync().GetAwaiter().GetResult();
        return new(Azurite, new Dictionary<string, string?>
        {
            ["Notifications:DeliverAtOnce"] = "false",
            ["Api:Webhooks:clientA:Url"] = _receiver.Url("a").AbsoluteUri,
            ["Api:Webhooks:clientA:Secret"] = SecretA,
        });
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task Reply_ToAnUnconfirmedOrganiser_IsKept_ThenPassedOnWhenTheyConfirm_AndTheWriterIsToldEachTime()
    {
        var view = await SentToViAsync();

        // At once: kept, and why.
        var twiml = await App.ReplyAsync(Vi, Words);
        Assert.Contains("Your reply was kept. Uma has not confirmed their number yet: it is passed on when they do.", twiml, StringComparison.Ordinal);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        var relay = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Relay);
        Assert.Equal((CheckInStatus.Scheduled, "awaiting-organizer"), (relay.Status, relay.Reason));

        // Nothing goes while she has not confirmed, however often the dispatcher runs.
        App.Time.Advance(TimeSpan.FromHours(3));
        await App.DispatchAsync();
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));

        // Uma confirms her number: the reply goes, saying when it was written.
        Assert.Contains("Thanks", await App.ReplyAsync(Uma, "YES"), StringComparison.Ordinal);
        App.Time.Advance(TimeSpan.FromMinutes(2));
        await App.DispatchAsync();
        var sent = Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Equal(Uma, sent.To);
        Assert.StartsWith("AftercareNudge: Vi replied at 14:30 to your 14:30 check-in: \"not ok. please call\"", sent.Body, StringComparison.Ordinal);
        relay = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Relay);
        Assert.Equal(CheckInStatus.Sent, relay.Status);
        Assert.Null(relay.Reason);

        // Later, once: Vi is told it was passed on.
        var told = Assert.Single(await App.OutboxAsync(MessageKinds.ReplyPassedOn));
        Assert.Equal(Vi, told.To);
        Assert.StartsWith("AftercareNudge: Your reply at 14:30 has now been passed on to Uma.", told.Body, StringComparison.Ordinal);
        App.Time.Advance(TimeSpan.FromMinutes(2));
        await App.DispatchAsync();
        Assert.Single(await App.OutboxAsync(MessageKinds.ReplyPassedOn));
        Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Null((await App.GetEventAsync(view.Id)).Warnings);
    }

    [Fact]
    public async Task Registration_WithTextsToOthers_AndAnUnconfirmedOrganiser_WarnsInTheViewAndTellsTheClientOnce()
    {
        var view = await App.RegisterAsync(Plan());

        Assert.Equal([global::AftercareNudge.Replies.ReplyRelays.OrganizerUnconfirmedWarning], view.Warnings!["organizer"]);
        Assert.Equal([global::AftercareNudge.Replies.ReplyRelays.OrganizerUnconfirmedWarning], (await App.GetEventAsync(view.Id)).Warnings!["organizer"]);
        await App.RunTimerAsync("DeliverWebhookNotifications");
        var told = Assert.Single(_receiver!.At("/a"), r => r.Type == "organizer.unconfirmed");
        Assert.Equal(view.Id, told.Data["eventId"]!.GetValue<string>());
        Assert.Equal("organizer", told.Data["personKey"]!.GetValue<string>());

        // Once: a PATCH, a GET and another delivery run tell nothing new.
        await App.GetEventAsync(view.Id);
        await App.RunTimerAsync("DeliverWebhookNotifications");
        Assert.Single(_receiver.At("/a"), r => r.Type == "organizer.unconfirmed");
    }

    [Fact]
    public async Task Reply_ToAnOrganiserWhoConfirmsOnlyTheirEmail_GoesByEmail()
    {
        var view = await SentToViAsync();
        await App.ReplyAsync(Vi, Words);

        await App.GrantAsync(view, "organizer", Channel.Email);
        App.Time.Advance(TimeSpan.FromMinutes(2));
        await App.DispatchAsync();

        var sent = Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Equal(("email", UmaEmail), (sent.Channel, sent.To));
        Assert.Single(await App.OutboxAsync(MessageKinds.ReplyPassedOn));
    }

    [Fact]
    public async Task Reply_KeptForAnOrganiser_IsNeverPassedOn_WhenItsWriterWasErasedMeanwhile()
    {
        var view = await SentToViAsync();
        await App.ReplyAsync(Vi, Words);
        var erased = await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/people/{Uri.EscapeDataString(Vi)}", Ct);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);

        await App.ReplyAsync(Uma, "YES");
        App.Time.Advance(TimeSpan.FromMinutes(2));
        await App.DispatchAsync();

        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Empty(await App.OutboxAsync(MessageKinds.ReplyPassedOn));
        Assert.DoesNotContain((await App.GetEventAsync(view.Id)).CheckIns, c => c.Kind == CheckInKind.Relay && c.Status == CheckInStatus.Sent);
    }

    [Fact]
    public async Task Purge_OfAnEventWhoseReplyStillWaits_IsNotHeldUp_AndTheReplyIsNeverPassedOn()
    {
        var view = await SentToViAsync();
        await App.ReplyAsync(Vi, Words);

        App.Time.Advance(TimeSpan.FromDays(31));
        await App.RunTimerAsync("PurgeExpiredData");

        var purged = await App.GetEventAsync(view.Id);
        Assert.True(purged.Purged);
        var relay = purged.CheckIns.Single(c => c.Kind == CheckInKind.Relay);
        Assert.Equal((CheckInStatus.Cancelled, "reply-erased"), (relay.Status, relay.Reason));
        await App.ReplyAsync(Uma, "YES");
        App.Time.Advance(TimeSpan.FromMinutes(2));
        await App.DispatchAsync();
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
    }

    private static JsonObject Plan()
    {
        var body = Requests.Dinner(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));
        body["organizer"] = new JsonObject { ["name"] = "Uma", ["phone"] = Uma, ["email"] = UmaEmail };
        body["people"] = new JsonArray { new JsonObject { ["key"] = "vi", ["name"] = "Vi", ["phone"] = Vi } };
        body["checkIns"] = new JsonArray { new JsonObject { ["to"] = "vi", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = "How are you?" } };
        return body;
    }

    /// <summary>Vi agreed and got the 14:30 check-in; Uma has confirmed nothing.</summary>
    private async Task<EventView> SentToViAsync()
    {
        var view = await App.RegisterAsync(Plan());
        await App.GrantAsync(view, "vi", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        Assert.Equal(1, (await App.DispatchAsync()).Sent);
        return view;
    }
}

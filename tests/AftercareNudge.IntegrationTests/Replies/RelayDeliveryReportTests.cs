using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Replies;

/// <summary>
/// A relayed reply is a message like any other: Twilio's status callback and SendGrid's events for it
/// come back naming the relay (<c>rl-&lt;message id&gt;</c>), and are applied to it, so GET tells the
/// organiser's side the truth about whether the reply reached them.
/// </summary>
public sealed class RelayDeliveryReportTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "+447911123457";
    private const string CheckInSid = "SM0123456789abcdef0123456789abcdef";
    /// <summary>What the provider answers a relay with: a Twilio SID, or (SendGrid) the X-Message-Id.</summary>
    private const string RelaySid = "SMfedcba9876543210fedcba9876543210";
    private readonly ECDsa _sendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly ScriptedSender _sender = new(SendResult.Sent(CheckInSid)) { RelayScript = [SendResult.Sent(RelaySid)] };

    protected override AppFactory CreateApp() => AppFactory.WithProviders(
        Azurite,
        () => _sender,
        new Dictionary<string, string?> { ["SendGrid:EventWebhookPublicKey"] = SendGridWebhook.PublicKey(_sendGridKey) });

    public override async ValueTask DisposeAsync()
    {
        _sendGridKey.Dispose();
        await base.DisposeAsync();
    }

    [Theory]
    [InlineData("delivered", "", CheckInStatus.Delivered, null)]
    [InlineData("undelivered", "30003", CheckInStatus.Failed, "twilio-30003")]
    public async Task TwilioStatusCallback_ForASmsRelay_IsAppliedToTheRelay(string messageStatus, string errorCode, CheckInStatus status, string? reason)
    {
        var (view, relay) = await RelayedAsync(Channel.Sms);
        var callback = TwilioSmsClient.StatusCallbackUrl(
            new PublicOptions { BaseUrl = new Uri(AppFactory.PublicBaseUrl) },
            Assert.IsType<SmsMessage>(Assert.Single(_sender.Relays)));
        var form = new Dictionary<string, string> { ["MessageSid"] = RelaySid, ["MessageStatus"] = messageStatus };
        if (errorCode.Length > 0)
        {
            form["ErrorCode"] = errorCode;
        }

        using var request = TwilioWebhook.Request(callback.PathAndQuery, form, callback.AbsoluteUri);
        var response = await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await RelayViewAsync(view.Id);
        Assert.Equal((relay.Id, status, reason), (after.Id, after.Status, after.Reason));
    }

    [Theory]
    [InlineData("delivered", CheckInStatus.Delivered, null)]
    [InlineData("dropped", CheckInStatus.Failed, "dropped")]
    public async Task SendGridEvent_ForAnEmailRelay_IsAppliedToTheRelay(string kind, CheckInStatus status, string? reason)
    {
        var (view, relay) = await RelayedAsync(Channel.Email);
        var email = Assert.IsType<EmailMessage>(Assert.Single(_sender.Relays));
        var item = new JsonObject
        {
            ["email"] = email.To,
            ["timestamp"] = App.Time.GetUtcNow().ToUnixTimeSeconds(),
            ["event"] = kind,
            ["sg_event_id"] = "sg-relay-" + kind,
            ["sg_message_id"] = RelaySid + ".filter0001.16648.5515E0B88.0",
            ["kind"] = email.Kind,
            ["eventId"] = email.EventId,
            ["checkInId"] = email.CheckInId,
        };

        using var request = SendGridWebhook.Request(new JsonArray(item).ToJsonString(), _sendGridKey, App.Time.GetUtcNow());
        var response = await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await RelayViewAsync(view.Id);
        Assert.Equal((relay.Id, status, reason), (after.Id, after.Status, after.Reason));
    }

    /// <summary>Alex's reply to a text check-in, passed on to Sam on <paramref name="repliesBy"/> and sent.</summary>
    private async Task<(EventView View, CheckInView Relay)> RelayedAsync(Channel repliesBy)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "alex", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = "How are you doing?" },
        };
        body["organizer"]!["repliesBy"] = repliesBy == Channel.Sms ? "sms" : "email";
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "alex", Channel.Sms);
        await App.GrantAsync(view, "organizer", repliesBy);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        Assert.Equal(1, (await App.DispatchAsync()).Sent);

        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Alex, "can you call me", "SM00000000000000000000000000000020", null), CancellationToken.None);

        var relay = await RelayViewAsync(view.Id);
        Assert.Equal((CheckInStatus.Sent, repliesBy), (relay.Status, relay.Channel));
        return (view, relay);
    }

    private async Task<CheckInView> RelayViewAsync(string eventId) =>
        (await App.GetEventAsync(eventId)).CheckIns.Single(c => c.Kind == CheckInKind.Relay);
}

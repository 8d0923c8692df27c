using System.Net;
using System.Reflection;
using System.Text;
using AftercareNudge.Consent;
using AftercareNudge.Notifications;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Tests.Notifications;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// Client webhooks: the notification types, the ids (a hash of the fact: see HashesPinnedTests), the
/// outbox rows, and the signed POST a client's app receives (headers, body, signature).
/// </remarks>
public sealed class NotificationFormatsPinnedTests
{
    private const string Secret = "a-long-random-secret-of-32-chars-at-least";

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void NotificationTypes_AreThese()
    {
        var types = typeof(NotificationTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => f.Name + "=" + f.GetRawConstantValue());

        Assert.Equal(
            [
                "ReplyReceived=reply.received",
                "ConsentGranted=consent.granted",
                "ConsentDeclined=consent.declined",
                "ConsentOptedOut=consent.opted-out",
                "ConsentOptedIn=consent.opted-in",
                "AddressUndeliverable=address.undeliverable",
                "OrganizerUnconfirmed=organizer.unconfirmed",
                "CheckInSent=checkin.sent",
                "CheckInDelivered=checkin.delivered",
                "CheckInFailed=checkin.failed",
                "CheckInSkipped=checkin.skipped",
                "CheckInAnswered=checkin.answered",
                "CheckInMissed=checkin.missed",
                "EscalationSent=escalation.sent",
                "EscalationCleared=escalation.cleared",
                "EscalationFailed=escalation.failed",
                "EscalationContactLeft=escalation.contact-left",
            ],
            types);
        Assert.Equal(
            [null, null, "checkin.sent", "checkin.delivered", "checkin.failed", "checkin.skipped", null],
            Enum.GetValues<CheckInStatus>().Select(NotificationTypes.ForCheckIn));
        Assert.Equal(
            [null, "consent.granted", "consent.declined", "consent.opted-out", null, "address.undeliverable"],
            Enum.GetValues<ConsentState>().Select(NotificationTypes.ForConsent));
        Assert.Equal(
            ["checkin.answered", "checkin.missed", "escalation.sent", "escalation.cleared", "escalation.failed", "escalation.contact-left"],
            Enum.GetValues<SafetyNetChange>().Select(NotificationTypes.ForSafetyNet));
    }

    [Fact]
    public void WebhookNotifications_DeliveryStates_AreThese()
    {
        Assert.Equal(["pending", "delivered", "gave-up"], [WebhookNotifications.Pending, WebhookNotifications.Delivered, WebhookNotifications.GaveUp]);
    }

    [Fact]
    public async Task WebhookNotifications_ACheckInFinished_IsARowOfTheClientNamedByTheFactsId()
    {
        var app = new PinnedApp();
        var notifications = Notifications(app);
        var sent = PinnedApp.CheckIn() with { Status = CheckInStatus.Failed, Reason = "twilio-30003", Kind = CheckInKind.Reminder };

        await notifications.CheckInFinishedAsync(sent, PinnedApp.ClientId, Token);

        Assert.Equal(WebhookNotifications.IdOf("checkin.failed", PinnedApp.EventId + "\n" + PinnedApp.CheckInId + "\nfailed"), Assert.Single(app.Storage.Rows(AppTables.WebhookNotifications)).RowKey);
        Assert.Equal("""
            clientA|ntf_daba50943652b465c6329a24cdf92601
            Attempts=0
            Channel=Sms
            CheckInId=ci_89abcdef0123456789abcdef
            CreatedAt=2026-12-05T14:00:00.0000000Z
            Delivery=pending
            EventId=ev_0123456789abcdef01234567
            Kind=reminder
            NextAttemptAt=2026-12-05T14:00:00.0000000Z
            PersonKey=zoe
            Reason=twilio-30003
            Status=failed
            Type=checkin.failed
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.WebhookNotifications)));
    }

    [Fact]
    public async Task WebhookNotifications_OtherFacts_AreNamedByTheseIds()
    {
        var app = new PinnedApp();
        var notifications = Notifications(app);
        await app.StoreAsync(PinnedApp.Event, PinnedApp.CheckIn());
        await app.AddressIndex().AddAsync(PinnedApp.Event, Token);

        await notifications.OrganizerUnconfirmedAsync(PinnedApp.Event, Token);
        await notifications.ReplyReceivedAsync(PinnedApp.CheckIn(), PinnedApp.MessageSid, Token);
        await notifications.ConsentChangedAsync(Channel.Sms, PinnedApp.Phone, PinnedApp.OrganizerId, NotificationTypes.ConsentGranted, "sms:SMyes", Token);

        Assert.Equal("""
            clientA|ntf_7cc17e536d1e11dcf5a386e3b2b0d714
            Attempts=0
            Channel=Sms
            CreatedAt=2026-12-05T14:00:00.0000000Z
            Delivery=pending
            EventId=ev_0123456789abcdef01234567
            NextAttemptAt=2026-12-05T14:00:00.0000000Z
            PersonKey=zoe
            Status=granted
            Type=consent.granted

            clientA|ntf_8327a2464082ec70cae33cb86a83cccd
            Attempts=0
            Channel=Sms
            CreatedAt=2026-12-05T14:00:00.0000000Z
            Delivery=pending
            EventId=ev_0123456789abcdef01234567
            NextAttemptAt=2026-12-05T14:00:00.0000000Z
            PersonKey=organizer
            Reason=replies-kept-until-confirmed
            Type=organizer.unconfirmed

            clientA|ntf_a16e251e9f31d854b4d59d03cd84f699
            Attempts=0
            Channel=Sms
            CheckInId=ci_89abcdef0123456789abcdef
            CreatedAt=2026-12-05T14:00:00.0000000Z
            Delivery=pending
            EventId=ev_0123456789abcdef01234567
            NextAttemptAt=2026-12-05T14:00:00.0000000Z
            PersonKey=zoe
            ReplyId=SM0123456789abcdef0123456789abcdef
            Type=reply.received
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.WebhookNotifications)));
    }

    [Fact]
    public async Task WebhookDelivery_ThePost_IsSignedJsonWithTheseHeadersAndBody()
    {
        var app = new PinnedApp();
        var notifications = Notifications(app);
        await app.StoreAsync(PinnedApp.Event, PinnedApp.CheckIn());
        await app.Events.AddReplyAsync(PinnedApp.EventId, new CheckInReply(PinnedApp.CheckInId, "On my way — Zoé <3", PinnedApp.Now), PinnedApp.MessageSid, Token);
        await notifications.ReplyReceivedAsync(PinnedApp.CheckIn(), PinnedApp.MessageSid, Token);
        var receiver = new Receiver();

        var report = await new WebhookDelivery(app.Tables, app.Events, receiver, Options(), app.Time, NullLogger<WebhookDelivery>.Instance).RunAsync(Token);

        Assert.Equal(1, report.Delivered);
        Assert.Equal("""
            POST https://app.example.com/hooks/aftercare
            Content-Type: application/json; charset=utf-8
            webhook-id: ntf_a16e251e9f31d854b4d59d03cd84f699
            webhook-signature: v1,UIrdq/xjfzNjs5bdg/HGXHJbWwTjnz5fWo8KbVy2h7o=
            webhook-timestamp: 1796479200

            {"id":"ntf_a16e251e9f31d854b4d59d03cd84f699","type":"reply.received","createdAt":"2026-12-05T14:00:00Z","data":{"eventId":"ev_0123456789abcdef01234567","checkInId":"ci_89abcdef0123456789abcdef","personKey":"zoe","channel":"sms","text":"On my way \u2014 Zo\u00E9 \u003C3"}}
            """, receiver.Received!);
        Assert.Equal("""
            clientA|ntf_a16e251e9f31d854b4d59d03cd84f699
            Attempts=1
            Channel=Sms
            CheckInId=ci_89abcdef0123456789abcdef
            CreatedAt=2026-12-05T14:00:00.0000000Z
            Delivery=delivered
            DoneAt=2026-12-05T14:00:00.0000000Z
            EventId=ev_0123456789abcdef01234567
            ExpiresAt=2026-12-12T14:00:00.0000000Z
            LastAttemptAt=2026-12-05T14:00:00.0000000Z
            LastResult=204
            NextAttemptAt=2026-12-05T14:01:00.0000000Z
            PersonKey=zoe
            ReplyId=SM0123456789abcdef0123456789abcdef
            Type=reply.received
            """, PinnedApp.Dump(app.Storage.Rows(AppTables.WebhookNotifications)));
    }

    [Fact]
    public void WebhookSignature_IsV1AndTheBase64HmacOfIdTimestampAndBody()
    {
        var body = Encoding.UTF8.GetBytes("{\"id\":\"ntf_1\",\"text\":\"Zoé\"}");

        Assert.Equal(["webhook-id", "webhook-timestamp", "webhook-signature", "whsec_"], [WebhookSignature.IdHeader, WebhookSignature.TimestampHeader, WebhookSignature.SignatureHeader, WebhookSignature.SecretPrefix]);
        Assert.Equal("v1,ziF46TlzYHCjLn4hstL6yhtGL1zyDV5gRwRfHdsp7fs=", WebhookSignature.Sign(WebhookSignature.KeyOf(Secret)!, "ntf_1", 1796479200, body));
        Assert.Equal("v1,wDivrFM4y0nJkfsMjelkrtOhCxQP3/JFOO0qZ1fRwRk=", WebhookSignature.Sign(WebhookSignature.KeyOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!, "ntf_1", 1796479200, body));
    }

    private static IOptions<WebhookOptions> Options()
    {
        var options = new WebhookOptions();
        options.Configured[PinnedApp.ClientId] = ("https://app.example.com/hooks/aftercare", Secret);
        return Microsoft.Extensions.Options.Options.Create(options);
    }

    private static WebhookNotifications Notifications(PinnedApp app) =>
        new(app.Tables, app.Events, app.AddressIndex(), app.Recipients, Options(), app.Time, NullLogger<WebhookNotifications>.Instance);

    /// <summary>The client's app: keeps the one request it gets (method, URL, headers, body) and answers 204.</summary>
    private sealed class Receiver : DelegatingHandler, IHttpClientFactory
    {
        public string? Received { get; private set; }

        public HttpClient CreateClient(string name) => new(this, disposeHandler: false);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var headers = request.Headers.Concat(request.Content!.Headers)
                .Select(h => h.Key + ": " + string.Join(",", h.Value))
                .Order(StringComparer.Ordinal);
            Received = request.Method + " " + request.RequestUri + "\n" + string.Join("\n", headers) + "\n\n" + await request.Content.ReadAsStringAsync(cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.NoContent);
        }
    }
}

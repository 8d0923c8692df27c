using System.Net;
using System.Reflection;
using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Email;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.RateLimiting;

namespace AftercareNudge.Tests.Messaging;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// Message kinds, what goes to the providers and comes back from them (Twilio's status callback URL,
/// SendGrid's mail with our custom args and unsubscribe headers), the links in emails, the
/// development outbox's rows, and the reasons a provider's answer is stored as (kept with their
/// prefix, <c>twilio-…</c> and <c>sendgrid-…</c>, outside CheckInReasons by design).
/// </remarks>
public sealed class MessagingFormatsPinnedTests
{
    private static readonly Uri BaseUrl = new("https://aftercare.example.org/");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void MessageKinds_AreThese()
    {
        var kinds = typeof(MessageKinds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => f.Name + "=" + f.GetRawConstantValue());

        Assert.Equal(
            [
                "CheckIn=check-in",
                "ConsentRequest=consent-request",
                "ConsentReply=consent-reply",
                "Reminder=reminder",
                "Fallback=fallback",
                "Notice=notice",
                "Relay=relay",
                "ReplyPassedOn=reply-passed-on",
                "SafetyReminder=safety-reminder",
                "Alert=alert",
                "AllClear=all-clear",
                "SafetyCancelled=safety-cancelled",
            ],
            kinds);
    }

    [Fact]
    public void TwilioStatusCallbackUrl_NamesTheEventAndCheckInInItsQuery()
    {
        var options = new PublicOptions { BaseUrl = BaseUrl };

        Assert.Equal(
            "https://aftercare.example.org/api/twilio/status?eventId=ev_0123456789abcdef01234567&checkInId=ci_89abcdef0123456789abcdef-nt",
            TwilioSmsClient.StatusCallbackUrl(options, new SmsMessage(PinnedApp.Phone, "Hi", MessageKinds.Notice, PinnedApp.EventId, PinnedApp.CheckInId + "-nt")).AbsoluteUri);
        Assert.Equal(
            "https://aftercare.example.org/api/twilio/status",
            TwilioSmsClient.StatusCallbackUrl(options, new SmsMessage(PinnedApp.Phone, "Hi", MessageKinds.ConsentRequest, null, null)).AbsoluteUri);
    }

    [Fact]
    public async Task Links_ConsentAndUnsubscribePages_AreTheseRoutesAndATokenOf43Characters()
    {
        var app = new PinnedApp();
        var inner = new RecordingSender();
        var links = new UnsubscribeLinks(inner, app.LinkTokens(), Options.Create(new PublicOptions { BaseUrl = BaseUrl }), app.Time);

        await links.SendAsync(new EmailMessage(PinnedApp.Email, "Zoé", "Subject", "Text", "<p>Html</p>", MessageKinds.CheckIn, PinnedApp.EventId, PinnedApp.CheckInId), Token);

        Assert.Equal(["api/consent/", "api/unsubscribe/"], [ConsentRequests.PageRoute, UnsubscribeLinks.Route]);
        var sent = Assert.IsType<EmailMessage>(Assert.Single(inner.Sent));
        Assert.Matches("^https://aftercare\\.example\\.org/api/unsubscribe/[A-Za-z0-9_-]{43}$", sent.UnsubscribeUrl!.AbsoluteUri);
        Assert.EndsWith("\n\nTo stop every email from AftercareNudge: " + sent.UnsubscribeUrl.AbsoluteUri, sent.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void SendGridMail_TheMailSendGridGets_CarriesOurKindIdsAndTheOneClickHeaders()
    {
        var message = new EmailMessage(
            PinnedApp.Email,
            "Zoé",
            "Subject",
            "Text",
            "<p>Html</p>",
            MessageKinds.Fallback,
            PinnedApp.EventId,
            PinnedApp.CheckInId + "-fb",
            new Uri("https://aftercare.example.org/api/unsubscribe/token"));

        var mail = SendGridMail.Build(message, new System.Net.Mail.MailAddress("AftercareNudge <care@example.com>"));

        Assert.Equal("{\"from\":{\"name\":\"AftercareNudge\",\"email\":\"care@example.com\"},\"personalizations\":[{\"to\":[{\"name\":\"Zoé\",\"email\":\"zoé@example.com\"}],\"subject\":\"Subject\",\"headers\":{\"List-Unsubscribe\":\"\\u003chttps://aftercare.example.org/api/unsubscribe/token\\u003e\",\"List-Unsubscribe-Post\":\"List-Unsubscribe=One-Click\"},\"custom_args\":{\"kind\":\"fallback\",\"eventId\":\"ev_0123456789abcdef01234567\",\"checkInId\":\"ci_89abcdef0123456789abcdef-fb\"}}],\"content\":[{\"type\":\"text/plain\",\"value\":\"Text\"},{\"type\":\"text/html\",\"value\":\"\\u003cp\\u003eHtml\\u003c/p\\u003e\"}],\"tracking_settings\":{\"click_tracking\":{\"enable\":false,\"enable_text\":false},\"open_tracking\":{\"enable\":false}}}", mail.Serialize());
    }

    [Fact]
    public async Task Outbox_AMessage_IsARowOfPartitionOutbox_KeyedByInvertedTicksAndTwelveHexDigits()
    {
        var app = new PinnedApp();
        var outbox = new OutboxSender(app.Tables, app.Time, NullLogger<OutboxSender>.Instance);

        var sms = await outbox.SendAsync(new SmsMessage(PinnedApp.Phone, "Home safe?", MessageKinds.CheckIn, PinnedApp.EventId, PinnedApp.CheckInId), Token);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await outbox.SendAsync(new EmailMessage(PinnedApp.Email, "Zoé", "Subject", "Text", "<p>Html</p>", MessageKinds.Reminder, PinnedApp.EventId, null), Token);

        var rows = app.Storage.Rows(AppTables.DevOutbox);
        Assert.All(rows, r => Assert.Matches("^[0-9]{19}-[0-9a-f]{12}$", r.RowKey));
        Assert.Equal("outbox-" + rows[1].RowKey, sms.ProviderMessageId);
        Assert.Equal("""
            outbox|2516058215989999999-…
            Body=Text
            Channel=email
            CreatedAt=2026-12-05T14:00:01.0000000Z
            EventId=ev_0123456789abcdef01234567
            Html=<p>Html</p>
            Kind=reminder
            Subject=Subject
            To=zoé@example.com

            outbox|2516058215999999999-…
            Body=Home safe?
            Channel=sms
            CheckInId=ci_89abcdef0123456789abcdef
            CreatedAt=2026-12-05T14:00:00.0000000Z
            EventId=ev_0123456789abcdef01234567
            Kind=check-in
            To=+447911123456
            """, string.Join("\n\n", rows.Select(r => r.PartitionKey + "|" + r.RowKey[..19] + "-…\n" + PinnedApp.Columns(r))));
    }

    [Fact]
    public void TwilioErrors_ACodeOrStatus_IsStoredAsTheseReasons()
    {
        (int Status, int? Code)[] answers =
        [
            (429, 20429), (400, 30003), (400, 30008), (400, 21611), (400, 30001), (400, 21610), (400, 21211), (400, 21614), (400, 21408),
            (401, 20003), (400, 30004), (400, 30005), (400, 30006), (400, 30007), (400, 30029), (400, 30030), (400, 12345), (429, 12345),
            (503, 12345), (429, null), (503, null), (400, null), (404, null),
        ];

        Assert.Equal("""
            429 20429 Transient (throttled) twilio-20429
            400 30003 Transient twilio-30003
            400 30008 Transient twilio-30008
            400 21611 Transient twilio-21611
            400 30001 Transient twilio-30001
            400 21610 OptedOut twilio-21610
            400 21211 Permanent twilio-21211
            400 21614 Permanent twilio-21614
            400 21408 Permanent twilio-21408
            401 20003 Permanent twilio-20003
            400 30004 Permanent twilio-30004
            400 30005 Permanent twilio-30005
            400 30006 Permanent twilio-30006
            400 30007 Permanent twilio-30007
            400 30029 Permanent twilio-30029-turn-off-Twilio:RedactMessageBodies
            400 30030 Permanent twilio-30030-turn-off-Twilio:RedactPhoneNumbers
            400 12345 Permanent twilio-12345
            429 12345 Transient (throttled) twilio-12345
            503 12345 Ambiguous twilio-http-503
            429  Transient (throttled) twilio-http-429
            503  Ambiguous twilio-http-503
            400  Permanent twilio-http-400
            404  Permanent twilio-http-404
            """, string.Join("\n", answers.Select(a => a.Status + " " + a.Code + " " + Describe(TwilioErrors.Classify(a.Status, a.Code, null)))));
    }

    [Fact]
    public async Task TwilioSmsClient_NoAnswer_IsStoredAsTheseReasons()
    {
        Exception[] failures =
        [
            new TaskCanceledException("HttpClient.Timeout", new TimeoutException()),
            new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"),
            new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."),
            new BrokenCircuitException("The circuit is now open"),
            new RateLimiterRejectedException(TimeSpan.FromSeconds(1)),
        ];
        var reasons = new List<string>();
        foreach (var failure in failures)
        {
            var client = new TwilioSmsClient(
                new Network(failure),
                Options.Create(new TwilioOptions { AccountSid = "AC0123456789abcdef0123456789abcdef", AuthToken = "token", From = "+15005550006", BaseUrl = new Uri("https://api.twilio.test") }),
                Options.Create(new PublicOptions { BaseUrl = BaseUrl }),
                TimeProvider.System,
                NullLogger<TwilioSmsClient>.Instance);
            reasons.Add(Describe(await client.SendAsync(new SmsMessage(PinnedApp.Phone, "Hi", MessageKinds.CheckIn, null, null), Token)));
        }

        Assert.Equal("""
            Ambiguous twilio-timeout
            Transient twilio-connect-failed
            Ambiguous twilio-connection-lost
            Transient twilio-circuit-open
            Transient (throttled) twilio-local-limit
            """, string.Join("\n", reasons));
    }

    [Fact]
    public async Task SendGridEmailSender_AnswersAndNoAnswer_AreStoredAsTheseReasons()
    {
        object[] answers =
        [
            HttpStatusCode.BadRequest,
            HttpStatusCode.Unauthorized,
            HttpStatusCode.TooManyRequests,
            HttpStatusCode.ServiceUnavailable,
            new TaskCanceledException("HttpClient.Timeout", new TimeoutException()),
            new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused"),
            new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely."),
            new BrokenCircuitException("The circuit is now open"),
            new RateLimiterRejectedException(TimeSpan.FromSeconds(1)),
        ];
        var reasons = new List<string>();
        foreach (var answer in answers)
        {
            using var network = new Network(answer);
            using var http = new HttpClient(network, disposeHandler: false);
            var sender = new SendGridEmailSender(
                http,
                Options.Create(new SendGridOptions { ApiKey = "SG.key", From = "care@example.com", BaseUrl = new Uri("https://sendgrid.test") }),
                TimeProvider.System,
                NullLogger<SendGridEmailSender>.Instance);
            reasons.Add(Describe(await sender.SendAsync(new EmailMessage(PinnedApp.Email, null, "Subject", "Text", "<p>Html</p>", MessageKinds.CheckIn, null, null), Token)));
        }

        Assert.Equal("""
            Permanent sendgrid-http-400
            Permanent sendgrid-http-401
            Transient (throttled) sendgrid-http-429
            Ambiguous sendgrid-http-503
            Ambiguous sendgrid-timeout
            Transient sendgrid-connect-failed
            Ambiguous sendgrid-connection-failed
            Transient sendgrid-circuit-open
            Transient sendgrid-rejected-locally
            """, string.Join("\n", reasons));
    }

    private static string Describe(SendResult result) => result.Outcome + (result.Throttled ? " (throttled) " : " ") + result.Reason;

    /// <summary>The network: throws the exception it was given, or answers with the status.</summary>
    private sealed class Network(object answer) : HttpMessageHandler, IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(new TwilioBaseUrlHandler(new Uri("https://api.twilio.test")) { InnerHandler = this }, disposeHandler: false);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => answer switch
        {
            Exception e => Task.FromException<HttpResponseMessage>(e),
            HttpStatusCode status => Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent("{}") }),
            _ => throw new InvalidOperationException(),
        };
    }
}

using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>
/// What happens when a message does not arrive: the check-in goes out once on its other channel (a
/// fallback), or the organiser is told once (a notice), whether the failure shows at send time or in a
/// delivery report (Twilio's status callback, SendGrid's events), however often and in whatever order
/// the reports come.
/// </summary>
public sealed class DeliveryFollowUpTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sid = "SM0123456789abcdef0123456789abcdef";
    private const string Message = "Thinking of you. How are you doing?";
    private const string SamPhone = "+447911123456";
    private const string AlexPhone = "+447911123457";
    private const string AlexEmail = "alex@example.com";
    private readonly ECDsa _sendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private ScriptedSender _sender = new(SendResult.Sent(Sid));
    protected override AppFactory CreateApp() => AppFactory.WithProviders(
        Azurite,
        () => _sender,
        new Dictionary<string, string?> { ["SendGrid:EventWebhookPublicKey"] = SendGridWebhook.PublicKey(_sendGridKey) });

    public override async ValueTask DisposeAsync()
    {
        _sendGridKey.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task SmsUndelivered_ReportedTwice_GoesOutOnceByEmail_MarkedAsAFallback()
    {
        var (view, original) = await SentAsync("sms", ("alex", Channel.Sms), ("alex", Channel.Email), ("organizer", Channel.Sms));

        await PostStatusAsync(view.Id, original.Id, "undelivered", "30003");
        await PostStatusAsync(view.Id, original.Id, "undelivered", "30003");
        await PostStatusAsync(view.Id, original.Id, "failed", "30005");
        await DispatchTwiceAsync();

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.Equal(2, checkIns.Count);
        var failed = checkIns.Single(c => c.Id == original.Id);
        Assert.Equal(CheckInStatus.Failed, failed.Status);
        Assert.Equal("twilio-30003", failed.Reason);
        var fallback = checkIns.Single(c => c.Id == original.Id + "-fb");
        Assert.Equal(CheckInKind.Fallback, fallback.Kind);
        Assert.Equal(original.Id, fallback.RelatesTo);
        Assert.Equal(("alex", Channel.Email, original.DueAt), (fallback.To, fallback.Channel, fallback.DueAt));
        Assert.Equal(CheckInStatus.Sent, fallback.Status);
        var email = Assert.IsType<EmailMessage>(Assert.Single(_sender.FollowUps));
        Assert.Equal((AlexEmail, MessageKinds.Fallback, fallback.Id), (email.To, email.Kind, email.CheckInId));
        Assert.Equal("A check-in from Sam", email.Subject);
        Assert.StartsWith(Message, email.Text, StringComparison.Ordinal);
        Assert.Contains(DeliveryNotices.FallbackEmailNote, email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SmsUndelivered_WithoutEmailConsent_NoFallback_TheOrganiserIsToldOnceBySms()
    {
        var (view, original) = await SentAsync("sms", ("alex", Channel.Sms), ("organizer", Channel.Sms), ("organizer", Channel.Email));

        await PostStatusAsync(view.Id, original.Id, "undelivered", "30005");
        await PostStatusAsync(view.Id, original.Id, "undelivered", "30005");
        await DispatchTwiceAsync();

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.DoesNotContain(checkIns, c => c.Kind == CheckInKind.Fallback);
        var notice = Assert.Single(checkIns, c => c.Kind == CheckInKind.Notice);
        Assert.Equal((original.Id + "-nt", "organizer", Channel.Sms, original.Id), (notice.Id, notice.To, notice.Channel, notice.RelatesTo));
        Assert.Equal(CheckInStatus.Sent, notice.Status);
        var sms = Assert.IsType<SmsMessage>(Assert.Single(_sender.FollowUps));
        Assert.Equal((SamPhone, MessageKinds.Notice), (sms.To, sms.Kind));
        Assert.Equal("AftercareNudge: your 14:30 check-in to Alex didn't arrive (the number is unknown or no longer in use). Nothing more will be tried.", sms.Body);
    }

    [Fact]
    public async Task Notice_OrganiserWithOnlyEmailConsent_IsToldByEmail()
    {
        var (view, original) = await SentAsync("sms", ("alex", Channel.Sms), ("organizer", Channel.Email));

        await PostStatusAsync(view.Id, original.Id, "undelivered", "30006");
        await DispatchTwiceAsync();

        var email = Assert.IsType<EmailMessage>(Assert.Single(_sender.FollowUps));
        Assert.Equal(("sam@example.com", MessageKinds.Notice, DeliveryNotices.EmailSubject), (email.To, email.Kind, email.Subject));
        Assert.StartsWith("Your 14:30 check-in to Alex didn't arrive (the number is a landline and cannot get texts).", email.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Message, email.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "no-consent", "Alex has not agreed to get texts")]
    [InlineData(true, "opted-out", "Alex has opted out of texts")]
    public async Task Skipped_TheOrganiserIsToldWhy(bool optedOut, string reason, string why)
    {
        var view = await App.RegisterAsync(Plan("sms"));
        await GrantAsync(view, ("organizer", Channel.Sms), ("alex", Channel.Email));
        if (optedOut)
        {
            await App.GrantAsync(view, "alex", Channel.Sms);
            await App.Services.GetRequiredService<ConsentStore>().RecordAsync(
                new ConsentDecision(Channel.Sms, AlexPhone, null, ConsentState.OptedOut, "test", "STOP"), CancellationToken.None);
        }

        App.Time.Advance(TimeSpan.FromHours(5.5));
        await DispatchTwiceAsync();

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        var skipped = checkIns.Single(c => c.Kind == CheckInKind.CheckIn);
        Assert.Equal((CheckInStatus.Skipped, reason), (skipped.Status, skipped.Reason));
        Assert.DoesNotContain(checkIns, c => c.Kind == CheckInKind.Fallback);
        Assert.Equal(CheckInStatus.Sent, checkIns.Single(c => c.Kind == CheckInKind.Notice).Status);
        var sms = Assert.IsType<SmsMessage>(Assert.Single(_sender.FollowUps));
        Assert.Equal($"AftercareNudge: your 14:30 check-in to Alex didn't arrive ({why}). Nothing more will be tried.", sms.Body);
        Assert.Equal(0, _sender.Calls);
    }

    [Fact]
    public async Task ProviderSaysOptedOut_NoFallbackEvenWithEmailConsent_TheOrganiserIsTold()
    {
        _sender = new ScriptedSender(SendResult.OptedOut("twilio-21610"));
        var view = await App.RegisterAsync(Plan("sms"));
        await GrantAsync(view, ("alex", Channel.Sms), ("alex", Channel.Email), ("organizer", Channel.Sms));
        App.Time.Advance(TimeSpan.FromHours(5.5));

        await DispatchTwiceAsync();

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.Equal(("opted-out", CheckInStatus.Failed), (checkIns[0].Reason, checkIns[0].Status));
        Assert.DoesNotContain(checkIns, c => c.Kind == CheckInKind.Fallback);
        var sms = Assert.IsType<SmsMessage>(Assert.Single(_sender.FollowUps));
        Assert.Contains("(Alex has opted out of texts)", sms.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PermanentFailureAtSendTime_GoesOutByEmail()
    {
        _sender = new ScriptedSender(SendResult.Permanent("twilio-21211"));
        var view = await App.RegisterAsync(Plan("sms"));
        await GrantAsync(view, ("alex", Channel.Sms), ("alex", Channel.Email));
        App.Time.Advance(TimeSpan.FromHours(5.5));

        await DispatchTwiceAsync();

        var fallback = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Fallback);
        Assert.Equal((CheckInStatus.Sent, Channel.Email, false), (fallback.Status, fallback.Channel, fallback.Late));
        Assert.IsType<EmailMessage>(Assert.Single(_sender.FollowUps));
    }

    [Fact]
    public async Task Notice_OrganiserWithoutAnyGrantedChannel_NothingIsMadeOrSent()
    {
        var view = await App.RegisterAsync(Plan("sms"));
        App.Time.Advance(TimeSpan.FromHours(5.5));

        await DispatchTwiceAsync();

        var checkIn = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns);
        Assert.Equal(CheckInStatus.Skipped, checkIn.Status);
        Assert.Empty(_sender.FollowUps);
    }

    [Fact]
    public async Task OrganisersOwnCheckIn_Undelivered_WithoutAnotherChannel_GetsNoNotice()
    {
        var view = await App.RegisterAsync(Plan("sms", to: "organizer"));
        await GrantAsync(view, ("organizer", Channel.Sms));
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        await PostStatusAsync(view.Id, view.CheckIns[0].Id, "undelivered", "30003");
        await DispatchTwiceAsync();

        Assert.Single((await App.GetEventAsync(view.Id)).CheckIns);
        Assert.Empty(_sender.FollowUps);
    }

    [Theory]
    [InlineData("undelivered", "30003", CheckInStatus.Failed, "twilio-30003", 1)]
    [InlineData("delivered", "", CheckInStatus.Delivered, null, 0)]
    public async Task Callback_WhileTheCheckInIsStillSending_IsKept_AndAppliedWhenTheSendIsRecorded(
        string status, string errorCode, CheckInStatus final, string? reason, int fallbacks)
    {
        CheckInRecord? seenWhileSending = null;
        _sender = new ScriptedSender(SendResult.Sent(Sid))
        {
            WhileSending = async message =>
            {
                var sms = (SmsMessage)message;
                await PostStatusAsync(sms.EventId!, sms.CheckInId!, status, errorCode);
                seenWhileSending = await App.Services.GetRequiredService<EventStore>().GetCheckInAsync(sms.EventId!, sms.CheckInId!, CancellationToken.None);
            },
        };
        var view = await App.RegisterAsync(Plan("sms"));
        await GrantAsync(view, ("alex", Channel.Sms), ("alex", Channel.Email));
        App.Time.Advance(TimeSpan.FromHours(5.5));

        var report = await App.DispatchAsync();
        await DispatchTwiceAsync();

        Assert.Equal(CheckInStatus.Sending, seenWhileSending?.Status);
        Assert.Equal(final, seenWhileSending?.PendingDelivery?.Status);
        Assert.Equal(1, report.Sent);
        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        var original = checkIns.Single(c => c.Kind == CheckInKind.CheckIn);
        Assert.Equal((final, reason), (original.Status, original.Reason));
        Assert.NotNull(original.SentAt);
        Assert.Equal(fallbacks, checkIns.Count(c => c.Kind == CheckInKind.Fallback));
        Assert.Equal(fallbacks, _sender.FollowUps.Count);
        Assert.Equal(1, _sender.Calls);
    }

    [Fact]
    public async Task SendGridEvent_WhileTheEmailIsStillSending_IsKept_AndApplied()
    {
        _sender = new ScriptedSender(SendResult.Sent("msg-1"))
        {
            WhileSending = async message =>
            {
                var email = (EmailMessage)message;
                await PostSendGridAsync(SendGridEvent("delivered", "sg-early", email.EventId!, email.CheckInId!));
            },
        };
        var view = await App.RegisterAsync(Plan("email"));
        await GrantAsync(view, ("alex", Channel.Email));
        App.Time.Advance(TimeSpan.FromHours(5.5));

        await App.DispatchAsync();

        var checkIn = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns);
        Assert.Equal(CheckInStatus.Delivered, checkIn.Status);
    }

    [Fact]
    public async Task OutOfOrderCallbacks_FirstFinalWordStays_AndOnlyAFailureHasAFollowUp()
    {
        var (delivered, first) = await SentAsync("sms", ("alex", Channel.Sms), ("alex", Channel.Email), ("organizer", Channel.Sms));
        var (undelivered, second) = await SentAsync("sms");

        await PostStatusAsync(delivered.Id, first.Id, "sent", "");
        await PostStatusAsync(delivered.Id, first.Id, "delivered", "");
        await PostStatusAsync(delivered.Id, first.Id, "undelivered", "30003");
        await PostStatusAsync(undelivered.Id, second.Id, "undelivered", "30003");
        await PostStatusAsync(undelivered.Id, second.Id, "delivered", "");
        await PostStatusAsync(undelivered.Id, second.Id, "sent", "");
        await DispatchTwiceAsync();

        var one = (await App.GetEventAsync(delivered.Id)).CheckIns;
        Assert.Equal(CheckInStatus.Delivered, Assert.Single(one).Status);
        var two = (await App.GetEventAsync(undelivered.Id)).CheckIns;
        Assert.Equal(CheckInStatus.Failed, two.Single(c => c.Id == second.Id).Status);
        Assert.Equal(CheckInStatus.Sent, two.Single(c => c.Id == second.Id + "-fb").Status);
        Assert.Equal(undelivered.Id, Assert.IsType<EmailMessage>(Assert.Single(_sender.FollowUps)).EventId);
    }

    [Fact]
    public async Task SendGridBounce_EmailCheckIn_GoesOutOnceBySms()
    {
        _sender = new ScriptedSender(SendResult.Sent("msg-1"));
        var (view, original) = await SentAsync("email", ("alex", Channel.Email), ("alex", Channel.Sms));

        var bounce = SendGridEvent("bounce", "sg-b", view.Id, original.Id, type: "bounce");
        Assert.Equal(HttpStatusCode.OK, (await PostSendGridAsync(bounce)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostSendGridAsync(bounce)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostSendGridAsync(SendGridEvent("dropped", "sg-d", view.Id, original.Id))).StatusCode);
        await DispatchTwiceAsync();

        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(("bounced", CheckInStatus.Failed), (after.CheckIns.Single(c => c.Id == original.Id).Reason, after.CheckIns.Single(c => c.Id == original.Id).Status));
        var fallback = after.CheckIns.Single(c => c.Kind == CheckInKind.Fallback);
        Assert.Equal((original.Id + "-fb", Channel.Sms, CheckInStatus.Sent), (fallback.Id, fallback.Channel, fallback.Status));
        var sms = Assert.IsType<SmsMessage>(Assert.Single(_sender.FollowUps));
        Assert.Equal((AlexPhone, MessageKinds.Fallback, "Sam via AftercareNudge: " + DeliveryNotices.FallbackSmsText("Sam")), (sms.To, sms.Kind, sms.Body));
        Assert.DoesNotContain(Message, sms.Body, StringComparison.Ordinal); // words written for email stay in email
        // Suppressed, and shown as what it is: the address does not accept mail (issue 21; it read opted-out).
        Assert.Equal(ConsentState.Undeliverable, after.People.Single().Consent["email"]);
    }

    [Fact]
    public async Task FallbackSmsUndelivered_TheOrganiserIsToldItFailedOnBothChannels()
    {
        _sender = new ScriptedSender(SendResult.Sent("msg-1"));
        var (view, original) = await SentAsync("email", ("alex", Channel.Email), ("alex", Channel.Sms), ("organizer", Channel.Sms));
        await PostSendGridAsync(SendGridEvent("bounce", "sg-b", view.Id, original.Id, type: "blocked"));
        await DispatchTwiceAsync();
        var fallback = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Fallback);
        Assert.Equal(CheckInStatus.Sent, fallback.Status);

        await PostStatusAsync(view.Id, fallback.Id, "undelivered", "30003", messageSid: "follow-up-1");
        await PostStatusAsync(view.Id, fallback.Id, "undelivered", "30003", messageSid: "follow-up-1");
        await DispatchTwiceAsync();

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.Equal(3, checkIns.Count);
        Assert.Equal((CheckInStatus.Failed, "twilio-30003"), (checkIns.Single(c => c.Id == fallback.Id).Status, checkIns.Single(c => c.Id == fallback.Id).Reason));
        var notice = checkIns.Single(c => c.Kind == CheckInKind.Notice);
        Assert.Equal((fallback.Id + "-nt", fallback.Id), (notice.Id, notice.RelatesTo));
        Assert.Equal(2, _sender.FollowUps.Count);
        var sms = Assert.IsType<SmsMessage>(_sender.FollowUps.Last());
        Assert.Equal((SamPhone, MessageKinds.Notice), (sms.To, sms.Kind));
        Assert.Equal("AftercareNudge: your 14:30 check-in to Alex didn't arrive by text or by email (Alex's phone was unreachable). Nothing more will be tried.", sms.Body);
    }

    [Fact]
    public async Task SendGridEvent_ForAnotherMessage_LeavesTheCheckInAlone()
    {
        _sender = new ScriptedSender(SendResult.Sent("msg-1"));
        var (view, original) = await SentAsync("email", ("alex", Channel.Email), ("alex", Channel.Sms));

        await PostSendGridAsync(SendGridEvent("bounce", "sg-b", view.Id, original.Id, type: "blocked", messageId: "msg-9.filter0001.1.2.0"));

        Assert.Equal(CheckInStatus.Sent, Assert.Single((await App.GetEventAsync(view.Id)).CheckIns).Status);
    }

    [Fact]
    public async Task CancelledEvent_SkippedCheckIn_NoNotice()
    {
        var view = await App.RegisterAsync(Plan("sms"));
        await GrantAsync(view, ("organizer", Channel.Sms));
        var cancelled = await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", TestContext.Current.CancellationToken);
        Assert.True(cancelled.IsSuccessStatusCode);
        App.Time.Advance(TimeSpan.FromHours(5.5));

        await DispatchTwiceAsync();

        var checkIn = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns);
        Assert.Equal(CheckInStatus.Cancelled, checkIn.Status);
        Assert.Empty(_sender.FollowUps);
    }

    [Fact]
    public async Task CancelledEvent_UndeliveredAfterwards_NoFallbackAndNoNotice()
    {
        var (view, original) = await SentAsync("sms", ("alex", Channel.Sms), ("alex", Channel.Email), ("organizer", Channel.Sms));
        await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", TestContext.Current.CancellationToken);

        await PostStatusAsync(view.Id, original.Id, "undelivered", "30003");
        await DispatchTwiceAsync();

        var checkIn = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns);
        Assert.Equal(CheckInStatus.Failed, checkIn.Status);
        Assert.Empty(_sender.FollowUps);
    }

    [Fact]
    public async Task FallbackThatFails_GetsNoSecondFallback_TheOrganiserIsToldBothFailed()
    {
        _sender = new ScriptedSender(SendResult.Sent(Sid)) { FollowUpScript = [SendResult.Permanent("sendgrid-http-400"), SendResult.Sent("follow-up-2")] };
        var (view, original) = await SentAsync("sms", ("alex", Channel.Sms), ("alex", Channel.Email), ("organizer", Channel.Sms));

        await PostStatusAsync(view.Id, original.Id, "undelivered", "30003");
        await DispatchTwiceAsync();
        await DispatchTwiceAsync();

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.Equal(3, checkIns.Count);
        var fallback = checkIns.Single(c => c.Kind == CheckInKind.Fallback);
        Assert.Equal((CheckInStatus.Failed, "sendgrid-http-400"), (fallback.Status, fallback.Reason));
        var notice = checkIns.Single(c => c.Kind == CheckInKind.Notice);
        Assert.Equal((original.Id + "-fb-nt", fallback.Id, CheckInStatus.Sent), (notice.Id, notice.RelatesTo, notice.Status));
        var sms = Assert.IsType<SmsMessage>(_sender.FollowUps.Last());
        Assert.Equal("AftercareNudge: your 14:30 check-in to Alex didn't arrive by text or by email (the email could not be delivered). Nothing more will be tried.", sms.Body);
        Assert.Equal(2, _sender.FollowUps.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OutcomeUnknown_NoFallback_TheNoticeWaits_AndIsNotSentIfItArrivedAfterAll(bool twilioSaysDelivered)
    {
        _sender = new ScriptedSender(SendResult.Ambiguous("twilio-timeout"));
        var view = await App.RegisterAsync(Plan("sms"));
        await GrantAsync(view, ("alex", Channel.Sms), ("alex", Channel.Email), ("organizer", Channel.Sms));
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await DispatchTwiceAsync();

        var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.DoesNotContain(checkIns, c => c.Kind == CheckInKind.Fallback);
        var notice = checkIns.Single(c => c.Kind == CheckInKind.Notice);
        Assert.Equal((CheckInStatus.Scheduled, App.Time.GetUtcNow() + DeliveryFollowUps.OutcomeUnknownGrace), (notice.Status, notice.DueAt));
        Assert.Empty(_sender.FollowUps);

        if (twilioSaysDelivered)
        {
            await PostStatusAsync(view.Id, view.CheckIns[0].Id, "delivered", "");
        }

        App.Time.Advance(DeliveryFollowUps.OutcomeUnknownGrace);
        await DispatchTwiceAsync();

        notice = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Notice);
        if (twilioSaysDelivered)
        {
            Assert.Equal((CheckInStatus.Cancelled, "delivered-after-all"), (notice.Status, notice.Reason));
            Assert.Empty(_sender.FollowUps);
        }
        else
        {
            Assert.Equal(CheckInStatus.Sent, notice.Status);
            var sms = Assert.IsType<SmsMessage>(Assert.Single(_sender.FollowUps));
            Assert.Equal("AftercareNudge: your 14:30 check-in to Alex may not have arrived (we could not confirm it was sent). It will not be sent again, so it cannot arrive twice.", sms.Body);
        }
    }

    [Fact]
    public async Task Notice_InTheOrganisersQuietHours_WaitsForMorning()
    {
        var body = Plan("sms");
        var checkIn = body["checkIns"]![0]!.AsObject();
        checkIn.Remove("after");
        checkIn.Remove("offset");
        checkIn["at"] = Requests.Local(App.Time.GetUtcNow().AddHours(13));
        var view = await App.RegisterAsync(body);
        await GrantAsync(view, ("organizer", Channel.Sms));
        App.Time.Advance(TimeSpan.FromHours(13));

        var night = await App.DispatchAsync();
        await DispatchTwiceAsync();

        Assert.Equal(1, night.Skipped);
        var notice = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Notice);
        Assert.Equal((CheckInStatus.Scheduled, "quiet-hours"), (notice.Status, notice.Reason));
        Assert.Empty(_sender.FollowUps);

        App.Time.Advance(TimeSpan.FromHours(10));
        await DispatchTwiceAsync();

        var sms = Assert.IsType<SmsMessage>(Assert.Single(_sender.FollowUps));
        Assert.Equal("AftercareNudge: your check-in to Alex at 22:00 on Tue 24 Nov didn't arrive (Alex has not agreed to get texts). Nothing more will be tried.", sms.Body);
    }

    [Fact]
    public async Task ParallelDispatchRuns_MakeAndSendEachFollowUpOnce()
    {
        _sender = new ScriptedSender(SendResult.Permanent("twilio-30005"));
        var views = new List<EventView>();
        for (var i = 0; i < 12; i++)
        {
            views.Add(await App.RegisterAsync(Plan("sms")));
        }

        await GrantAsync(views[0], ("alex", Channel.Sms), ("alex", Channel.Email));
        App.Time.Advance(TimeSpan.FromHours(5.5));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => App.DispatchAsync()));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => App.DispatchAsync()));

        Assert.Equal(12, _sender.Calls);
        foreach (var view in views)
        {
            var checkIns = (await App.GetEventAsync(view.Id)).CheckIns;
            Assert.Equal(2, checkIns.Count);
            Assert.Equal(CheckInStatus.Sent, checkIns.Single(c => c.Id == view.CheckIns[0].Id + "-fb").Status);
        }

        var sent = _sender.FollowUps.Cast<EmailMessage>().Select(m => m.CheckInId).ToList();
        Assert.Equal(12, sent.Count);
        Assert.Equal(views.Select(v => v.CheckIns[0].Id + "-fb").Order(StringComparer.Ordinal), sent.Order(StringComparer.Ordinal));
    }

    /// <summary>Sam's plan: one check-in to Alex (or to Sam) half an hour after the end, at 14:30 UTC.</summary>
    private JsonObject Plan(string channel, string to = "alex")
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = to, ["channel"] = channel, ["after"] = "end", ["offset"] = "PT30M", ["message"] = Message },
        };
        return body;
    }

    /// <summary>A plan whose one check-in has been sent (at 14:30) through the scripted provider.</summary>
    private async Task<(EventView View, CheckInView CheckIn)> SentAsync(string channel, params (string Who, Channel Channel)[] grants)
    {
        var view = await App.RegisterAsync(Plan(channel));
        await GrantAsync(view, grants);
        var due = view.CheckIns[0].DueAt;
        if (App.Time.GetUtcNow() < due)
        {
            App.Time.Advance(due - App.Time.GetUtcNow());
        }

        await App.DispatchAsync();
        var checkIn = (await App.GetEventAsync(view.Id)).CheckIns.Single();
        Assert.Equal(CheckInStatus.Sent, checkIn.Status);
        return (view, checkIn);
    }

    private async Task GrantAsync(EventView view, params (string Who, Channel Channel)[] grants)
    {
        foreach (var (who, channel) in grants)
        {
            await App.GrantAsync(view, who, channel);
        }
    }

    /// <summary>Two runs one after the other: a follow-up made during a run may be taken by it or by the next.</summary>
    private async Task DispatchTwiceAsync()
    {
        await App.DispatchAsync();
        await App.DispatchAsync();
    }

    /// <summary>A Twilio status callback for the check-in's SMS, signed as Twilio signs it.</summary>
    private async Task PostStatusAsync(string eventId, string checkInId, string status, string errorCode, string messageSid = Sid)
    {
        var path = "/api/twilio/status?eventId=" + Uri.EscapeDataString(eventId) + "&checkInId=" + Uri.EscapeDataString(checkInId);
        var form = new Dictionary<string, string> { ["MessageSid"] = messageSid, ["MessageStatus"] = status, ["AccountSid"] = "AC0123456789abcdef0123456789abcdef" };
        if (errorCode.Length > 0)
        {
            form["ErrorCode"] = errorCode;
        }

        using var request = TwilioWebhook.Request(path, form);
        var response = await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private JsonObject SendGridEvent(string kind, string sgEventId, string eventId, string checkInId, string? type = null, string messageId = "msg-1.filter0001.16648.5515E0B88.0")
    {
        var item = new JsonObject
        {
            ["email"] = AlexEmail,
            ["timestamp"] = App.Time.GetUtcNow().ToUnixTimeSeconds(),
            ["event"] = kind,
            ["sg_event_id"] = sgEventId,
            ["sg_message_id"] = messageId,
            ["kind"] = MessageKinds.CheckIn,
            ["eventId"] = eventId,
            ["checkInId"] = checkInId,
        };
        if (type is not null)
        {
            item["type"] = type;
        }

        return item;
    }

    /// <summary>One SendGrid event batch, signed as SendGrid signs it.</summary>
    private async Task<HttpResponseMessage> PostSendGridAsync(params JsonObject[] events)
    {
        var body = new JsonArray(events.Select(e => (JsonNode)e.DeepClone()).ToArray()).ToJsonString();
        using var request = SendGridWebhook.Request(body, _sendGridKey, App.Time.GetUtcNow());
        return await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
    }
}

using System.Reflection;
using AftercareNudge.Consent;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;

namespace AftercareNudge.Tests.Schedule;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// A check-in's <c>reason</c> is stored on its row and answered by GET and the client webhooks as it
/// is. <see cref="CheckInReasons"/> is the list; some reasons are still written as literals elsewhere.
/// A provider's own codes (<c>twilio-…</c>, <c>sendgrid-…</c>) are kept with their prefix by design:
/// they are pinned in MessagingFormatsPinnedTests.
/// </remarks>
public sealed class CheckInReasonsPinnedTests
{
    /// <summary>Stored as literals until issue 20.5 put them in the reason list, with the values they had.</summary>
    private static readonly string[] OnceLiterals = ["related-missing", "delivered-after-all", "send-error"];

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public void CheckInReasons_TheList_IsTheseValues()
    {
        var list = typeof(CheckInReasons).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => f.Name + "=" + f.GetRawConstantValue());

        Assert.Equal(
            [
                "NoConsent=no-consent",
                "Declined=declined",
                "OptedOut=opted-out",
                "PlanChanged=plan-changed",
                "QuietHours=quiet-hours",
                "Erased=erased",
                "Removed=removed",
                "EventCancelled=event-cancelled",
                "RecipientMissing=recipient-missing",
                "Undeliverable=undeliverable",
                "Bounced=bounced",
                "Dropped=dropped",
                "AwaitingOrganizer=awaiting-organizer",
                "ReplyErased=reply-erased",
                "DailyQuota=daily-quota",
                "OutcomeUnknownPrefix=outcome-unknown:",
                "ThrottledPrefix=throttled:",
                "RelatedMissing=related-missing",
                "DeliveredAfterAll=delivered-after-all",
                "SendError=send-error",
                "Abandoned=abandoned",
                "Answered=answered",
                "NotArmed=not-armed",
                "ContactNotAgreed=contact-not-agreed",
                "AwaitingAlert=awaiting-alert",
                "AlertNotSent=alert-not-sent",
            ],
            list);
    }

    [Fact]
    public void ReasonsOnceWrittenAsLiterals_AreInTheReasonList_WithTheSameValues()
    {
        var listed = typeof(CheckInReasons).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!).ToList();

        Assert.All(OnceLiterals, reason => Assert.Contains(reason, listed));

        // Issue 20 names reply-erased among them: it is in the list already (CheckInReasons.ReplyErased).
        Assert.Contains("reply-erased", listed);
    }

    [Fact]
    public async Task RelatedMissing_IsWhyAFollowUpWhoseCheckInIsGoneIsCancelled()
    {
        var app = new PinnedApp();
        var record = await app.StoreAsync(PinnedApp.Event);
        var notice = OrganizerMessages.Row(PinnedApp.EventId, Ids.NoticeId(PinnedApp.CheckInId), 0, Channel.Sms, PinnedApp.Now, CheckInKind.Notice, PinnedApp.CheckInId);

        var message = await app.FollowUps.ComposeAsync(record, record.Organizer, PinnedApp.OrganizerPhone, notice, Token);

        Assert.Equal("related-missing", message.Withheld);
    }

    [Fact]
    public async Task DeliveredAfterAll_IsWhyANoticeAboutADeliveredCheckInIsCancelled()
    {
        var app = new PinnedApp();
        var record = await app.StoreAsync(PinnedApp.Event, PinnedApp.CheckIn() with { Status = CheckInStatus.Delivered });
        var notice = OrganizerMessages.Row(PinnedApp.EventId, Ids.NoticeId(PinnedApp.CheckInId), 0, Channel.Sms, PinnedApp.Now, CheckInKind.Notice, PinnedApp.CheckInId);

        var message = await app.FollowUps.ComposeAsync(record, record.Organizer, PinnedApp.OrganizerPhone, notice, Token);

        Assert.Equal("delivered-after-all", message.Withheld);
    }

    [Fact]
    public async Task ReplyErased_IsWhyARelayWhoseReplyIsGoneIsCancelled()
    {
        var app = new PinnedApp();
        var record = await app.StoreAsync(PinnedApp.Event, PinnedApp.CheckIn() with { Status = CheckInStatus.Sent });
        var relay = OrganizerMessages.Row(PinnedApp.EventId, Ids.RelayId(PinnedApp.MessageSid), 0, Channel.Sms, PinnedApp.Now, CheckInKind.Relay, PinnedApp.CheckInId);

        var message = await app.FollowUps.ComposeAsync(record, record.Organizer, PinnedApp.OrganizerPhone, relay, Token);

        Assert.Equal(CheckInReasons.ReplyErased, message.Withheld);
    }

    /// <summary>What the dispatcher stores on a check-in for each answer of the provider (or none).</summary>
    [Theory]
    [InlineData("throws", "Failed outcome-unknown:send-error")]
    [InlineData("ambiguous", "Failed outcome-unknown:twilio-timeout")]
    [InlineData("permanent", "Failed twilio-21211")]
    [InlineData("opted-out", "Failed opted-out")]
    [InlineData("transient", "Scheduled twilio-30003")]
    [InlineData("no-consent", "Skipped no-consent")]
    [InlineData("sent", "Sent ")]
    public async Task Dispatcher_StoredStatusAndReason_ForEachAnswer(string answer, string stored)
    {
        var app = new PinnedApp();
        await app.StoreAsync(PinnedApp.Event, PinnedApp.CheckIn());
        if (answer != "no-consent")
        {
            await app.GrantAsync(Channel.Sms, PinnedApp.Phone);
        }

        app.Sender.Throw = answer == "throws" ? new InvalidOperationException("The sender broke.") : null;
        app.Sender.Answer = answer switch
        {
            "ambiguous" => SendResult.Ambiguous("twilio-timeout"),
            "permanent" => SendResult.Permanent("twilio-21211"),
            "opted-out" => SendResult.OptedOut("twilio-21610"),
            "transient" => SendResult.Transient("twilio-30003"),
            _ => SendResult.Sent(PinnedApp.MessageSid),
        };

        await app.Dispatcher().ProcessAsync(new DueEntry(PinnedApp.EventId, PinnedApp.CheckInId, PinnedApp.Now), Token);

        var checkIn = await app.Events.GetCheckInAsync(PinnedApp.EventId, PinnedApp.CheckInId, Token);
        Assert.Equal(stored, checkIn!.Status + " " + checkIn.Reason);
    }

    [Fact]
    public async Task Dispatcher_AProvidersOptOut_IsRecordedAsProviderAndItsReason()
    {
        var app = new PinnedApp();
        await app.StoreAsync(PinnedApp.Event, PinnedApp.CheckIn());
        await app.GrantAsync(Channel.Sms, PinnedApp.Phone);
        app.Sender.Answer = SendResult.OptedOut("twilio-21610");

        await app.Dispatcher().ProcessAsync(new DueEntry(PinnedApp.EventId, PinnedApp.CheckInId, PinnedApp.Now), Token);

        var global = app.Storage.Rows(AppTables.Consents).Single(r => r.RowKey == "global");
        var optOut = app.Storage.Rows(AppTables.ConsentLedger).Single(r => r.GetString("Action") == "opted-out");
        Assert.Equal("provider:twilio-21610", global.GetString("OptedOutHow"));
        Assert.Equal("provider:twilio-21610", optOut.GetString("How"));
        Assert.Equal(nameof(ConsentState.OptedOut), global.GetString("State"));
    }
}

using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Dispatch;

public sealed class DeliveryReportsTests
{
    private const string Sid = "SM0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset Due = new(2026, 11, 24, 14, 30, 0, TimeSpan.Zero);

    [Fact]
    public void WithPendingApplied_AFailureThatCameWhileSending_FailsTheSentRecord()
    {
        var sent = CheckIn(CheckInStatus.Sent, null, Sid) with { PendingDelivery = new DeliveryReport(CheckInStatus.Failed, "twilio-30003", Sid) };

        var final = DeliveryReports.WithPendingApplied(sent);

        Assert.Equal(CheckInStatus.Failed, final.Status);
        Assert.Equal("twilio-30003", final.Reason);
        Assert.Null(final.PendingDelivery);
    }

    [Fact]
    public void WithPendingApplied_AReportAboutAnotherMessage_IsDropped()
    {
        var sent = CheckIn(CheckInStatus.Sent, null, Sid) with { PendingDelivery = new DeliveryReport(CheckInStatus.Failed, "twilio-30003", "SMother") };

        var final = DeliveryReports.WithPendingApplied(sent);

        Assert.Equal(CheckInStatus.Sent, final.Status);
        Assert.Null(final.PendingDelivery);
    }

    [Fact]
    public void WithPendingApplied_DeliveredAfterAnUnknownOutcome_IsDelivered()
    {
        var unknown = CheckIn(CheckInStatus.Failed, "outcome-unknown:twilio-timeout", null) with { PendingDelivery = new DeliveryReport(CheckInStatus.Delivered, null, Sid) };

        var final = DeliveryReports.WithPendingApplied(unknown);

        Assert.Equal(CheckInStatus.Delivered, final.Status);
        Assert.Equal(Sid, final.ProviderMessageId);
    }

    [Fact]
    public void WithPendingApplied_ASkip_StaysASkip()
    {
        var skipped = CheckIn(CheckInStatus.Skipped, "no-consent", null) with { PendingDelivery = new DeliveryReport(CheckInStatus.Delivered, null, Sid) };

        Assert.Equal(CheckInStatus.Skipped, DeliveryReports.WithPendingApplied(skipped).Status);
    }

    [Theory]
    [InlineData("msg-1", "msg-1.filter0001.16648.5515E0B88.0", true)]
    [InlineData("msg-1", "msg-1", true)]
    [InlineData("msg-1", "msg-12.filter0001", false)]
    [InlineData("msg-1", "msg-2.filter0001", false)]
    [InlineData("msg-1", null, true)]
    [InlineData(null, "msg-2.filter0001", true)]
    public void Apply_SendGridMessageIds_MatchByThePrefixWeKept(string? kept, string? reported, bool applies)
    {
        var changed = DeliveryReports.Apply(CheckIn(CheckInStatus.Sent, null, kept), new DeliveryReport(CheckInStatus.Delivered, null, reported));

        Assert.Equal(applies, changed is not null);
    }

    [Theory]
    [InlineData("ci_0123456789abcdef01234567", true)]
    [InlineData("ci_0123456789abcdef01234567-fb", true)]
    [InlineData("ci_0123456789abcdef01234567-nt", true)]
    [InlineData("ci_0123456789abcdef01234567-fb-nt", true)]
    [InlineData("ci_0123456789abcdef01234567-nt-fb", false)]
    [InlineData("ci_0123456789abcdef01234567-xx", false)]
    [InlineData("ci_0123456789abcdef0123456-fb", false)]
    [InlineData("ev_0123456789abcdef01234567", false)]
    [InlineData("-fb", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsOurCheckInId_AcceptsCheckInsAndTheirFollowUps(string? id, bool expected)
    {
        Assert.Equal(expected, Ids.IsCheckInId(id));
    }

    [Theory]
    [InlineData(CheckInKind.CheckIn, CheckInStatus.Failed, "twilio-30005", true)]
    [InlineData(CheckInKind.CheckIn, CheckInStatus.Failed, "bounced", true)]
    [InlineData(CheckInKind.CheckIn, CheckInStatus.Failed, "twilio-30003", true)]
    [InlineData(CheckInKind.CheckIn, CheckInStatus.Failed, "outcome-unknown:twilio-timeout", false)]
    [InlineData(CheckInKind.CheckIn, CheckInStatus.Failed, "opted-out", false)]
    [InlineData(CheckInKind.CheckIn, CheckInStatus.Failed, "recipient-missing", false)]
    [InlineData(CheckInKind.CheckIn, CheckInStatus.Skipped, "no-consent", false)]
    [InlineData(CheckInKind.Reminder, CheckInStatus.Failed, "bounced", false)]
    [InlineData(CheckInKind.Fallback, CheckInStatus.Failed, "bounced", false)]
    [InlineData(CheckInKind.Notice, CheckInStatus.Failed, "bounced", false)]
    public void MayFallBack_OnlyAPlannedCheckInThatFailedToArrive(CheckInKind kind, CheckInStatus status, string reason, bool expected)
    {
        Assert.Equal(expected, DeliveryFollowUps.MayFallBack(CheckIn(status, reason, null) with { Kind = kind }));
    }

    private static CheckInRecord CheckIn(CheckInStatus status, string? reason, string? providerMessageId) => new(
        "ev_0123456789abcdef01234567",
        "ci_0123456789abcdef01234567",
        0,
        "alex",
        Channel.Sms,
        "How are you?",
        new CheckInTiming(null, "end", "PT30M"),
        Due,
        Due,
        status,
        reason,
        1,
        null,
        Due,
        providerMessageId);
}

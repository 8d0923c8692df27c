using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Dispatch;

public sealed class TwilioStatusCallbacksTests
{
    private const string Sid = "SM0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset Due = new(2026, 11, 24, 14, 30, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("delivered", null, CheckInStatus.Delivered, null)]
    [InlineData("read", null, CheckInStatus.Delivered, null)]
    [InlineData("undelivered", "30003", CheckInStatus.Failed, "twilio-30003")]
    [InlineData("failed", "30008", CheckInStatus.Failed, "twilio-30008")]
    [InlineData("undelivered", null, CheckInStatus.Failed, "twilio-undelivered")]
    [InlineData("failed", "", CheckInStatus.Failed, "twilio-failed")]
    [InlineData("undelivered", "30003; DROP", CheckInStatus.Failed, "twilio-undelivered")]
    [InlineData("undelivered", "-1", CheckInStatus.Failed, "twilio-undelivered")]
    public void Report_FinalStatus_SaysWhatToRecord(string messageStatus, string? errorCode, CheckInStatus status, string? reason)
    {
        Assert.Equal((status, reason), TwilioStatusCallbacks.Report(messageStatus, errorCode));
    }

    [Theory]
    [InlineData("queued")]
    [InlineData("sending")]
    [InlineData("sent")]
    [InlineData("accepted")]
    [InlineData("scheduled")]
    [InlineData("canceled")]
    [InlineData("Delivered")]
    public void Report_StepOnTheWayOrUnknown_IsNothing(string messageStatus)
    {
        Assert.Null(TwilioStatusCallbacks.Report(messageStatus, "30003"));
    }

    [Theory]
    [InlineData(CheckInStatus.Delivered, null)]
    [InlineData(CheckInStatus.Failed, "twilio-30003")]
    public void Apply_SentCheckIn_TakesTheReport(CheckInStatus status, string? reason)
    {
        var changed = TwilioStatusCallbacks.Apply(CheckIn(CheckInStatus.Sent, null, Sid), Sid, status, reason);

        Assert.NotNull(changed);
        Assert.Equal(status, changed.Status);
        Assert.Equal(reason, changed.Reason);
        Assert.Equal(Sid, changed.ProviderMessageId);
    }

    [Fact]
    public void Apply_SentWithoutSid_LearnsTheSid()
    {
        var changed = TwilioStatusCallbacks.Apply(CheckIn(CheckInStatus.Sent, null, null), Sid, CheckInStatus.Delivered, null);

        Assert.Equal(Sid, changed?.ProviderMessageId);
    }

    [Theory]
    [InlineData(CheckInStatus.Scheduled, null)]
    [InlineData(CheckInStatus.Delivered, null)]
    [InlineData(CheckInStatus.Failed, "twilio-30003")]
    [InlineData(CheckInStatus.Failed, "opted-out")]
    [InlineData(CheckInStatus.Skipped, "no-consent")]
    [InlineData(CheckInStatus.Cancelled, null)]
    public void Apply_CheckInNotSent_IsLeftAlone(CheckInStatus current, string? reason)
    {
        Assert.Null(TwilioStatusCallbacks.Apply(CheckIn(current, reason, Sid), Sid, CheckInStatus.Delivered, null));
        Assert.Null(TwilioStatusCallbacks.Apply(CheckIn(current, reason, Sid), Sid, CheckInStatus.Failed, "twilio-30005"));
    }

    [Fact]
    public void Apply_WhileSending_KeepsTheFirstReportForTheDispatcher()
    {
        var sending = CheckIn(CheckInStatus.Sending, null, null);

        var pending = TwilioStatusCallbacks.Apply(sending, Sid, CheckInStatus.Failed, "twilio-30003");

        Assert.Equal(CheckInStatus.Sending, pending?.Status);
        Assert.Equal(new DeliveryReport(CheckInStatus.Failed, "twilio-30003", Sid), pending?.PendingDelivery);
        Assert.Null(TwilioStatusCallbacks.Apply(pending!, Sid, CheckInStatus.Delivered, null));
    }

    [Fact]
    public void Apply_DeliveredAfterAnUnknownOutcome_IsDelivered_ButAFailureLeavesIt()
    {
        var unknown = CheckIn(CheckInStatus.Failed, "outcome-unknown:twilio-timeout", null);

        var delivered = TwilioStatusCallbacks.Apply(unknown, Sid, CheckInStatus.Delivered, null);

        Assert.Equal(CheckInStatus.Delivered, delivered?.Status);
        Assert.Null(delivered?.Reason);
        Assert.Equal(Sid, delivered?.ProviderMessageId);
        Assert.Null(TwilioStatusCallbacks.Apply(unknown, Sid, CheckInStatus.Failed, "twilio-30008"));
    }

    [Theory]
    [InlineData("ev_0123456789abcdef01234567", "ev_", true)]
    [InlineData("ci_0123456789abcdef01234567", "ci_", true)]
    [InlineData("ci_0123456789abcdef01234567", "ev_", false)]
    [InlineData("ev_0123456789ABCDEF01234567", "ev_", false)]
    [InlineData("ev_0123456789abcdef0123456", "ev_", false)]
    [InlineData("ev_0123456789abcdef012345678", "ev_", false)]
    [InlineData("ev_0123456789abcdef0123456g", "ev_", false)]
    [InlineData("", "ev_", false)]
    [InlineData(null, "ev_", false)]
    public void IsOurId_AcceptsOnlyTheShapeWeMake(string? id, string prefix, bool expected)
    {
        Assert.Equal(expected, Ids.IsOurs(id, prefix));
    }

    private static CheckInRecord CheckIn(CheckInStatus status, string? reason, string? providerMessageId) => new(
        "ev_0123456789abcdef01234567",
        "ci_0123456789abcdef01234567",
        0,
        "organizer",
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

using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Tests.Dispatch;

public sealed class DeliveryNoticesTests
{
    private static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];
    private static readonly DateTimeOffset Due = new(2026, 11, 24, 23, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Sms_OptedOut_NamesTheSenderWhoWhenAndWhy()
    {
        var text = DeliveryNotices.Sms(Facts(Channel.Sms, "opted-out"));

        Assert.Equal("AftercareNudge: your 23:30 check-in to Alex didn't arrive (Alex has opted out of texts). Nothing more will be tried.", text);
    }

    [Theory]
    [InlineData(Channel.Sms, "opted-out", "Alex has opted out of texts")]
    [InlineData(Channel.Email, "opted-out", "Alex has unsubscribed from emails")]
    [InlineData(Channel.Sms, "no-consent", "Alex has not agreed to get texts")]
    [InlineData(Channel.Email, "no-consent", "Alex has not agreed to get emails")]
    [InlineData(Channel.Email, "plan-changed", "Alex has not yet agreed to the changed aftercare plan")]
    [InlineData(Channel.Sms, "declined", "Alex said no to getting your check-in texts")]
    [InlineData(Channel.Email, "declined", "Alex said no to getting your check-in emails")]
    [InlineData(Channel.Email, "undeliverable", "Alex's email address does not accept mail")]
    [InlineData(Channel.Sms, "twilio-30003", "Alex's phone was unreachable")]
    [InlineData(Channel.Sms, "twilio-30005", "the number is unknown or no longer in use")]
    [InlineData(Channel.Sms, "twilio-30006", "the number is a landline and cannot get texts")]
    [InlineData(Channel.Sms, "twilio-21211", "the number is not a valid phone number")]
    [InlineData(Channel.Sms, "twilio-undelivered", "the phone network could not deliver it")]
    [InlineData(Channel.Email, "bounced", "the email bounced")]
    [InlineData(Channel.Email, "dropped", "the email service would not send it to that address")]
    [InlineData(Channel.Sms, "twilio-39999", "the text could not be delivered")]
    [InlineData(Channel.Sms, "twilio-http-400", "the text could not be delivered")]
    [InlineData(Channel.Email, "sendgrid-http-400", "the email could not be delivered")]
    [InlineData(Channel.Email, null, "the email could not be delivered")]
    public void Why_EveryReason_IsPlainWords_NeverACode(Channel channel, string? reason, string expected)
    {
        var why = DeliveryNotices.Why(channel, reason, "Alex");

        Assert.Equal(expected, why);
        Assert.DoesNotMatch("[0-9]{3}", why);
    }

    [Fact]
    public void Why_WithoutAName_StillReadsAsASentence()
    {
        Assert.Equal("they have opted out of texts", DeliveryNotices.Why(Channel.Sms, "opted-out", ""));
        Assert.Equal("their phone was unreachable", DeliveryNotices.Why(Channel.Sms, "twilio-30003", " "));
    }

    [Fact]
    public void Sentence_OnAnotherDay_CarriesTheDate_InTheOrganisersZone()
    {
        var facts = Facts(Channel.Sms, "no-consent") with { Now = Due.AddHours(9) };

        Assert.Equal(
            "your check-in to Alex at 23:30 on Tue 24 Nov didn't arrive (Alex has not agreed to get texts). Nothing more will be tried.",
            DeliveryNotices.Sentence(facts));
    }

    [Fact]
    public void Sentence_LocalTimeIsTheOrganisers_NotUtc()
    {
        var facts = Facts(Channel.Sms, "opted-out") with
        {
            DueAt = new DateTimeOffset(2026, 7, 1, 21, 0, 0, TimeSpan.Zero),
            Now = new DateTimeOffset(2026, 7, 1, 21, 1, 0, TimeSpan.Zero),
        };

        Assert.StartsWith("your 22:00 check-in to Alex", DeliveryNotices.Sentence(facts), StringComparison.Ordinal);
    }

    [Fact]
    public void Sentence_AReminder_SaysReminder()
    {
        Assert.StartsWith("your 23:30 reminder to Alex didn't arrive", DeliveryNotices.Sentence(Facts(Channel.Email, "bounced") with { Kind = CheckInKind.Reminder }), StringComparison.Ordinal);
    }

    [Fact]
    public void Sentence_AFallbackThatFailed_SaysBothChannelsFailed()
    {
        Assert.Equal(
            "your 23:30 check-in to Alex didn't arrive by text or by email (the email bounced). Nothing more will be tried.",
            DeliveryNotices.Sentence(Facts(Channel.Email, "bounced") with { Kind = CheckInKind.Fallback }));
    }

    [Fact]
    public void Sentence_OutcomeUnknown_SaysItMayHaveArrived_AndWillNotComeTwice()
    {
        var text = DeliveryNotices.Sentence(Facts(Channel.Sms, "outcome-unknown:twilio-timeout"));

        Assert.Equal("your 23:30 check-in to Alex may not have arrived (we could not confirm it was sent). It will not be sent again, so it cannot arrive twice.", text);
    }

    [Fact]
    public void Email_IsCapitalised_WithANeutralSubject_AndEncodedHtml()
    {
        var facts = Facts(Channel.Sms, "opted-out") with { RecipientName = "Al <b>" };

        Assert.Equal("A check-in did not arrive", DeliveryNotices.EmailSubject);
        Assert.StartsWith("Your 23:30 check-in to Al <b> didn't arrive", DeliveryNotices.EmailText(facts), StringComparison.Ordinal);
        Assert.Contains("Al &lt;b&gt;", DeliveryNotices.EmailHtml(facts), StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", DeliveryNotices.EmailHtml(facts), StringComparison.Ordinal);
    }

    [Fact]
    public void FallbackEmail_CarriesTheMessage_AndSaysWhyItCameByEmail()
    {
        var text = DeliveryNotices.FallbackEmailText("Sam", "How are you feeling?");
        var html = DeliveryNotices.FallbackEmailHtml("Sam", "How are you <feeling>?");

        Assert.StartsWith("How are you feeling?", text, StringComparison.Ordinal);
        Assert.EndsWith(DeliveryNotices.FallbackEmailNote, text, StringComparison.Ordinal);
        Assert.Contains("How are you &lt;feeling&gt;?", html, StringComparison.Ordinal);
        Assert.Contains(DeliveryNotices.FallbackEmailNote, html, StringComparison.Ordinal);
    }

    private static NoticeFacts Facts(Channel channel, string? reason) =>
        new("Alex", channel, CheckInKind.CheckIn, Due, reason, London, Due.AddMinutes(2));
}

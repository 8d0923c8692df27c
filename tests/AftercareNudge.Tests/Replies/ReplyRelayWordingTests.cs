using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;
using NodaTime;

namespace AftercareNudge.Tests.Replies;

public sealed class ReplyRelayWordingTests
{
    private static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];
    private static readonly DateTimeOffset Due = new(2026, 11, 24, 23, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Sms_NamesWhoRepliedAndWhen_QuotesThem_AndSaysThisNumberReachesNoOne()
    {
        var text = RelayWording.Sms(Facts("honestly not great,\ncan you call me"));

        Assert.Equal("AftercareNudge: Alex replied to your 23:30 check-in: \"honestly not great, can you call me\" Replies to this number reach no one: contact Alex directly.", text);
    }

    [Fact]
    public void Sms_ACheckInOfAnotherDay_CarriesItsDate()
    {
        var text = RelayWording.Sms(Facts("ok", now: Due.AddDays(2)));

        Assert.StartsWith("AftercareNudge: Alex replied to your check-in at 23:30 on Tue 24 Nov: \"ok\"", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("\U0001F499")]
    public void Sms_ALongReply_StaysWithinTheSegmentLimit(string unit)
    {
        var text = RelayWording.Sms(Facts(string.Concat(Enumerable.Repeat(unit, 3000))));

        Assert.InRange(SmsSegments.Count(text), ReplyRelays.MaxSmsSegments - 1, ReplyRelays.MaxSmsSegments);
        Assert.EndsWith("\" Replies to this number reach no one: contact Alex directly.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Email_QuotesAtMostTheLimit_AndItsSubjectNamesOnlyWhoReplied()
    {
        var facts = Facts(new string('b', 5000));

        Assert.Equal("Alex replied to your check-in", RelayWording.EmailSubject(facts));
        var text = RelayWording.EmailText(facts);
        Assert.Contains(new string('b', ReplyRelays.MaxEmailQuote) + "\u2026", text, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('b', ReplyRelays.MaxEmailQuote + 1), text, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", RelayWording.EmailHtml(Facts("<script>")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RelayOutcome.PassedOn, "Sam", "AftercareNudge: Your reply was passed on to Sam. No one reads this number. This is not an emergency service: in an emergency, call your local emergency number.")]
    [InlineData(RelayOutcome.Pending, "Sam", "AftercareNudge: Your reply is being passed on to Sam. No one reads this number. This is not an emergency service: in an emergency, call your local emergency number.")]
    [InlineData(RelayOutcome.CouldNotPassOn, "Sam", "AftercareNudge: Your reply was kept, but it could not be passed on to Sam. No one reads this number. This is not an emergency service: in an emergency, call your local emergency number.")]
    [InlineData(RelayOutcome.NotRelayed, "Sam", "AftercareNudge: Your reply was kept with your check-in. No one reads this number. This is not an emergency service: in an emergency, call your local emergency number.")]
    public void Acknowledgement_SaysTruthfullyWhatBecameOfTheReply(RelayOutcome outcome, string organizer, string expected)
    {
        Assert.Equal(expected, ReplyAcknowledgements.Text(outcome, organizer));
    }

    [Theory]
    [InlineData("Samantha Alexandra Montgomery-Wellington")]
    [InlineData("Zoë 💙 Żaneta Ørsted-Łukasiewicz Ñandú 💙")]
    public void Acknowledgement_AnyOrganiserName_FitsInTwoSegments_AndStillSaysItIsNoEmergencyService(string organizer)
    {
        foreach (var outcome in Enum.GetValues<RelayOutcome>())
        {
            var text = ReplyAcknowledgements.Text(outcome, organizer);

            Assert.True(SmsSegments.Count(text) <= ReplyAcknowledgements.MaxSegments, text);
            Assert.StartsWith("AftercareNudge: ", text, StringComparison.Ordinal);
            Assert.Contains("emergency number", text, StringComparison.Ordinal);
            Assert.Contains(" number.", text, StringComparison.Ordinal);
            Assert.True(outcome == RelayOutcome.NotRelayed || text.Contains(organizer[..3], StringComparison.Ordinal), text);
        }
    }

    private static RelayFacts Facts(string reply, DateTimeOffset? now = null) => new("Alex", reply, Due, London, now ?? Due.AddMinutes(5));
}

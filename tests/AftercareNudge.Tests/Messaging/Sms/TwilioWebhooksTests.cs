using AftercareNudge.Consent;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;

namespace AftercareNudge.Tests.Messaging.Sms;

/// <summary>
/// The TwiML the webhooks answer with, now built by the SDK's MessagingResponse: byte for byte what the
/// app answered before (<c>&lt;Response&gt;&lt;Message&gt;…&lt;/Message&gt;&lt;/Response&gt;</c>, no XML
/// declaration, only <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c> escaped) for every reply a keyword gets.
/// </summary>
public sealed class TwilioWebhooksTests
{
    public static TheoryData<string, string> KeywordReplies() => new()
    {
        { "YES", ConsentWording.SmsGranted(["Sam"]) },
        { "YES, two organisers", ConsentWording.SmsGranted(["Sam", "Kim"]) },
        { "NO", ConsentWording.SmsDeclined(["Sam"]) },
        { "YES with nothing pending", ConsentWording.SmsNothingPending },
        { "STOP", ConsentWording.SmsOptedOut },
        { "START", ConsentWording.SmsOptedIn(["Sam"]) },
        { "START, no organiser", ConsentWording.SmsOptedIn([]) },
        { "HELP", ConsentWording.SmsHelp("help@example.org") },
        { "HELP, opted out", ConsentWording.SmsHelpOptedOut("help@example.org") },
        { "a reply while consent is asked", ConsentWording.SmsReplyYesToAgree(["Sam"]) },
        { "a reply passed on", ReplyAcknowledgements.Text(RelayOutcome.PassedOn, "Sam") },
        { "a reply kept", ReplyAcknowledgements.Text(RelayOutcome.NotRelayed, "Sam") },
        { "a reply not passed on", ReplyAcknowledgements.Text(RelayOutcome.CouldNotPassOn, "Sam") },
        { "names with markup", ConsentWording.SmsGranted(["Tom & Jerry <3", "\"Kim\" > 'Alex'"]) },
    };

    [Theory]
    [MemberData(nameof(KeywordReplies))]
    public void TwiML_EveryKeywordReply_IsTheSameDocumentAsBefore(string keyword, string reply)
    {
        var answer = TwilioWebhooks.TwiML(reply);

        Assert.True(
            "<Response><Message>" + HandEscaped(reply) + "</Message></Response>" == answer.ResponseContent,
            $"{keyword}: {answer.ResponseContent}");
        Assert.Equal("text/xml", answer.ContentType);
    }

    [Fact]
    public void TwiML_NoReply_IsAnEmptyResponse()
    {
        var answer = TwilioWebhooks.TwiML(null);

        Assert.Equal("<Response></Response>", answer.ResponseContent);
        Assert.Equal("text/xml", answer.ContentType);
    }

    [Fact]
    public void TwiML_Markup_IsEscapedAndQuotesStay()
    {
        Assert.Equal(
            "<Response><Message>a &amp; b &lt;c&gt; \"d\" 'e' 👍</Message></Response>",
            TwilioWebhooks.TwiML("a & b <c> \"d\" 'e' 👍").ResponseContent);
    }

    // What the app's hand-written TwiML escaped: text content needs only these three.
    private static string HandEscaped(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}

using AftercareNudge.Consent;

namespace AftercareNudge.Tests.Consent;

public sealed class SmsKeywordsTests
{
    [Theory]
    [InlineData("STOP")]
    [InlineData("stop")]
    [InlineData("  Stop.  ")]
    [InlineData("STOP!!")]
    [InlineData("STOPALL")]
    [InlineData("UNSUBSCRIBE")]
    [InlineData("cancel")]
    [InlineData("End")]
    [InlineData("QUIT")]
    [InlineData("revoke")]
    [InlineData("OPTOUT")]
    [InlineData("opt out")]
    [InlineData("stop texting me")]
    [InlineData("Please stop")]
    [InlineData("please stop messaging me")]
    [InlineData("unsubscribe me")]
    [InlineData("Opt me out")]
    [InlineData("no more messages")]
    [InlineData("No more texts please")]
    [InlineData("don't text me again")]
    [InlineData("remove me from this list")]
    [InlineData("leave me alone")]
    [InlineData("Stop 🙏")]
    [InlineData("please don’t text me")]
    [InlineData("please don't text me")]
    [InlineData("I want to stop")]
    [InlineData("no more")]
    [InlineData("ＳＴＯＰ")]
    public void Classify_StopFamilyAndPlainRevocations_AreStop(string body)
    {
        Assert.Equal(SmsKeyword.Stop, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("YES", SmsKeyword.Yes)]
    [InlineData(" yes ", SmsKeyword.Yes)]
    [InlineData("Yes!", SmsKeyword.Yes)]
    [InlineData("NO", SmsKeyword.No)]
    [InlineData("no.", SmsKeyword.No)]
    [InlineData("START", SmsKeyword.Start)]
    [InlineData("unstop", SmsKeyword.Start)]
    [InlineData("HELP", SmsKeyword.Help)]
    [InlineData("info", SmsKeyword.Help)]
    public void Classify_Keywords_AreRecognisedOnTheWholeMessage(string body, SmsKeyword expected)
    {
        Assert.Equal(expected, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("yes I'm fine, thanks for checking")]
    [InlineData("I'm okay, a bit tired")]
    [InlineData("no worries, all good")]
    [InlineData("help me understand what happened last night")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void Classify_AnythingElse_IsOther(string? body)
    {
        Assert.Equal(SmsKeyword.Other, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("yes please")]
    [InlineData("Yes, please!")]
    [InlineData("ok")]
    [InlineData("Okay.")]
    [InlineData("sure")]
    [InlineData("yep")]
    [InlineData("Yeah")]
    [InlineData("Yes I agree")]
    [InlineData("I agree")]
    [InlineData("yesss")]
    [InlineData("sounds good, thanks")]
    public void MeansYesInPlainWords_YesInOtherWords_IsTrue_AndIsNotTheKeyword(string body)
    {
        Assert.True(SmsKeywords.MeansYesInPlainWords(body));
        Assert.Equal(SmsKeyword.Other, SmsKeywords.Classify(body));
    }

    [Theory]
    [InlineData("YES")]
    [InlineData("Yes!")]
    [InlineData("yes I'm fine, thanks for checking")]
    [InlineData("I'm okay, a bit tired")]
    [InlineData("ok but please stop")]
    [InlineData("yesterday was hard")]
    [InlineData("")]
    [InlineData(null)]
    public void MeansYesInPlainWords_TheKeywordOrAnythingElse_IsFalse(string? body)
    {
        Assert.False(SmsKeywords.MeansYesInPlainWords(body));
    }
}

using AftercareNudge.Messaging.Sms;

namespace AftercareNudge.Tests.Messaging.Sms;

public sealed class SmsSegmentsTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    [InlineData(459, 3)]
    [InlineData(460, 4)]
    public void Count_Gsm7_160InOne_153PerSegmentWhenSplit(int length, int segments)
    {
        Assert.Equal(segments, SmsSegments.Count(new string('a', length)));
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Count_AnyCharacterOutsideGsm7_MakesItUcs2_70InOne_67PerSegment(int length, int segments)
    {
        // One character not in GSM 03.38 (an ellipsis) turns the whole text into UCS-2.
        Assert.Equal(segments, SmsSegments.Count("\u2026" + new string('a', length - 1)));
    }

    [Fact]
    public void Count_ExtensionCharacters_TakeTwoSeptets()
    {
        Assert.True(SmsSegments.IsGsm7("{}[]€|^~\\"));
        Assert.Equal(1, SmsSegments.Count(new string('€', 80)));
        Assert.Equal(2, SmsSegments.Count(new string('€', 81)));
    }

    [Fact]
    public void Count_AnEmoji_IsTwoUtf16UnitsOfUcs2()
    {
        Assert.False(SmsSegments.IsGsm7("ok \U0001F499"));
        Assert.Equal(1, SmsSegments.Count(string.Concat(Enumerable.Repeat("\U0001F499", 35))));
        Assert.Equal(2, SmsSegments.Count(string.Concat(Enumerable.Repeat("\U0001F499", 36))));
    }

    [Fact]
    public void Count_AnExtensionCharacter_IsNeverSplitAcrossSegments()
    {
        // 152 + 2 + 152 = 306 septets would fill two segments of 153 exactly, but the euro's escape
        // and its code stay together: the first segment ends at 152, and the last 'a' needs a third.
        var text = new string('a', 152) + "€" + new string('a', 152);

        Assert.Equal(3, SmsSegments.Count(text));
        Assert.Equal(2, SmsSegments.Count(new string('a', 153) + "€" + new string('a', 151)));
    }

    [Fact]
    public void Count_AnEmoji_IsNeverSplitAcrossSegments()
    {
        // 66 + 2 + 66 = 134 UTF-16 units would fill two segments of 67, but the surrogate pair stays whole.
        var text = new string('ж', 66) + "💙" + new string('ж', 66);

        Assert.Equal(3, SmsSegments.Count(text));
        Assert.Equal(2, SmsSegments.Count(new string('ж', 67) + "💙" + new string('ж', 65)));
    }

    [Theory]
    [InlineData(1530, 10)]
    [InlineData(1531, 11)]
    public void Count_TenSegmentsOfGsm7_Are1530Characters(int length, int segments) =>
        Assert.Equal(segments, SmsSegments.Count(new string('a', length)));

    [Fact]
    public void Fit_ShortEnough_IsUnchanged()
    {
        Assert.Equal("A: \"hi\" end", SmsSegments.Fit("A: \"", "hi", "\" end", 1));
    }

    [Fact]
    public void Fit_Gsm7Quote_IsCutToTheLimit_WithThreeDots_KeepingPrefixAndSuffix()
    {
        var text = SmsSegments.Fit("Prefix \"", new string('x', 2000), "\" suffix.", 4);

        Assert.Equal(4, SmsSegments.Count(text));
        Assert.True(SmsSegments.IsGsm7(text));
        Assert.StartsWith("Prefix \"xxx", text, StringComparison.Ordinal);
        Assert.EndsWith("x...\" suffix.", text, StringComparison.Ordinal);
        Assert.Equal(153 * 4, text.Length);
    }

    [Fact]
    public void Fit_Ucs2Quote_IsCutWithAnEllipsis_NeverSplittingAnEmoji()
    {
        var text = SmsSegments.Fit("P: \"", string.Concat(Enumerable.Repeat("\U0001F499", 500)), "\"", 2);

        Assert.True(SmsSegments.Count(text) <= 2);
        Assert.EndsWith("\U0001F499\u2026\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(text, c => char.IsSurrogate(c) && !(char.IsHighSurrogate(c) || char.IsLowSurrogate(c)));
        Assert.Equal(text.Count(char.IsHighSurrogate), text.Count(char.IsLowSurrogate));
    }
}

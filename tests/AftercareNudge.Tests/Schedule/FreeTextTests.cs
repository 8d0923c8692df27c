using System.Text;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Schedule;

public sealed class FreeTextTests
{
    [Theory]
    [InlineData("Sam")]
    [InlineData("Zoë")]
    [InlineData("محمد")]
    [InlineData("Kit 🌈")]
    public void NameProblem_VisibleText_IsNone(string name) => Assert.Null(FreeText.NameProblem(name));

    [Theory]
    [InlineData("Sam\u202Emaz", "U+202E at position 4")]
    [InlineData("\u200BSam", "U+200B at position 1")]
    [InlineData("A\u200DB", "U+200D at position 2")]
    [InlineData("Sam\u00AD", "U+00AD at position 4")]
    [InlineData("🙂\u2069", "U+2069 at position 2")]
    public void NameProblem_AnyFormatCharacter_IsNamedWithItsPosition(string name, string expected) =>
        Assert.Equal(expected, FreeText.NameProblem(name));

    [Theory]
    [InlineData("👩\u200D👩\u200D👦 hugs")]
    [InlineData("می\u200Cخواهم")]
    public void TextProblem_JoinersBetweenVisibleCharacters_AreAllowed(string text) => Assert.Null(FreeText.TextProblem(text));

    [Theory]
    [InlineData("\u200Dhello")]
    [InlineData("hello \u200D there")]
    [InlineData("hello\u200D")]
    [InlineData("a\u202Eb")]
    [InlineData("a\uFEFFb")]
    [InlineData("a\U000E0041b")]
    public void TextProblem_OtherFormatCharactersOrLooseJoiners_AreRefused(string text) => Assert.NotNull(FreeText.TextProblem(text));

    [Theory]
    [InlineData("Line one\nline two")]
    [InlineData("Tea\tthen bed")]
    public void TextControlProblem_TabAndLineFeed_AreAllowed(string text) => Assert.Null(FreeText.TextControlProblem(text));

    [Theory]
    [InlineData("Dinner\0", "U+0000 at position 7")]
    [InlineData("Dinner\rwith Alex", "U+000D at position 7")]
    [InlineData("a\u001Bb", "U+001B at position 2")]
    [InlineData("a\u007Fb", "U+007F at position 2")]
    [InlineData("🙂\u0085", "U+0085 at position 2")]
    public void TextControlProblem_OtherControlCharacters_AreNamedWithTheirPosition(string text, string expected) =>
        Assert.Equal(expected, FreeText.TextControlProblem(text));

    [Theory]
    [InlineData("Sam\nSmith", "U+000A at position 4")]
    [InlineData("\tSam", "U+0009 at position 1")]
    public void NameControlProblem_AnyControlCharacter_IsNamed(string name, string expected) =>
        Assert.Equal(expected, FreeText.NameControlProblem(name));

    [Fact]
    public void Normalize_CrLf_BecomesLf_AndALoneCrStays() =>
        Assert.Equal("one\ntwo\rthree", FreeText.Normalize("  one\r\ntwo\rthree\r\n"));

    [Theory]
    [InlineData("How did Therapy go?", "therapy", LockScreenWarnings.NamesKind)]
    [InlineData("Proud of you for seeing the counsellor", "therapy", LockScreenWarnings.NamesKind)]
    [InlineData("Scenes like that take it out of you", "scene", LockScreenWarnings.NamesKind)]
    [InlineData("Back home?", "scene", null)]
    [InlineData("The obscene weather!", "scene", null)]
    [InlineData("Hope the date was fun", "date", null)]
    [InlineData("Talk soon", "conversation", null)]
    public void LockScreenWarnings_KindWords_AreWholeWords(string message, string kind, string? expected) =>
        Assert.Equal(expected, LockScreenWarnings.For(message, "Evening", kind));

    [Fact]
    public void LockScreenWarnings_ShortTitle_IsNotMatched() => Assert.Null(LockScreenWarnings.For("Do you want tea?", "Tea", "other"));

    [Fact]
    public void StoredText_Longer_IsCutToTheLimitWithTheMarker_OnAWholeCharacter()
    {
        var text = new string('a', StoredText.MaxReplyLength - StoredText.Marker.Length - 1) + "😀" + new string('b', 100);

        var stored = StoredText.Truncate(text, StoredText.MaxReplyLength);

        Assert.EndsWith(StoredText.Marker, stored, StringComparison.Ordinal);
        Assert.True(stored.Length <= StoredText.MaxReplyLength);
        Assert.False(char.IsHighSurrogate(stored[^(StoredText.Marker.Length + 1)]));
    }

    [Fact]
    public void StoredText_WithinTheLimit_IsUnchanged() => Assert.Equal("fine", StoredText.Truncate("fine", 10));

    [Fact]
    public void BodyHash_IgnoresMemberOrderAndWhitespace_NotValues()
    {
        var a = IdempotencyKeys.BodyHash(Encoding.UTF8.GetBytes("""{"a":1,"b":[1,{"c":"x","d":null}]}"""));
        var b = IdempotencyKeys.BodyHash(Encoding.UTF8.GetBytes("""{ "b" : [ 1, { "d": null, "c": "x" } ], "a": 1 }"""));
        var c = IdempotencyKeys.BodyHash(Encoding.UTF8.GetBytes("""{"a":2,"b":[1,{"c":"x","d":null}]}"""));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Theory]
    [InlineData("a", true)]
    [InlineData("8e03978e-40d5-43e8-bc93-6894a57f9324", true)]
    [InlineData("\"quoted\"", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    [InlineData("é", false)]
    public void IdempotencyKey_Syntax_IsVisibleAscii(string key, bool wellFormed) => Assert.Equal(wellFormed, IdempotencyKeys.IsWellFormed(key));
}

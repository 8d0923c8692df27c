using AftercareNudge.Events;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Events;

/// <summary>What an answer warns about an SMS check-in's text: the lock screen, and the cost past ten segments.</summary>
public sealed class SmsTextWarningsTests
{
    // "Sam via AftercareNudge: " is 24 characters in front of every check-in text.
    private const int Prefix = 24;

    [Theory]
    [InlineData(153 * 10 - Prefix, null)]
    [InlineData(153 * 10 - Prefix + 1, 11)]
    [InlineData(1600 - Prefix, 11)]
    public void Cost_Gsm7_WarnsPastTenSegmentsOf153_CountingTheSendersName(int length, int? segments)
    {
        var warning = SmsTextWarnings.Cost("Sam", new string('a', length));

        if (segments is null)
        {
            Assert.Null(warning);
        }
        else
        {
            Assert.Equal($"This text is sent as {segments} SMS segments, each charged as one text (more than 10): shorten it, or send it by email.", warning);
        }
    }

    [Fact]
    public void Cost_Ucs2_WarnsPastTenSegmentsOf67_AndSaysWhy()
    {
        var fits = "\u2019" + new string('a', (67 * 10) - Prefix - 1);

        Assert.Null(SmsTextWarnings.Cost("Sam", fits));
        var warning = SmsTextWarnings.Cost("Sam", fits + "a");
        Assert.StartsWith("This text is sent as 11 SMS segments", warning, StringComparison.Ordinal);
        Assert.Contains("67 characters instead of 153", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Cost_ExtensionCharacters_CountTwice()
    {
        // 765 euros are 1,530 septets; with the name in front, more than ten segments.
        Assert.NotNull(SmsTextWarnings.Cost("Sam", new string('€', 765)));
        Assert.Null(SmsTextWarnings.Cost("Sam", new string('a', 765)));
    }

    [Fact]
    public void Cost_TheTextIsCountedAsStored_Trimmed()
    {
        Assert.Null(SmsTextWarnings.Cost("Sam", "   " + new string('a', (153 * 10) - Prefix) + "\n\n   "));
    }

    [Fact]
    public void For_ALongTextThatNamesTheKind_GetsBothWarnings()
    {
        var warnings = SmsTextWarnings.For("Sam", "How did therapy go? " + new string('a', 1520), "Evening", "therapy");

        Assert.Equal(2, warnings.Count);
        Assert.Equal(LockScreenWarnings.NamesKind, warnings[0]);
        Assert.StartsWith("This text is sent as 11 SMS segments", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void For_AShortDiscreetText_GetsNone() =>
        Assert.Empty(SmsTextWarnings.For("Sam", "Thinking of you tonight.", "Evening", "therapy"));
}

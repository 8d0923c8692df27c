using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Tests.Schedule;

public sealed class QuietHoursTests
{
    private static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];
    private static readonly DateTimeZone Sydney = DateTimeZoneProviders.Tzdb["Australia/Sydney"];

    [Theory]
    [InlineData("2026-11-24T21:00:00Z", "2026-11-25T08:00:00Z")]
    [InlineData("2026-11-24T23:30:00Z", "2026-11-25T08:00:00Z")]
    [InlineData("2026-11-25T03:00:00Z", "2026-11-25T08:00:00Z")]
    public void EndOfQuietAt_InsideTheDefaultNight_IsEightInTheMorning(string now, string end)
    {
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), QuietHours.Default.EndOfQuietAt(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), London));
    }

    [Theory]
    [InlineData("2026-11-24T08:00:00Z")]
    [InlineData("2026-11-24T14:00:00Z")]
    [InlineData("2026-11-24T20:59:00Z")]
    public void EndOfQuietAt_DuringTheDay_IsNull(string now)
    {
        Assert.Null(QuietHours.Default.EndOfQuietAt(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), London));
    }

    [Fact]
    public void EndOfQuietAt_IsInTheRecipientsZone()
    {
        // 03:00 UTC is 22:00 the evening before in New York and 14:00 in Sydney.
        var now = new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 11, 25, 8, 0, 0, TimeSpan.FromHours(-5)), QuietHours.Default.EndOfQuietAt(now, NewYork));
        Assert.Null(QuietHours.Default.EndOfQuietAt(now, Sydney));
    }

    [Fact]
    public void EndOfQuietAt_AcrossSpringForward_EndsAtEightLocal()
    {
        // New York springs forward at 02:00 on 2027-03-14: the night is an hour shorter, 08:00 is EDT.
        var now = new DateTimeOffset(2027, 3, 14, 4, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2027, 3, 14, 8, 0, 0, TimeSpan.FromHours(-4)), QuietHours.Default.EndOfQuietAt(now, NewYork));
    }

    [Fact]
    public void EndOfQuietAt_ADaytimeWindow_Works()
    {
        var naps = QuietHours.Parse("13:00", "15:00")!;

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero), naps.EndOfQuietAt(new DateTimeOffset(2026, 11, 24, 14, 0, 0, TimeSpan.Zero), London));
        Assert.Null(naps.EndOfQuietAt(new DateTimeOffset(2026, 11, 24, 16, 0, 0, TimeSpan.Zero), London));
    }

    [Theory]
    [InlineData("21:00", "21:00")]
    [InlineData("9pm", "08:00")]
    [InlineData(null, "08:00")]
    [InlineData("25:00", "08:00")]
    public void Parse_Invalid_IsNull(string? from, string? to)
    {
        Assert.Null(QuietHours.Parse(from, to));
    }
}

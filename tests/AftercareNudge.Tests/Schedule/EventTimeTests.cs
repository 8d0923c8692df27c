using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Tests.Schedule;

public sealed class EventTimeTests
{
    private static readonly DateTimeZone London = DateTimeZoneProviders.Tzdb["Europe/London"];
    private static readonly DateTimeZone NewYork = DateTimeZoneProviders.Tzdb["America/New_York"];

    private static Instant Utc(string text) => NodaTime.Text.InstantPattern.ExtendedIso.Parse(text).Value;

    // ---- ParseLocal ----

    [Fact]
    public void ParseLocal_OrdinaryWinterTime_IsThatWallClockInTheZone()
    {
        var parsed = EventTime.ParseLocal("2026-12-05T19:00", London);

        Assert.NotNull(parsed);
        Assert.Equal(Utc("2026-12-05T19:00:00Z"), parsed.Value.ToInstant());
        Assert.Equal(new LocalDateTime(2026, 12, 5, 19, 0), parsed.Value.LocalDateTime);
    }

    [Fact]
    public void ParseLocal_OrdinarySummerTime_UsesDaylightOffset()
    {
        var parsed = EventTime.ParseLocal("2026-07-10T19:00", London);

        Assert.Equal(Utc("2026-07-10T18:00:00Z"), parsed!.Value.ToInstant());
    }

    [Fact]
    public void ParseLocal_InSpringForwardGap_MovesForwardByTheGap()
    {
        // Europe/London 2027-03-28: 01:00 GMT becomes 02:00 BST, so 01:30 never happens.
        var parsed = EventTime.ParseLocal("2027-03-28T01:30", London);

        Assert.NotNull(parsed);
        Assert.Equal(new LocalDateTime(2027, 3, 28, 2, 30), parsed.Value.LocalDateTime);
        Assert.Equal(Offset.FromHours(1), parsed.Value.Offset);
        Assert.Equal(Utc("2027-03-28T01:30:00Z"), parsed.Value.ToInstant());
    }

    [Fact]
    public void ParseLocal_InNewYorkSpringForwardGap_MovesForwardByTheGap()
    {
        // America/New_York 2027-03-14: 02:00 EST becomes 03:00 EDT.
        var parsed = EventTime.ParseLocal("2027-03-14T02:30", NewYork);

        Assert.NotNull(parsed);
        Assert.Equal(new LocalDateTime(2027, 3, 14, 3, 30), parsed.Value.LocalDateTime);
        Assert.Equal(Offset.FromHours(-4), parsed.Value.Offset);
        Assert.Equal(Utc("2027-03-14T07:30:00Z"), parsed.Value.ToInstant());
    }

    [Fact]
    public void ParseLocal_InFallBackOverlap_IsTheEarlierInstant()
    {
        // Europe/London 2026-10-25: 01:30 happens at 00:30Z (BST) and again at 01:30Z (GMT).
        var parsed = EventTime.ParseLocal("2026-10-25T01:30", London);

        Assert.NotNull(parsed);
        Assert.Equal(Utc("2026-10-25T00:30:00Z"), parsed.Value.ToInstant());
        Assert.Equal(Offset.FromHours(1), parsed.Value.Offset);
    }

    [Fact]
    public void ParseLocal_InNewYorkFallBackOverlap_IsTheEarlierInstant()
    {
        // America/New_York 2026-11-01: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
        var parsed = EventTime.ParseLocal("2026-11-01T01:30", NewYork);

        Assert.Equal(Utc("2026-11-01T05:30:00Z"), parsed!.Value.ToInstant());
    }

    [Fact]
    public void Resolve_InGapAndOverlap_FollowsTheSameRuleAsParseLocal()
    {
        Assert.Equal(Utc("2027-03-28T01:30:00Z"), EventTime.Resolve(new LocalDateTime(2027, 3, 28, 1, 30), London).ToInstant());
        Assert.Equal(Utc("2026-10-25T00:30:00Z"), EventTime.Resolve(new LocalDateTime(2026, 10, 25, 1, 30), London).ToInstant());
    }

    [Fact]
    public void ParseLocal_WithSeconds_IsAccepted()
    {
        var parsed = EventTime.ParseLocal("2026-12-05T19:00:15", London);

        Assert.Equal(Utc("2026-12-05T19:00:15Z"), parsed!.Value.ToInstant());
    }

    [Theory]
    [InlineData("2026-12-05T19:00+01:00", "2026-12-05T18:00:00Z")]
    [InlineData("2026-12-05T19:00-05:00", "2026-12-06T00:00:00Z")]
    [InlineData("2026-12-05T19:00Z", "2026-12-05T19:00:00Z")]
    [InlineData("2026-12-05T19:00:30Z", "2026-12-05T19:00:30Z")]
    [InlineData("2026-12-05T19:00:30+05:30", "2026-12-05T13:30:30Z")]
    public void ParseLocal_WithExplicitOffsetOrZ_IsThatInstantWhateverTheZone(string text, string expectedUtc)
    {
        var parsed = EventTime.ParseLocal(text, NewYork);

        Assert.NotNull(parsed);
        Assert.Equal(Utc(expectedUtc), parsed.Value.ToInstant());
        Assert.Equal(NewYork, parsed.Value.Zone);
    }

    [Fact]
    public void ParseLocal_ExplicitOffsetInsideAGap_IsNotMoved()
    {
        // An offset names one instant: the gap rule is only for bare wall-clock times.
        var parsed = EventTime.ParseLocal("2027-03-28T01:30+00:00", London);

        Assert.Equal(Utc("2027-03-28T01:30:00Z"), parsed!.Value.ToInstant());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tomorrow at 7")]
    [InlineData("2026-12-05")]
    [InlineData("19:00")]
    [InlineData("2026-12-05 19:00")]
    [InlineData("2026-13-05T19:00")]
    [InlineData("2026-02-30T19:00")]
    [InlineData("2026-12-05T25:00")]
    [InlineData("05/12/2026 19:00")]
    [InlineData("2026-12-05T19:00 Europe/London")]
    public void ParseLocal_Garbage_IsRejected(string? text)
    {
        Assert.Null(EventTime.ParseLocal(text, London));
    }

    // ---- FindZone ----

    [Fact]
    public void FindZone_IanaId_IsFound()
    {
        Assert.Equal("Europe/London", EventTime.FindZone("Europe/London")?.Id);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("GMT Standard Time")]
    public void FindZone_UnknownOrEmpty_IsNull(string? id)
    {
        Assert.Null(EventTime.FindZone(id));
    }

    // ---- ParseOffset ----

    [Theory]
    [InlineData("PT30M", 0, 0, 0, 30)]
    [InlineData("-PT2H", 0, 0, -2, 0)]
    [InlineData("+PT1H", 0, 0, 1, 0)]
    [InlineData("P1D", 0, 1, 0, 0)]
    [InlineData("P1DT2H", 0, 1, 2, 0)]
    [InlineData("-P1DT2H", 0, -1, -2, 0)]
    public void ParseOffset_SupportedDuration_IsAccepted(string text, int weeks, int days, int hours, int minutes)
    {
        var parsed = EventTime.ParseOffset(text);

        Assert.NotNull(parsed);
        Assert.Equal(weeks * 7 + days, parsed.Weeks * 7 + parsed.Days);
        Assert.Equal(hours, parsed.Hours);
        Assert.Equal(minutes, parsed.Minutes);
    }

    [Fact]
    public void ParseOffset_OneWeek_IsSevenDays()
    {
        var parsed = EventTime.ParseOffset("P1W");

        Assert.NotNull(parsed);
        Assert.Equal(7, parsed.Weeks * 7 + parsed.Days);
        Assert.Equal(Duration.FromDays(7), parsed.ToDuration());
    }

    [Theory]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    [InlineData("-P1M")]
    [InlineData("P1Y2D")]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(null)]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("30 minutes")]
    [InlineData("30")]
    [InlineData("-")]
    [InlineData("+")]
    [InlineData("PT30")]
    [InlineData("T30M")]
    public void ParseOffset_UnsupportedOrMalformed_IsRejected(string? text)
    {
        Assert.Null(EventTime.ParseOffset(text));
    }

    [Theory]
    [InlineData("P401D")]
    [InlineData("PT9999999999H")]
    [InlineData("P999999999D")]
    [InlineData("-P58W")]
    public void ParseOffset_LongerThan400Days_IsRejected(string text)
    {
        Assert.Null(EventTime.ParseOffset(text));
    }

    [Fact]
    public void ParseOffset_LongerThan64Characters_IsRejected()
    {
        Assert.Null(EventTime.ParseOffset("PT" + new string('0', 70) + "30M"));
    }

    [Theory]
    [InlineData("9999-12-31T23:00")]
    [InlineData("0001-01-01T00:00")]
    [InlineData("2201-01-01T00:00")]
    [InlineData("9999-12-31T23:00Z")]
    public void ParseLocal_YearFarFromNow_IsRejected(string text)
    {
        Assert.Null(EventTime.ParseLocal(text, DateTimeZoneProviders.Tzdb["America/Los_Angeles"]));
    }

    [Theory]
    [InlineData("+-PT2H")]
    [InlineData("--PT2H")]
    [InlineData("-+PT2H")]
    [InlineData("-P-1D")]
    [InlineData("P-1D")]
    [InlineData("PT-30M")]
    public void ParseOffset_MoreThanOneSignOrASignInside_IsRejected(string text)
    {
        Assert.Null(EventTime.ParseOffset(text));
    }

    // ---- Apply ----

    [Fact]
    public void Apply_MinutesAfterAnchor_IsElapsedTime()
    {
        var anchor = EventTime.ParseLocal("2026-12-05T23:00", London)!.Value;

        Assert.Equal(Utc("2026-12-05T23:30:00Z"), EventTime.Apply(anchor, Period.FromMinutes(30)));
    }

    [Fact]
    public void Apply_NegativeHours_IsBeforeTheAnchor()
    {
        var anchor = EventTime.ParseLocal("2026-12-05T19:00", London)!.Value;

        Assert.Equal(Utc("2026-12-05T17:00:00Z"), EventTime.Apply(anchor, EventTime.ParseOffset("-PT2H")!));
    }

    [Fact]
    public void Apply_OneDayAcrossSpringForward_KeepsWallClockTime()
    {
        // 22:00 GMT on Saturday; the clocks go forward overnight.
        var anchor = EventTime.ParseLocal("2027-03-27T22:00", London)!.Value;

        var due = EventTime.Apply(anchor, EventTime.ParseOffset("P1D")!);

        Assert.Equal(new LocalDateTime(2027, 3, 28, 22, 0), due.InZone(London).LocalDateTime);
        Assert.Equal(Utc("2027-03-28T21:00:00Z"), due);
    }

    [Fact]
    public void Apply_TwentyFourHoursAcrossSpringForward_IsElapsedTime()
    {
        var anchor = EventTime.ParseLocal("2027-03-27T22:00", London)!.Value;

        var due = EventTime.Apply(anchor, Period.FromHours(24));

        Assert.Equal(Utc("2027-03-28T22:00:00Z"), due);
        Assert.Equal(new LocalDateTime(2027, 3, 28, 23, 0), due.InZone(London).LocalDateTime);
    }

    [Fact]
    public void Apply_ParsedTwentyFourHoursAcrossSpringForward_StaysElapsedTime()
    {
        // PT24H must not be normalised into P1D on the way in.
        var anchor = EventTime.ParseLocal("2027-03-27T22:00", London)!.Value;

        Assert.Equal(Utc("2027-03-28T22:00:00Z"), EventTime.Apply(anchor, EventTime.ParseOffset("PT24H")!));
        Assert.Equal(Utc("2027-03-28T21:00:00Z"), EventTime.Apply(anchor, EventTime.ParseOffset("P1D")!));
    }

    [Fact]
    public void Apply_OneDayVersusTwentyFourHoursAcrossFallBack_DifferByAnHour()
    {
        var anchor = EventTime.ParseLocal("2026-10-24T22:00", London)!.Value;

        var oneDay = EventTime.Apply(anchor, Period.FromDays(1));
        var twentyFourHours = EventTime.Apply(anchor, Period.FromHours(24));

        Assert.Equal(Utc("2026-10-25T22:00:00Z"), oneDay);
        Assert.Equal(Utc("2026-10-25T21:00:00Z"), twentyFourHours);
        Assert.Equal(Duration.FromHours(1), oneDay - twentyFourHours);
    }

    [Fact]
    public void Apply_OneDayIntoAGap_MovesForwardByTheGap()
    {
        var anchor = EventTime.ParseLocal("2027-03-27T01:30", London)!.Value;

        var due = EventTime.Apply(anchor, Period.FromDays(1));

        Assert.Equal(Utc("2027-03-28T01:30:00Z"), due);
        Assert.Equal(new LocalDateTime(2027, 3, 28, 2, 30), due.InZone(London).LocalDateTime);
    }

    [Fact]
    public void Apply_DaysThenHours_MovesTheDateThenAddsElapsedHours()
    {
        var anchor = EventTime.ParseLocal("2027-03-27T22:00", London)!.Value;

        var due = EventTime.Apply(anchor, EventTime.ParseOffset("P1DT2H")!);

        // 22:00 BST on the 28th is 21:00Z; two elapsed hours later.
        Assert.Equal(Utc("2027-03-28T23:00:00Z"), due);
    }

    [Fact]
    public void Apply_OneWeekAcrossSpringForward_KeepsWallClockTime()
    {
        var anchor = EventTime.ParseLocal("2027-03-24T09:00", London)!.Value;

        var due = EventTime.Apply(anchor, EventTime.ParseOffset("P1W")!);

        Assert.Equal(new LocalDateTime(2027, 3, 31, 9, 0), due.InZone(London).LocalDateTime);
    }

    // ---- FormatLocal ----

    [Fact]
    public void FormatLocal_WholeMinute_OmitsSeconds()
    {
        Assert.Equal("2026-12-05T19:00", EventTime.FormatLocal(new LocalDateTime(2026, 12, 5, 19, 0)));
        Assert.Equal("2026-12-05T19:00:15", EventTime.FormatLocal(new LocalDateTime(2026, 12, 5, 19, 0, 15)));
    }
}

using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Dispatch;

public sealed class DispatchTimingOptionsTests
{
    private static readonly DateTimeOffset Due = new(2026, 12, 5, 21, 30, 0, TimeSpan.Zero);

    private static readonly Participant Organizer = new(Participant.OrganizerKey, "Sam", "+447911123456", null, "Etc/UTC");

    [Fact]
    public void Options_Defaults_HaveNoProblems_AndStateTheTolerance()
    {
        var options = new DispatchOptions();

        Assert.Empty(options.Problems());
        Assert.Equal(TimeSpan.FromSeconds(60), options.LateAfter);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("01:00:01")]
    public void Options_NoToleranceOrMoreThanAnHour_IsAProblem(string lateAfter)
    {
        var options = new DispatchOptions { LateAfter = TimeSpan.Parse(lateAfter, System.Globalization.CultureInfo.InvariantCulture) };

        Assert.Single(options.Problems());
    }

    [Fact]
    public void RetiredSettings_StillSet_AreFound_WithWhatReplacedThem()
    {
        // Configuration names are case-insensitive, as a deployment's settings are.
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { ["Dispatch:LookAhead"] = "00:00:50", ["Dispatch:concurrency"] = "4", ["Dispatch:MaxAttempts"] = "5" };

        var found = RetiredDispatchSettings.Found(settings.GetValueOrDefault).ToList();

        Assert.Equal(["LookAhead", "Concurrency"], found.Select(f => f.Setting));
        Assert.Contains("host.json", found[1].ReplacedBy, StringComparison.Ordinal);
        Assert.Equal(["Concurrency", "LookAhead", "RunBudget"], DispatchOptions.Retired.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void IsLate_ExactlyTheTolerance_IsOnTime_AndATickMoreIsLate()
    {
        var tolerance = TimeSpan.FromSeconds(60);

        Assert.False(CheckIn().IsLate(tolerance));
        Assert.False((CheckIn() with { SentAt = Due + tolerance }).IsLate(tolerance));
        Assert.True((CheckIn() with { SentAt = Due + tolerance + TimeSpan.FromTicks(1) }).IsLate(tolerance));
    }

    [Fact]
    public void QuietHoursHold_OnTimeAndAgreed_GoesAtNight()
    {
        Assert.Null(QuietHoursHold.Until(Organizer, CheckIn() with { Attempts = 1 }, Due));
        Assert.Null(QuietHoursHold.Until(Organizer, CheckIn() with { Attempts = 1 }, Due + QuietHoursHold.AgreedMomentLasts));
    }

    [Fact]
    public void QuietHoursHold_MovedRetriedOrGoneLate_WaitsForTheEndOfQuietHours()
    {
        var morning = new DateTimeOffset(2026, 12, 6, 8, 0, 0, TimeSpan.Zero);

        Assert.Equal(morning, QuietHoursHold.Until(Organizer, CheckIn() with { Attempts = 1, MovedAt = Due.AddHours(-10) }, Due));
        Assert.Equal(morning, QuietHoursHold.Until(Organizer, CheckIn() with { Attempts = 2 }, Due));
        Assert.Equal(morning, QuietHoursHold.Until(Organizer, CheckIn() with { Attempts = 1 }, Due + QuietHoursHold.AgreedMomentLasts + TimeSpan.FromTicks(1)));
        Assert.Null(QuietHoursHold.Until(Organizer, CheckIn() with { Attempts = 1, MovedAt = Due.AddHours(-10), DueAt = Due.AddHours(-8) }, Due.AddHours(-8)));
    }

    [Fact]
    public void QuietHoursHold_OnlyTheProvidersRateDelayedIt_KeepsTheAgreedMomentForAnHour()
    {
        var throttled = CheckIn() with { Attempts = 1, Reason = "throttled:twilio-20429" };

        Assert.Null(QuietHoursHold.Until(Organizer, throttled, Due + QuietHoursHold.ThrottleKeepsTheMoment));
        Assert.NotNull(QuietHoursHold.Until(Organizer, throttled, Due + QuietHoursHold.ThrottleKeepsTheMoment + TimeSpan.FromTicks(1)));
        Assert.NotNull(QuietHoursHold.Until(Organizer, throttled with { Reason = "twilio-30003" }, Due + TimeSpan.FromMinutes(6)));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(5, 1)]
    [InlineData(300, 30)]
    [InlineData(3600, 60)]
    public void ThrottleBackoff_IsATenthOfHowLateItIs_FromASecondToAMinute(int lateSeconds, int pauseSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(pauseSeconds), Dispatcher.ThrottleBackoff(TimeSpan.FromSeconds(lateSeconds)));
    }

    private static CheckInRecord CheckIn() =>
        new("ev_1", "ci_1", 0, Participant.OrganizerKey, Channel.Sms, "Hello", new CheckInTiming(null, "end", "PT30M"), Due, Due, CheckInStatus.Scheduled, null, 0, null, null, null);
}

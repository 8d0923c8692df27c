using AftercareNudge.Consent;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Consent;

public sealed class MissingConsentNoticesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);

    private static Participant Organizer(string zone = "Europe/London", string? quietHours = null) =>
        new(Participant.OrganizerKey, "Sam", "+447911123456", null, zone, quietHours);

    [Fact]
    public void NoticeTime_OutsideQuietHours_IsTheWantedTime()
    {
        var wanted = new DateTimeOffset(2026, 11, 24, 15, 0, 0, TimeSpan.Zero);

        Assert.Equal(wanted, MissingConsentNotices.NoticeTime(Organizer(), wanted, Now));
    }

    [Theory]
    [InlineData(23, 30)]
    [InlineData(3, 0)]
    [InlineData(20, 57)] // before them, but the five-minute timer would find it at 21:00
    public void NoticeTime_InTheOrganizersQuietHours_IsEarlyEnoughForTheTimerToSendItBeforeTheyBegin(int hour, int minute)
    {
        // 21:00-08:00 in London (GMT in November): the night of the 24th.
        var day = hour < 12 ? 25 : 24;
        var wanted = new DateTimeOffset(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 20, 54, 0, TimeSpan.Zero), MissingConsentNotices.NoticeTime(Organizer(), wanted, Now));
    }

    [Fact]
    public void NoticeTime_InTheOrganizersOwnQuietHoursAndZone_FollowsThem()
    {
        // 22:00-07:00 in New York (UTC-5): 03:00 UTC is 22:00 there, so the notice goes at 21:54 New York time.
        var wanted = new DateTimeOffset(2026, 11, 25, 3, 0, 0, TimeSpan.Zero);

        Assert.Equal(
            new DateTimeOffset(2026, 11, 25, 2, 54, 0, TimeSpan.Zero),
            MissingConsentNotices.NoticeTime(Organizer("America/New_York", "22:00-07:00"), wanted, Now));
    }

    [Fact]
    public void NoticeTime_BeforeNow_IsNow()
    {
        Assert.Equal(Now, MissingConsentNotices.NoticeTime(Organizer(), Now.AddHours(-1), Now));
    }

    [Fact]
    public void Sentence_SaysWhoWhichChannelsAndWhen_WithTheDateOnAnotherDay()
    {
        var zone = EventTime.FindZone("Europe/London")!;

        Assert.Equal(
            "Alex has not agreed yet to get your check-in texts or emails, so the one at 10:00 on Wed 25 Nov will not go out unless they agree before then.",
            MissingConsentNotices.Sentence("Alex", [Channel.Sms, Channel.Email], new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero), zone, Now));
    }
}

using AftercareNudge.Events;
using AftercareNudge.Schedule;
using AftercareNudge.Tests.Storage;

namespace AftercareNudge.Tests.Events;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>
/// The statuses, kinds and channels the API answers (their JSON names), and the names rows store
/// (an enum's member name, as <c>ToString()</c> writes it): <c>Stored=json</c>, in declaration order.
/// </remarks>
public sealed class EventStringsPinnedTests
{
    [Fact]
    public void Channel_StoredAndPublishedNames()
    {
        Assert.Equal("Sms=sms,Email=email", PinnedApp.EnumNames<Channel>());
    }

    [Fact]
    public void EventStatus_StoredAndPublishedNames()
    {
        Assert.Equal("AwaitingConsent=awaiting-consent,Scheduled=scheduled,Cancelled=cancelled,Completed=completed,Ended=ended", PinnedApp.EnumNames<EventStatus>());
        Assert.Equal(["awaiting-consent", "scheduled", "cancelled", "completed", "ended"], EventListQuery.Statuses.Keys);
    }

    [Fact]
    public void CheckInStatus_StoredAndPublishedNames()
    {
        Assert.Equal("Scheduled=scheduled,Sending=sending,Sent=sent,Delivered=delivered,Failed=failed,Skipped=skipped,Cancelled=cancelled", PinnedApp.EnumNames<CheckInStatus>());
    }

    [Fact]
    public void CheckInKind_StoredAndPublishedNames()
    {
        Assert.Equal("CheckIn=check-in,Reminder=reminder,Fallback=fallback,Notice=notice,Relay=relay,SafetyReminder=safety-reminder,Alert=alert,AllClear=all-clear,UrgentAlert=urgent-alert,SafetyCancelled=safety-cancelled", PinnedApp.EnumNames<CheckInKind>());
    }

    [Fact]
    public void CheckInChangeKind_StoredInTheJournalAsItsMemberName()
    {
        Assert.Equal("Add=Add,Edit=Edit,Remove=Remove", PinnedApp.EnumNames<CheckInChangeKind>());
    }

    [Fact]
    public void OrganizerKey_IsOrganizer()
    {
        Assert.Equal("organizer", Participant.OrganizerKey);
    }
}

using AftercareNudge.Events;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.Tests.Events;

/// <summary>
/// A change to an event with an armed check-in: its net and ladder move with it, a new
/// <c>awaitReply</c> re-arms it, the same one changes nothing, and once its ladder has started it is a conflict.
/// </summary>
public sealed class EventChangePlannerSafetyTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly EventValidator Validator = new(new FakeTimeProvider(Now));
    private static readonly AwaitReplyRequest Net = new("PT20M", "PT10M", ["jo"], "at the Crown", null);

    private static (EventRecord Record, List<CheckInRecord> Rows, IReadOnlyList<AwaitedReply> Awaited) Stored()
    {
        var (planned, errors) = Validator.Validate(new RegisterEventRequest(
            Title: "Dinner with Alex",
            Kind: "date",
            TimeZone: "Etc/UTC",
            StartsAt: "2026-07-10T19:00",
            EndsAt: "2026-07-10T23:00",
            Organizer: new PersonRequest(null, "Sam", "+447911123456", null, null),
            People: [new PersonRequest("jo", "Jo", "+447911000222", null, null, Role: "trustedContact")],
            CheckIns: [new CheckInRequest("organizer", "sms", null, "end", "PT1H", "Home safe?", Net)]));
        Assert.Empty(errors);
        var record = EventMapping.NewEvent("ev_000000000000000000000001", "client-a", "org", planned!, Now);
        var rows = planned!.CheckIns.Select((c, i) => EventMapping.NewCheckIn(record.Id, $"ci_{i:D24}", i, c)).ToList();
        var (ladders, awaited) = EventMapping.Armed(record, planned.CheckIns, rows);
        return (record, [.. rows, .. ladders], awaited);
    }

    private static ChangePlan Plan(PatchEventRequest patch, DateTimeOffset? now = null)
    {
        var (record, rows, awaited) = Stored();
        return new EventChangePlanner(record, rows, patch, now ?? Now, awaited).Make();
    }

    private const string Armed = "ci_000000000000000000000000";
    private static readonly DateTimeOffset Due = new(2026, 7, 11, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Move_MovesTheNetAndEveryRungByTheSameTime()
    {
        var plan = Plan(new PatchEventRequest(null, null, "2026-07-11T00:00", null));

        var net = Assert.Single(plan.NetChanges);
        Assert.Equal((Due.AddHours(1), false), (net.Net.DueAt, net.Removes));
        Assert.Equal(
            [(Armed, Due.AddHours(1)), (SafetyLadder.ReminderId(Armed), Due.AddHours(1).AddMinutes(20)), (SafetyLadder.AlertId(Armed, 1), Due.AddHours(1).AddMinutes(30))],
            plan.CheckInChanges.Select(c => (c.CheckInId, c.DueAt!.Value)));
        Assert.All(plan.CheckInChanges, c => Assert.Equal(CheckInChangeKind.Edit, c.What));
    }

    [Fact]
    public void Rearm_WithTheSameAwaitReply_ChangesNothing_AndANewNoteRearmsInPlace()
    {
        var same = Plan(new PatchEventRequest(null, null, null, [new PatchCheckInRequest(Armed, null, null, null, null, null, null, Net)]));
        Assert.Empty(same.NetChanges);
        Assert.Empty(same.CheckInChanges);

        var noted = Plan(new PatchEventRequest(null, null, null, [new PatchCheckInRequest(Armed, null, null, null, null, null, null, Net with { Note = "at the Star" })]));
        Assert.Equal(("at the Star", Due), (Assert.Single(noted.NetChanges).Net.Net.Note, noted.NetChanges[0].Net.DueAt));
        Assert.Empty(noted.CheckInChanges);
    }

    [Fact]
    public void Change_OnceTheCheckInIsDue_IsAConflictNamingIt()
    {
        var plan = Plan(new PatchEventRequest(null, null, "2026-07-11T00:00", null), now: Due.AddMinutes(1));

        Assert.True(plan.ArmedStarted);
        Assert.Equal([EventChangePlanner.ArmedStartedMessage], plan.Conflicts["checkIns[0]"]);
    }
}

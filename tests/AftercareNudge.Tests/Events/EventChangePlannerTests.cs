using AftercareNudge.Events;
using AftercareNudge.Schedule;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.Tests.Events;

/// <summary>
/// A change (PATCH) is checked on the stored event's own values by the registration's rules: the same
/// answer (times, field errors) as a registration of the event as changed would give.
/// </summary>
public sealed class EventChangePlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly EventValidator Validator = new(new FakeTimeProvider(Now));

    private static RegisterEventRequest Dinner(params CheckInRequest[] checkIns) => new(
        Title: "Dinner with Alex",
        Kind: "date",
        TimeZone: "Europe/London",
        StartsAt: "2026-07-10T19:00",
        EndsAt: "2026-07-10T23:00",
        Organizer: new PersonRequest(null, "Sam", "+447911123456", "sam@example.com", null),
        People: [new PersonRequest("alex", "Alex", null, "alex@example.com", "America/New_York")],
        CheckIns: checkIns.Length > 0 ? checkIns : [new CheckInRequest("organizer", "sms", null, "end", "PT1H", "Home safe?")]);

    private static (EventRecord Record, List<CheckInRecord> Rows) Stored(RegisterEventRequest request)
    {
        var (planned, errors) = Validator.Validate(request);
        Assert.Empty(errors);
        var record = EventMapping.NewEvent("ev_000000000000000000000001", "client-a", "org", planned!, Now);
        return (record, planned!.CheckIns.Select((c, i) => EventMapping.NewCheckIn(record.Id, $"ci_{i:D24}", i, c)).ToList());
    }

    private static ChangePlan Plan(RegisterEventRequest registered, PatchEventRequest patch)
    {
        var (record, rows) = Stored(registered);
        return new EventChangePlanner(record, rows, patch, Now).Make();
    }

    private static PatchEventRequest Patch(string? timeZone = null, string? startsAt = null, string? endsAt = null, params PatchCheckInRequest[] checkIns) =>
        new(timeZone, startsAt, endsAt, checkIns.Length > 0 ? checkIns : null);

    private static PatchCheckInRequest New(string to, string channel, string? at, string? after, string? offset, string? message) =>
        new(null, to, channel, at, after, offset, message);

    [Fact]
    public void Make_NothingChanges_IsValidAndChangesNothing()
    {
        var plan = Plan(Dinner(), Patch());

        Assert.Empty(plan.FieldErrors);
        Assert.Empty(plan.CheckInChanges);
        Assert.False(plan.ChangesEvent);
    }

    [Fact]
    public void Validate_RegistrationWithoutCheckIns_StillNeedsOne()
    {
        var (planned, errors) = Validator.Validate(Dinner() with { CheckIns = [] });

        Assert.Null(planned);
        Assert.Equal(["At least one check-in is required."], errors["checkIns"]);
    }

    [Fact]
    public void Make_EndBeforeStart_IsTheRegistrationsError()
    {
        var plan = Plan(Dinner(), Patch(endsAt: "2026-07-10T18:00"));

        Assert.Equal(["The end must be after the start."], plan.FieldErrors["endsAt"]);
    }

    [Fact]
    public void Make_StartInADstGap_MovesForwardAsARegistrationDoes()
    {
        // 01:30 on 28 March 2027 does not happen in London: the clocks go from 01:00 to 02:00.
        var plan = Plan(Dinner(), Patch(startsAt: "2027-03-28T01:30", endsAt: "2027-03-28T05:00"));
        var (registered, _) = Validator.Validate(Dinner() with { StartsAt = "2027-03-28T01:30", EndsAt = "2027-03-28T05:00" });

        Assert.Empty(plan.FieldErrors);
        Assert.Equal("2027-03-28T02:30", plan.ChangedEvent.StartsAtLocal);
        Assert.Equal(new DateTimeOffset(2027, 3, 28, 1, 30, 0, TimeSpan.Zero), plan.ChangedEvent.StartsAtUtc);
        var moved = Assert.Single(plan.CheckInChanges);
        Assert.Equal(registered!.CheckIns[0].DueAt.ToDateTimeOffset(), moved.DueAt);
    }

    [Fact]
    public void Make_AtOnTheRecipientsClock_IsReadInTheirZone()
    {
        var at = New("alex", "email", "2026-07-11T09:00", null, null, "Morning!");
        var plan = Plan(Dinner(), Patch(checkIns: [new PatchCheckInRequest("ci_000000000000000000000000", null, null, null, null, null, null), at]));
        var (registered, _) = Validator.Validate(Dinner(new CheckInRequest("alex", "email", "2026-07-11T09:00", null, null, "Morning!")));

        Assert.Empty(plan.FieldErrors);
        var added = Assert.Single(plan.CheckInChanges);
        Assert.Equal((CheckInChangeKind.Add, new DateTimeOffset(2026, 7, 11, 13, 0, 0, TimeSpan.Zero)), (added.What, added.DueAt));
        Assert.Equal(registered!.CheckIns[0].DueAt.ToDateTimeOffset(), added.DueAt);
    }

    [Fact]
    public void Make_NewZone_MovesWhoeverFollowsTheEvent_AndTheirAtWithThem()
    {
        var plan = Plan(Dinner(), Patch(timeZone: "Asia/Tokyo", checkIns: [New("organizer", "sms", "2026-07-11T09:00", null, null, "Morning!")]));

        Assert.Empty(plan.FieldErrors);
        Assert.Equal(("Asia/Tokyo", "America/New_York"), (plan.ChangedEvent.Organizer.TimeZone, plan.ChangedEvent.People[0].TimeZone));
        Assert.Equal(new DateTimeOffset(2026, 7, 10, 10, 0, 0, TimeSpan.Zero), plan.ChangedEvent.StartsAtUtc);
        var added = plan.CheckInChanges.Single(c => c.What == CheckInChangeKind.Add);
        Assert.Equal(new DateTimeOffset(2026, 7, 11, 0, 0, 0, TimeSpan.Zero), added.DueAt);
    }

    [Theory]
    [InlineData("organizer", "sms", null, "end", "soon", "hi", "checkIns[1].offset")]
    [InlineData("organizer", "sms", "2026-07-11", null, null, "hi", "checkIns[1].at")]
    [InlineData("organizer", "pigeon", null, "end", "PT1H", "hi", "checkIns[1].channel")]
    [InlineData("nobody", "sms", null, "end", "PT1H", "hi", "checkIns[1].to")]
    [InlineData("organizer", "sms", null, "end", "PT1H", "  ", "checkIns[1].message")]
    [InlineData("organizer", "sms", "2026-05-01T10:00", null, null, "hi", "checkIns[1]")]
    [InlineData("organizer", "sms", null, "end", "PT1H", "hi\u202E", "checkIns[1].message")]
    public void Make_InvalidNewCheckIn_IsTheRegistrationsError(string to, string channel, string? at, string? after, string? offset, string message, string field)
    {
        var plan = Plan(Dinner(), Patch(checkIns: [new PatchCheckInRequest("ci_000000000000000000000000", null, null, null, null, null, null), New(to, channel, at, after, offset, message)]));
        var (_, registered) = Validator.Validate(Dinner(new CheckInRequest("organizer", "sms", null, "end", "PT1H", "Home safe?"), new CheckInRequest(to, channel, at, after, offset, message)));

        Assert.Equal(registered.Keys, plan.FieldErrors.Keys);
        Assert.Equal(registered[field], plan.FieldErrors[field]);
    }

    [Fact]
    public void Make_EditedMessageOrTime_IsCheckedWhereTheListNamesIt()
    {
        var edit = new PatchCheckInRequest("ci_000000000000000000000000", null, null, null, null, "soon", "  ");
        var plan = Plan(Dinner(), Patch(checkIns: edit));

        Assert.Equal(["checkIns[0].message", "checkIns[0]"], plan.FieldErrors.Keys);
        Assert.Equal(["The message cannot be empty."], plan.FieldErrors["checkIns[0].message"]);
    }

    [Fact]
    public void Make_ZoneNotValid_NamesTheZone_NotWhatFollowsIt()
    {
        var plan = Plan(Dinner(), Patch(timeZone: "Mars/Olympus_Mons", startsAt: "next tuesday"));

        Assert.Equal(["timeZone", "startsAt"], plan.FieldErrors.Keys);
        Assert.Equal([EventValidator.ZoneRule], plan.FieldErrors["timeZone"]);
    }

    [Fact]
    public void Make_OnAnEventInAClockOverlap_KeepsItsInstant()
    {
        // 01:30 happens twice on 25 October 2026 in London; the client chose the second (GMT) by its offset.
        var registered = Dinner() with { StartsAt = "2026-10-25T01:30+00:00", EndsAt = "2026-10-25T04:00" };
        var plan = Plan(registered, Patch(checkIns: new PatchCheckInRequest("ci_000000000000000000000000", null, null, null, null, null, "Home safe yet?")));

        Assert.Empty(plan.FieldErrors);
        Assert.False(plan.ChangesEvent);
        var edit = Assert.Single(plan.CheckInChanges);
        Assert.Equal(("Home safe yet?", null), (edit.Message, edit.DueAt));
    }

    [Fact]
    public void Make_MovingAFullEventWithAReminder_IsNotRefusedForItsCount()
    {
        var full = Enumerable.Range(0, EventValidator.MaxCheckIns).Select(i => new CheckInRequest("organizer", "sms", null, "end", $"PT{i + 1}H", "Home safe?")).ToArray();
        var registered = Dinner(full) with { Aftercare = new AftercareRequest("Tea and blankets.", null, [new ReminderRequest("alex", null, "end", "PT2H")]) };

        var plan = Plan(registered, Patch(startsAt: "2026-07-10T20:00", endsAt: "2026-07-11T00:00"));

        Assert.Empty(plan.FieldErrors);
        Assert.Equal(EventValidator.MaxCheckIns + 1, plan.CheckInChanges.Count);
    }
}

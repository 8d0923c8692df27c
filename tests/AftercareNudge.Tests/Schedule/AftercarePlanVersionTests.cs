using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Schedule;

/// <summary>A person's plan version is the words they were shown: the shared plan and their own needs, nothing else.</summary>
public sealed class AftercarePlanVersionTests
{
    private static readonly Participant Alex = new("alex", "Alex", null, "alex@example.com", "Etc/UTC", Needs: "A hug.");
    private static readonly Participant Robin = new("robin", "Robin", null, "robin@example.com", "Etc/UTC", Needs: "A walk home.");

    private static EventRecord Event(string? plan, params Participant[] people) => new(
        "ev_1", "clientA", "org", "Dinner", "date", "Etc/UTC", "2026-12-05T19:00", "2026-12-05T23:00",
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new Participant(Participant.OrganizerKey, "Sam", "+447911123456", null, "Etc/UTC"),
        people, DateTimeOffset.UnixEpoch, null, Plan: plan);

    [Fact]
    public void Version_SomeoneElsesNeedsKeyOrErasure_DoNotChangeIt()
    {
        var before = Event("Blankets.", Alex, Robin);
        var version = AftercarePlan.Version(before, Alex);

        Assert.Equal(version, AftercarePlan.Version(Event("Blankets.", Alex, Robin with { Needs = "Tea." }), Alex));
        Assert.Equal(version, AftercarePlan.Version(Event("Blankets.", Alex, Robin with { Key = "erased.2", Needs = null, Name = "(erased)" }), Alex));
        Assert.Equal(version, AftercarePlan.Version(Event("Blankets.", Alex), Alex));
        Assert.False(AftercarePlan.ChangedForAnyone(before, Event("Blankets.", Alex, Robin)));
        Assert.True(AftercarePlan.ChangedForAnyone(before, Event("Blankets.", Alex, Robin with { Needs = "Tea." })));
    }

    [Fact]
    public void Version_ThePlanOrTheirOwnNeeds_ChangeIt()
    {
        var version = AftercarePlan.Version(Event("Blankets.", Alex, Robin), Alex);

        Assert.NotEqual(version, AftercarePlan.Version(Event("Blankets and tea.", Alex, Robin), Alex));
        Assert.NotEqual(version, AftercarePlan.Version(Event("Blankets.", Alex with { Needs = "Space." }, Robin), Alex with { Needs = "Space." }));
        Assert.Null(AftercarePlan.Version(Event(null, Alex with { Needs = null }), Alex with { Needs = null }));
    }
}

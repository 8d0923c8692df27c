using AftercareNudge.Events;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.Tests.Events;

/// <summary>The validator's hook for a change (PATCH): it may check no check-in at all, and POST is as before.</summary>
public sealed class EventValidatorChangeTests
{
    private static readonly EventValidator Validator = new(new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero)));

    private static RegisterEventRequest WithoutCheckIns() => new(
        Title: "Dinner with Alex",
        Kind: "date",
        TimeZone: "Europe/London",
        StartsAt: "2026-07-10T19:00",
        EndsAt: "2026-07-10T23:00",
        Organizer: new PersonRequest(null, "Sam", "+447911123456", null, null),
        People: null,
        CheckIns: []);

    [Fact]
    public void Validate_ChangeTouchingNoCheckIn_IsValid()
    {
        var (planned, errors) = Validator.Validate(WithoutCheckIns(), checkInsRequired: false);

        Assert.Empty(errors);
        Assert.NotNull(planned);
        Assert.Empty(planned.CheckIns);
    }

    [Fact]
    public void Validate_RegistrationWithoutCheckIns_StillNeedsOne()
    {
        var (planned, errors) = Validator.Validate(WithoutCheckIns());

        Assert.Null(planned);
        Assert.Equal(["At least one check-in is required."], errors["checkIns"]);
    }

    [Fact]
    public void Validate_ChangeTouchingNoCheckIn_StillChecksTheEvent()
    {
        var (planned, errors) = Validator.Validate(WithoutCheckIns() with { EndsAt = "2026-07-10T18:00" }, checkInsRequired: false);

        Assert.Null(planned);
        Assert.Equal(["The end must be after the start."], errors["endsAt"]);
    }
}

using AftercareNudge.Events;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using NodaTime.Text;

namespace AftercareNudge.Tests.Events;

/// <summary>
/// A check-in's <c>at</c> is a time on its recipient's clock; <c>after</c> check-ins follow the event's
/// instants. DST gaps move forward, overlaps take the earlier instant, in every zone.
/// </summary>
public sealed class RecipientZoneTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private static RegisterEventRequest Event(string? alexZone, params CheckInRequest[] checkIns) => new(
        Title: "Dinner with Alex",
        Kind: "date",
        TimeZone: "Europe/London",
        StartsAt: "2026-07-10T19:00",
        EndsAt: "2026-07-10T23:00",
        Organizer: new PersonRequest(null, "Sam", "+447911123456", "sam@example.com", null),
        People: [new PersonRequest("alex", "Alex", "+14155550123", "alex@example.com", alexZone)],
        CheckIns: checkIns);

    private static Instant DueOf(RegisterEventRequest request, int index = 0)
    {
        var (planned, errors) = new EventValidator(new FakeTimeProvider(Now)).Validate(request);
        Assert.True(planned is not null, string.Join("; ", errors.SelectMany(e => e.Value.Select(v => $"{e.Key}: {v}"))));
        return planned.CheckIns[index].DueAt;
    }

    private static Instant Utc(string text) => InstantPattern.ExtendedIso.Parse(text).Value;

    [Theory]
    [InlineData("America/New_York", "2026-07-11T10:00", "2026-07-11T14:00:00Z")]
    [InlineData("Europe/London", "2026-07-11T10:00", "2026-07-11T09:00:00Z")]
    [InlineData("Australia/Sydney", "2026-07-11T10:00", "2026-07-11T00:00:00Z")]
    public void At_IsReadOnTheRecipientsClock(string zone, string at, string expectedUtc)
    {
        var due = DueOf(Event(zone, new CheckInRequest("alex", "email", at, null, null, "Morning!")));

        Assert.Equal(Utc(expectedUtc), due);
    }

    [Fact]
    public void At_ForARecipientWithoutAZone_IsReadInTheEventsZone()
    {
        var due = DueOf(Event(null, new CheckInRequest("alex", "email", "2026-07-11T10:00", null, null, "Morning!")));

        Assert.Equal(Utc("2026-07-11T09:00:00Z"), due);
    }

    [Fact]
    public void At_ForTheOrganizer_IsReadInTheOrganizersZoneNotAPersons()
    {
        var due = DueOf(Event("Australia/Sydney", new CheckInRequest("organizer", "sms", "2026-07-11T10:00", null, null, "Morning!")));

        Assert.Equal(Utc("2026-07-11T09:00:00Z"), due);
    }

    [Theory]
    [InlineData("America/New_York")]
    [InlineData("Australia/Sydney")]
    public void After_FollowsTheEventsInstant_WhateverTheRecipientsZone(string zone)
    {
        var due = DueOf(Event(zone, new CheckInRequest("alex", "sms", null, "end", "PT30M", "How are you?")));

        Assert.Equal(Utc("2026-07-10T22:30:00Z"), due);
    }

    [Theory]
    // Spring forward: 02:30 does not exist and moves forward by the gap.
    [InlineData("America/New_York", "2027-03-14T02:30", "2027-03-14T07:30:00Z")]
    [InlineData("Europe/London", "2027-03-28T01:30", "2027-03-28T01:30:00Z")]
    [InlineData("Australia/Sydney", "2026-10-04T02:30", "2026-10-03T16:30:00Z")]
    // Fall back: 01:30 (02:30 in Sydney) happens twice and is the earlier of the two.
    [InlineData("America/New_York", "2026-11-01T01:30", "2026-11-01T05:30:00Z")]
    [InlineData("Europe/London", "2026-10-25T01:30", "2026-10-25T00:30:00Z")]
    [InlineData("Australia/Sydney", "2027-04-04T02:30", "2027-04-03T15:30:00Z")]
    public void At_InTheRecipientsDstGapOrOverlap_FollowsTheStatedRule(string zone, string at, string expectedUtc)
    {
        var due = DueOf(Event(zone, new CheckInRequest("alex", "email", at, null, null, "Morning!")));

        Assert.Equal(Utc(expectedUtc), due);
    }

    [Fact]
    public void At_InTheRecipientsZone_IsCheckedAgainstNowInThatZone()
    {
        // 2026-06-01T09:00Z is 19:00 in Sydney: 18:00 Sydney time that day has already passed.
        var (planned, errors) = new EventValidator(new FakeTimeProvider(Now)).Validate(
            Event("Australia/Sydney", new CheckInRequest("alex", "email", "2026-06-01T18:00", null, null, "Evening!")));

        Assert.Null(planned);
        Assert.Contains("checkIns[0]", errors.Keys);
    }
}

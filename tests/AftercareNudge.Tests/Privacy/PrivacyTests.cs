using AftercareNudge.Privacy;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Privacy;

public sealed class PrivacyTests
{
    private static readonly DateTimeOffset End = new(2026, 12, 5, 23, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("+447911123457", Channel.Sms, "+447911123457")]
    [InlineData(" +44 7911 123457 ", Channel.Sms, "+447911123457")]
    [InlineData("alex@example.com", Channel.Email, "alex@example.com")]
    [InlineData(" Alex@Example.com", Channel.Email, "Alex@Example.com")]
    public void Parse_AGoodAddress_IsNormalisedAsRegistrationStoresIt(string text, Channel channel, string address) =>
        Assert.Equal((channel, address), ErasedAddresses.Parse(text).Address);

    [Theory]
    [InlineData("07911123457", "The phone number must start with + and its country code, such as +447911123456.")]
    [InlineData("+447700900123", "This is not a valid phone number.")]
    [InlineData("alex@", "This is not a valid email address.")]
    [InlineData("", "The phone number must start with + and its country code, such as +447911123456.")]
    public void Parse_ABadAddress_SaysWhyInRegistrationsWords(string text, string error)
    {
        var (address, message) = ErasedAddresses.Parse(text);

        Assert.Null(address);
        Assert.Equal(error, message);
    }

    [Theory]
    [InlineData("30.00:00:00", true)]
    [InlineData("1.00:00:00", true)]
    [InlineData("3650.00:00:00", true)]
    [InlineData("23:59:00", false)]
    [InlineData("3651.00:00:00", false)]
    [InlineData("-1.00:00:00", false)]
    public void Options_Retention_MustBeBetweenADayAndTenYears(string retention, bool valid)
    {
        var problems = new PrivacyOptions { RetainEventContentFor = TimeSpan.Parse(retention, System.Globalization.CultureInfo.InvariantCulture) }.Problems().ToList();

        Assert.Equal(valid, problems.Count == 0);
        Assert.All(problems, p => Assert.StartsWith("Privacy:RetainEventContentFor must be between", p, StringComparison.Ordinal));
    }

    [Fact]
    public void Options_Default_KeepsContentThirtyDays() =>
        Assert.Equal(TimeSpan.FromDays(30), new PrivacyOptions().RetainEventContentFor);

    [Fact]
    public void LastActivity_IsTheLatestOfTheEndAndEveryCheckInsTimes()
    {
        var record = Event();
        var before = CheckIn(End.AddHours(-1));
        var retried = CheckIn(End.AddHours(1)) with { NextAttemptAt = End.AddHours(3) };
        var late = CheckIn(End.AddHours(2)) with { SentAt = End.AddHours(4), Status = CheckInStatus.Sent };

        Assert.Equal(End, PurgeIndex.LastActivity(record, [before]));
        Assert.Equal(End.AddHours(3), PurgeIndex.LastActivity(record, [before, retried]));
        Assert.Equal(End.AddHours(4), PurgeIndex.LastActivity(record, [before, retried, late]));
    }

    private static EventRecord Event()
    {
        var organizer = new Participant(Participant.OrganizerKey, "Sam", "+447911123456", null, "Etc/UTC");
        return new EventRecord("ev_1", "clientA", "org", "Dinner", "date", "Etc/UTC", "", "", End.AddHours(-4), End, organizer, [], End.AddDays(-2), null);
    }

    private static CheckInRecord CheckIn(DateTimeOffset due) =>
        new("ev_1", "ci_" + due.Ticks, 0, Participant.OrganizerKey, Channel.Sms, "Hello", new CheckInTiming(null, null, null), due, due, CheckInStatus.Cancelled, null, 0, null, null, null);
}

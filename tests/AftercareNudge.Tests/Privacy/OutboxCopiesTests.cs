using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Privacy;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Privacy;

/// <summary>Which outbox messages of an event an erasure of Alex (+447911123457) deletes.</summary>
public sealed class OutboxCopiesTests
{
    private const string Alex = "+447911123457";
    private const string Sam = "+447911123456";
    private static readonly DateTimeOffset At = new(2026, 12, 5, 23, 0, 0, TimeSpan.Zero);

    // ci_1 to Alex; a relay and a notice about it, a fallback after it, a notice about that; ci_2 to Sam.
    private static readonly CheckInRecord[] CheckIns =
    [
        Row("ci_1", "alex"),
        Row("rl-SM1", "organizer", CheckInKind.Relay, "ci_1"),
        Row("nt-1", "organizer", CheckInKind.Notice, "ci_1"),
        Row("fb-1", "alex", CheckInKind.Fallback, "ci_1"),
        Row("nt-2", "organizer", CheckInKind.Notice, "fb-1"),
        Row("ci_2", "organizer"),
    ];

    private static readonly OutboxCopies AlexsCopies = new(Alex, ["Alex"], new HashSet<string> { "alex" }, CheckIns);

    [Theory]
    [InlineData("rl-SM1")]
    [InlineData("nt-1")]
    [InlineData("nt-2")]
    public void IsCopy_AMessageToTheOrganiserAboutACheckInToThem_EvenWithoutTheirName(string checkInId) =>
        Assert.True(AlexsCopies.IsCopy(Message(Sam, "AftercareNudge: a reply came in.", checkInId)));

    [Fact]
    public void IsCopy_AFallbackToTheirOtherAddress() =>
        Assert.True(AlexsCopies.IsCopy(Message("alex@example.com", "Sam via AftercareNudge: Morning!", "fb-1")));

    [Theory]
    [InlineData("AftercareNudge: Alex has not agreed yet to get your check-in emails.")]
    [InlineData("Needs of ALEX: a hug.")]
    [InlineData("Sam via AftercareNudge: say hi to Alex!")]
    [InlineData("Call +447911123457 if you can.")]
    public void IsCopy_AnyMessageOfTheEventThatNamesThemOrShowsTheirAddress(string body) =>
        Assert.True(AlexsCopies.IsCopy(Message(Sam, body, null)));

    [Fact]
    public void IsCopy_AMessageToTheirAddress() =>
        Assert.True(AlexsCopies.IsCopy(Message(Alex, "AftercareNudge: Thanks.", null)));

    [Theory]
    [InlineData("Sam via AftercareNudge: Hey, how are you feeling?", "ci_2")]
    [InlineData("Sam via AftercareNudge: Alexander says hi.", null)]
    [InlineData("Sam via AftercareNudge: please confirm this number.", null)]
    public void IsCopy_NotAMessageThatIsNotAboutThem(string body, string? checkInId) =>
        Assert.False(AlexsCopies.IsCopy(Message(Sam, body, checkInId)));

    [Fact]
    public void IsCopy_AnErasedNameIsNoName()
    {
        var copies = new OutboxCopies(Alex, [RemovedNames.Erased, " "], new HashSet<string> { "alex" }, CheckIns);

        Assert.False(copies.IsCopy(Message(Sam, "Your check-in to (erased) was cancelled.", null)));
    }

    [Theory]
    [InlineData("Al", "Also fine", false)]
    [InlineData("Al", "Hi Al.", true)]
    [InlineData("Jo-Ann", "jo-ann replied", true)]
    [InlineData("Zoë", "Zoës", false)]
    [InlineData("Sam", "Sam", true)]
    public void HasWord_IsAWholeWordInAnyCase(string word, string text, bool found) =>
        Assert.Equal(found, OutboxCopies.HasWord(text, word));

    private static CheckInRecord Row(string id, string to, CheckInKind kind = CheckInKind.CheckIn, string? relatesTo = null) =>
        new("ev_1", id, 0, to, Channel.Sms, "", new CheckInTiming(null, null, null), At, At, CheckInStatus.Sent, null, 1, null, At, null, Kind: kind, RelatesTo: relatesTo);

    private static OutboxMessage Message(string to, string body, string? checkInId) =>
        new("row", "sms", to, null, body, MessageKinds.Notice, "ev_1", checkInId, At);
}

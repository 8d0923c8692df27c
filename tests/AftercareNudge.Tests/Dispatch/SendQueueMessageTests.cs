using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;

namespace AftercareNudge.Tests.Dispatch;

public sealed class SendQueueMessageTests
{
    private static readonly DueEntry Entry = new("ev_7Qk2", "ci_Zt9", new DateTimeOffset(2026, 12, 6, 10, 0, 0, 123, TimeSpan.Zero));

    [Fact]
    public void Message_CarriesIdsAndTheDueInstantOnly_AndReadsBackExactly()
    {
        var message = SendQueue.Write(Entry);
        var withClient = Entry with { ClientId = "clientA" };

        Assert.Equal("""{"eventId":"ev_7Qk2","checkInId":"ci_Zt9","due":639321480001230000}""", message);
        Assert.Equal(Entry, SendQueue.Read(message));
        Assert.Equal("""{"eventId":"ev_7Qk2","checkInId":"ci_Zt9","due":639321480001230000,"clientId":"clientA"}""", SendQueue.Write(withClient));
        Assert.Equal(withClient, SendQueue.Read(SendQueue.Write(withClient)));
    }

    [Fact]
    public void FairOrder_WithinEachSecond_TakesEachClientInTurn_AndKeepsTheSecondsInOrder()
    {
        var second = new DateTimeOffset(2026, 12, 6, 10, 0, 0, TimeSpan.Zero);
        DueRow Row(string client, int i, int ms = 0) => new(new DueEntry("ev_" + client, client + i, second.AddMilliseconds(ms), client), null, Azure.ETag.All);
        var rows = new[] { Row("a", 1), Row("a", 2, 100), Row("a", 3, 200), Row("a", 4, 300), Row("b", 1, 400), Row("a", 5, 500), Row("b", 2, 600), Row("a", 6, 1000) };

        var order = SendScheduler.FairOrder(rows).Select(r => r.Entry.CheckInId);

        Assert.Equal(["a1", "b1", "a2", "b2", "a3", "a4", "a5", "a6"], order);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("""{"eventId":"ev_1"}""")]
    [InlineData("""{"eventId":"","checkInId":"ci_1","due":1}""")]
    [InlineData("""{"eventId":"ev_1","checkInId":"ci_1","due":-5}""")]
    [InlineData("""{"eventId":"ev_1","checkInId":"ci_1","due":"soon"}""")]
    public void Message_NotOneOfOurs_ReadsAsNothing(string message)
    {
        Assert.Null(SendQueue.Read(message));
    }

    [Theory]
    [InlineData(-3_000, 0)]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(56_600, 57)]
    [InlineData(57_000, 57)]
    public void Visibility_IsWholeSecondsRoundedUp_SoNothingIsVisibleEarly(int delayMs, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), SendQueue.Visibility(TimeSpan.FromMilliseconds(delayMs)));
    }

    [Theory]
    [InlineData("", "sends")]
    [InlineData("T20261207ab", "t20261207absends")]
    public void QueueName_IsThePrefixAndSends_InLowerCase_AsTheHostLowersTheTriggersName(string prefix, string name)
    {
        var queues = new AppQueues(new Azure.Storage.Queues.QueueServiceClient("UseDevelopmentStorage=true"), prefix);

        Assert.Equal(name, queues.Name(AppQueues.Sends));
        Assert.Equal("%Storage:TablePrefix%sends", AppQueues.SendsBinding);
    }
}

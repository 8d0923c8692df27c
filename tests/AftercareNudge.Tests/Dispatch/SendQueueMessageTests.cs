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

        Assert.Equal("""{"eventId":"ev_7Qk2","checkInId":"ci_Zt9","due":639321480001230000}""", message);
        Assert.Equal(Entry, SendQueue.Read(message));
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

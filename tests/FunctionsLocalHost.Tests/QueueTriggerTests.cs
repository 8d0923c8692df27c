using System.Globalization;
using FunctionsLocalHost.SampleWorker;

namespace FunctionsLocalHost.Tests;

/// <summary>
/// Queue functions through the local host against Azurite's Queue service, as the queue extension runs
/// them. The sample's host.json: maxPollingInterval 2 s, visibilityTimeout 1 s, maxDequeueCount 3.
/// </summary>
public sealed class QueueTriggerTests(AzuriteQueues azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Message_ReachesTheFunction_WithItsBindingData_AndIsDeleted_WithTimersOff()
    {
        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: false);
        var queue = azurite.Queue(sample.QueueName);
        await queue.CreateAsync(cancellationToken: Ct);

        var sent = (await queue.SendMessageAsync("hello", Ct)).Value;

        var delivery = Assert.Single(await sample.WaitForDeliveriesAsync(1, TimeSpan.FromSeconds(10)));
        Assert.Equal("hello", delivery.Message);
        Assert.Equal("hello", delivery.Data["QueueTrigger"]);
        Assert.Equal(sent.MessageId, delivery.Data["Id"]);
        Assert.Equal("1", delivery.Data["DequeueCount"]);
        Assert.False(string.IsNullOrEmpty(delivery.Data["PopReceipt"]));
        Assert.Equal(sent.InsertionTime, Instant(delivery.Data["InsertionTime"]));
        Assert.Equal(sent.ExpirationTime, Instant(delivery.Data["ExpirationTime"]));
        Assert.True(Instant(delivery.Data["NextVisibleTime"]) > sent.InsertionTime);
        await WaitUntilEmptyAsync(queue);
    }

    [Fact]
    public async Task FailingMessage_IsTriedAgainAfterTheVisibilityTimeout_ThenMovedToThePoisonQueue()
    {
        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: false);
        var queue = azurite.Queue(sample.QueueName);
        await queue.CreateAsync(cancellationToken: Ct);

        await queue.SendMessageAsync("fail", Ct);

        var deliveries = await sample.WaitForDeliveriesAsync(3, TimeSpan.FromSeconds(20));
        Assert.Equal(["1", "2", "3"], deliveries.Select(d => d.Data["DequeueCount"]!));
        var poison = azurite.Queue(sample.QueueName + "-poison");
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(10);
        Azure.Storage.Queues.Models.PeekedMessage[] poisoned = [];
        while (poisoned.Length == 0 && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(100, Ct);
            poisoned = (await poison.ExistsAsync(Ct)).Value ? (await poison.PeekMessagesAsync(10, Ct)).Value : [];
        }

        Assert.Equal("fail", Assert.Single(poisoned).Body.ToString());
        await WaitUntilEmptyAsync(queue);
        await Task.Delay(1500, Ct);
        Assert.Equal(3, (await sample.DeliveriesAsync()).Count); // not tried a fourth time
        Assert.Contains("has reached MaxDequeueCount of 3", sample.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleQueue_IsPolledAtLeastEveryMaxPollingInterval()
    {
        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: false);
        var queue = azurite.Queue(sample.QueueName);
        await queue.CreateAsync(cancellationToken: Ct);

        // Long enough idle for the back-off to reach its ceiling (2 s here; a minute by default).
        await Task.Delay(TimeSpan.FromSeconds(5), Ct);
        var sentAt = TimeProvider.System.GetUtcNow();
        await queue.SendMessageAsync("late", Ct);

        Assert.Single(await sample.WaitForDeliveriesAsync(1, TimeSpan.FromSeconds(10)));
        Assert.True(TimeProvider.System.GetUtcNow() - sentAt < TimeSpan.FromSeconds(3.5), "An idle queue was not polled within maxPollingInterval.\n" + sample.Log);
    }

    [Fact]
    public async Task QueueNameThatDoesNotResolve_LeavesThatFunctionOut_WithAnError_AndTheRestRuns()
    {
        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: false, settings: s => s.Remove("SAMPLE_QUEUE"));

        Assert.Contains("Queue function Dequeue does not run: '%SAMPLE_QUEUE%' does not resolve to a value", sample.Log, StringComparison.Ordinal);
        Assert.Equal("hello you", await sample.Http.GetStringAsync("/api/greet", Ct));
    }

    [Fact]
    public async Task InProcess_MessageReachesTheWorker()
    {
        var name = AzuriteQueues.UniqueQueueName();
        var file = Path.Combine(Directory.CreateTempSubdirectory("local-host-state-").FullName, "queue.jsonl");
        var settings = azurite.SettingsFor(name);
        settings["QUEUE_FILE"] = file;
        var worker = new InProcessWorker(typeof(Hello).Assembly, settings);
        await using var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions { AppDirectory = SampleWorkerHost.AppDirectory, Port = 0, Timers = false }, worker, Ct);
        var queue = azurite.Queue(name);
        await queue.CreateAsync(cancellationToken: Ct);

        await queue.SendMessageAsync("in process", Ct);

        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(10);
        while (!File.Exists(file) && TimeProvider.System.GetUtcNow() < deadline)
        {
            await Task.Delay(50, Ct);
        }

        Assert.Contains("\"message\":\"in process\"", await File.ReadAllTextAsync(file, Ct), StringComparison.Ordinal);
        await WaitUntilEmptyAsync(queue);
    }

    [Fact]
    public void Backoff_DoublesFromTheMinimum_UpToTheMaximum_AndResetsWhenMessagesCome()
    {
        var backoff = new QueueTriggers.Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));

        var waits = Enumerable.Range(0, 12).Select(_ => backoff.Next(found: false)).ToList();

        Assert.Equal(TimeSpan.FromMilliseconds(100), waits[0]);
        Assert.All(waits.Zip(waits.Skip(1)), pair => Assert.True(pair.Second >= pair.First, $"{pair.First} then {pair.Second}"));
        Assert.Equal(TimeSpan.FromSeconds(2), waits[^1]);
        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Next(found: true));
    }

    private static DateTimeOffset? Instant(string? text) =>
        text is null ? null : DateTimeOffset.Parse(text.Trim('"'), CultureInfo.InvariantCulture);

    private static async Task WaitUntilEmptyAsync(Azure.Storage.Queues.QueueClient queue)
    {
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(10);
        while ((await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount > 0)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"Queue {queue.Name} still holds a message.");
            await Task.Delay(100, Ct);
        }
    }
}

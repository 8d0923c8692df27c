using AftercareNudge.Dispatch;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>
/// The send queue end to end: the timer (run through the local host) enqueues what falls due in the
/// coming minute, each message visible at its check-in's second; the host's queue trigger hands it to
/// the app's send function, which claims, checks and sends. The fake clock is the app's; the queue's
/// visibility runs on real time, as in Azure.
/// </summary>
public sealed class SendQueueTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task Timer_CheckInDueWithinTheMinute_IsEnqueuedVisibleAtItsSecond_AndTheQueueTriggerSendsItOnTime()
    {
        var (view, due) = await App.OrganizerSmsOnlyAsync();
        App.Time.Advance(due - App.Time.GetUtcNow() - TimeSpan.FromSeconds(3));

        await App.RunTimerAsync("DispatchDueCheckIns");
        var hidden = await PeekAsync();
        var outboxBefore = await App.OutboxAsync(MessageKinds.CheckIn);

        // The message shows 3 s (real time) later; the app's clock reaches the due second meanwhile.
        App.Time.Advance(TimeSpan.FromSeconds(3));
        var sent = await App.FinishedAsync(view.Id, view.CheckIns[0].Id);

        Assert.Empty(hidden);
        Assert.Empty(outboxBefore);
        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.Equal(due, sent.SentAt);
        Assert.False(sent.Late);
        Assert.Single(await App.OutboxAsync(MessageKinds.CheckIn));
    }

    [Fact]
    public async Task Scheduler_RunAgainWhileTheMessageIsOnTheQueue_EnqueuesNothingMore()
    {
        var (_, due) = await App.OrganizerSmsOnlyAsync();
        App.Time.Advance(due - App.Time.GetUtcNow() - TimeSpan.FromSeconds(50));

        var first = await SchedulerAsync();
        var second = await SchedulerAsync();

        Assert.Equal((1, 0), (first.Enqueued, first.AlreadyEnqueued));
        Assert.Equal((0, 1), (second.Enqueued, second.AlreadyEnqueued));
        Assert.Single(await PeekAllAsync());
    }

    [Fact]
    public async Task Timer_CheckInDueLaterThanTheComingMinute_IsLeftForALaterRun()
    {
        var (_, due) = await App.OrganizerSmsOnlyAsync();
        App.Time.Advance(due - App.Time.GetUtcNow() - SendScheduler.Ahead - TimeSpan.FromSeconds(1));

        var report = await SchedulerAsync();

        Assert.Equal(0, report.Enqueued);
        Assert.Empty(await PeekAsync());
    }

    [Fact]
    public async Task Message_ForACheckInAlreadySent_IsDropped_AndNothingGoesTwice()
    {
        var (view, due) = await App.OrganizerSmsOnlyAsync();
        App.Time.Advance(due - App.Time.GetUtcNow());
        await App.DispatchAsync();

        // A duplicate, as a second scheduler or a message shown again would make.
        await App.Services.GetRequiredService<SendQueue>().EnqueueAsync(new DueEntry(view.Id, view.CheckIns[0].Id, due), TimeSpan.Zero, Ct);
        await DrainedAsync();

        Assert.Single(await App.OutboxAsync(MessageKinds.CheckIn));
        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(view.Id)).CheckIns[0].Status);
    }

    [Fact]
    public async Task Message_WhoseCheckInAnotherInstanceHolds_SendsNothing_AndGoesBackOnTheQueueForWhenThatClaimRunsOut()
    {
        var (view, due) = await App.OrganizerSmsOnlyAsync();
        App.Time.Advance(due - App.Time.GetUtcNow());
        var lease = TimeSpan.FromMinutes(3);
        await HoldAsync(view, lease);

        var outcome = await App.Services.GetRequiredService<QueuedSends>().HandleAsync(SendQueue.Write(new DueEntry(view.Id, view.CheckIns[0].Id, due)), Ct);

        Assert.Equal(DispatchOutcome.HeldByAnotherRun, outcome);
        Assert.Empty(await App.OutboxAsync(MessageKinds.CheckIn));
        Assert.Single(await PeekAllAsync());
        Assert.Empty(await PeekAsync());
    }

    [Fact]
    public async Task CheckInStillOwedWhenItsMarkRunsOut_LostOrPoisonedOrHeldByTheDead_IsEnqueuedAgain_AndGoesOnce()
    {
        var (view, due) = await App.OrganizerSmsOnlyAsync();
        App.Time.Advance(due - App.Time.GetUtcNow());
        var lease = App.Services.GetRequiredService<IOptions<DispatchOptions>>().Value.ClaimLease;

        // An instance claimed it and died: its claim holds for the lease, and so does the scheduler's mark.
        await HoldAsync(view, lease);
        var first = await SchedulerAsync();
        var withinTheWindow = await SchedulerAsync();
        App.Time.Advance(lease + TimeSpan.FromSeconds(1));
        var afterTheWindow = await SchedulerAsync();
        Assert.Equal(CheckInStatus.Sent, (await App.FinishedAsync(view.Id, view.CheckIns[0].Id)).Status);

        Assert.Equal(1, first.Enqueued);
        Assert.Equal((0, 1), (withinTheWindow.Enqueued, withinTheWindow.AlreadyEnqueued));
        Assert.Equal(1, afterTheWindow.Enqueued);
        Assert.Equal(2, (await App.Services.GetRequiredService<EventStore>().GetCheckInAsync(view.Id, view.CheckIns[0].Id, Ct))!.Attempts);
        Assert.Single(await App.OutboxAsync(MessageKinds.CheckIn));
    }

    [Fact]
    public async Task CheckIn_ClaimedEveryTryAndNeverRecorded_IsFailedOutcomeUnknown_NotTriedAgain_AndTheOrganiserIsTold()
    {
        var body = Requests.DinnerTextingAlex(App.Time.GetUtcNow());
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await App.GrantAsync(view, "alex", Channel.Sms);
        var toAlex = view.CheckIns.First(c => c.To == "alex");
        App.Time.Advance(toAlex.DueAt - App.Time.GetUtcNow());
        var events = App.Services.GetRequiredService<EventStore>();
        var options = App.Services.GetRequiredService<IOptions<DispatchOptions>>().Value;

        // The last of its tries was claimed by an instance that died; its claim has run out.
        var checkIn = (await events.GetCheckInAsync(view.Id, toAlex.Id, Ct))!;
        await events.UpdateCheckInAsync(checkIn with { Status = CheckInStatus.Sending, ClaimedUntil = App.Time.GetUtcNow(), Attempts = options.MaxAttempts }, Ct);
        App.Time.Advance(TimeSpan.FromSeconds(1));
        await App.DispatchAsync();

        var failed = (await App.GetEventAsync(view.Id)).CheckIns.First(c => c.Id == toAlex.Id);
        Assert.Equal(CheckInStatus.Failed, failed.Status);
        Assert.Equal("outcome-unknown:abandoned", failed.Reason);
        Assert.Empty(await App.OutboxAsync(MessageKinds.CheckIn));
        Assert.Contains((await App.GetEventAsync(view.Id)).CheckIns, c => c.Kind == CheckInKind.Notice && c.RelatesTo == toAlex.Id);
    }

    [Fact]
    public async Task Start_WithARetiredDispatchSetting_WarnsWhatReplacedIt_AndStillRuns()
    {
        var logs = new LogCollector();
        UseApp(new AppFactory(Azurite, new Dictionary<string, string?> { ["Dispatch:LookAhead"] = "00:00:50" }, s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs)));

        var (view, _) = await App.OrganizerSmsOnlyAsync();

        var warning = Assert.Single(logs.Entries, e => e.EventId == 211);
        Assert.Contains("Dispatch__LookAhead", warning.Message, StringComparison.Ordinal);
        Assert.Contains("visible at its due second", warning.Message, StringComparison.Ordinal);
        Assert.Equal(CheckInStatus.Scheduled, (await App.GetEventAsync(view.Id)).CheckIns[0].Status);
    }

    [Fact]
    public async Task Timer_WhenNobodyTakesTheQueue_SaysSo()
    {
        // A queue no trigger listens to (another prefix), its front check-in due six minutes ago.
        var prefix = AzuriteFixture.UniquePrefix();
        var tables = new AppTables(App.Services.GetRequiredService<Azure.Data.Tables.TableServiceClient>(), prefix);
        var queue = new SendQueue(new AppQueues(App.Services.GetRequiredService<Azure.Storage.Queues.QueueServiceClient>(), prefix));
        var logs = new LogCollector();
        using var loggers = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        var scheduler = new SendScheduler(new DueCheckInIndex(tables), queue, Options.Create(new DispatchOptions()), App.Time, new Microsoft.Extensions.Logging.Logger<SendScheduler>(loggers));
        var waiting = StoredTime.WholeMilliseconds(App.Time.GetUtcNow() - SendScheduler.NobodyTaking - TimeSpan.FromMinutes(1));
        var quiet = await scheduler.RunAsync(Ct);
        var quietLogs = logs.Entries.Count(e => e.EventId == 213);

        await queue.EnqueueAsync(new DueEntry("ev_1", "ci_1", waiting), TimeSpan.Zero, Ct);
        await scheduler.RunAsync(Ct);

        Assert.Equal(0, quiet.Enqueued);
        Assert.Equal(0, quietLogs);
        var error = Assert.Single(logs.Entries, e => e.EventId == 213);
        Assert.Contains("is the SendCheckIn function running?", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_IsNamedFromTheTablePrefix_SoAppsSharingAnAccountNeverTakeEachOthersMessages()
    {
        await using var other = new AppFactory(Azurite);
        var ours = App.Services.GetRequiredService<AppQueues>().Name(AppQueues.Sends);
        var theirs = other.Services.GetRequiredService<AppQueues>().Name(AppQueues.Sends);

        Assert.Equal((App.TablePrefix + "sends").ToLowerInvariant(), ours);
        Assert.NotEqual(ours, theirs);
    }

    /// <summary>The event's first check-in, claimed by an instance that then died, for <paramref name="lease"/> from now.</summary>
    private async Task HoldAsync(EventView view, TimeSpan lease)
    {
        var events = App.Services.GetRequiredService<EventStore>();
        var checkIn = (await events.GetCheckInAsync(view.Id, view.CheckIns[0].Id, Ct))!;
        await events.UpdateCheckInAsync(checkIn with { Status = CheckInStatus.Sending, ClaimedUntil = App.Time.GetUtcNow() + lease, Attempts = 1 }, Ct);
    }

    private async Task<ScheduleReport> SchedulerAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<SendScheduler>().RunAsync(Ct);
    }

    private async Task<IReadOnlyList<string>> PeekAsync()
    {
        var queue = await App.Services.GetRequiredService<AppQueues>().GetAsync(AppQueues.Sends, Ct);
        return [.. (await queue.PeekMessagesAsync(32, Ct)).Value.Select(m => m.Body.ToString())];
    }

    /// <summary>Every message on the queue, hidden ones too (the count the service keeps).</summary>
    private async Task<int[]> PeekAllAsync()
    {
        var queue = await App.Services.GetRequiredService<AppQueues>().GetAsync(AppQueues.Sends, Ct);
        return new int[(await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount];
    }

    /// <summary>Waits until the send queue holds nothing, visible or hidden.</summary>
    private async Task DrainedAsync()
    {
        var queue = await App.Services.GetRequiredService<AppQueues>().GetAsync(AppQueues.Sends, Ct);
        await Polling.UntilAsync(async () => (await queue.GetPropertiesAsync(Ct)).Value.ApproximateMessagesCount == 0, "the send queue to be emptied");
    }
}

using AftercareNudge.Dispatch;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>
/// A check-in goes out at its time: a run that starts a moment before takes it and waits for it (never
/// sending early), and <c>late</c> is true exactly when it went out more than <c>Dispatch__LateAfter</c> after.
/// </summary>
public sealed class DispatchTimingTests(AzuriteFixture azurite) : AppTest(azurite)
{
    /// <summary>Real time for the app to do its storage work while the fake clock stands still.</summary>
    private static readonly TimeSpan StorageSettles = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan Never = TimeSpan.FromSeconds(60);

    /// <summary>The app with the look-ahead as it is configured by default (AppFactory turns it off for other tests).</summary>
    protected override AppFactory CreateApp() => new AppFactory(Azurite, new Dictionary<string, string?> { ["Dispatch:LookAhead"] = new DispatchOptions().LookAhead.ToString() });

    [Fact]
    public async Task CheckInDueOnTheMinute_RunStartedAMomentBefore_IsSentAtItsDueTime_NotLate()
    {
        var (view, due) = await DueSmsAsync();
        App.Time.Advance(due - App.Time.GetUtcNow() - TimeSpan.FromMilliseconds(3));
        Assert.Equal(0, due.Second);

        // The minute's run fires 3 ms before the check-in's time: it takes it, and waits.
        var run = App.DispatchAsync();
        await Task.Delay(StorageSettles, TestContext.Current.CancellationToken);
        var earlyOutbox = await App.OutboxAsync(MessageKinds.CheckIn);
        var finishedEarly = run.IsCompleted;
        App.Time.Advance(TimeSpan.FromMilliseconds(3));
        var report = await run.WaitAsync(Never, TestContext.Current.CancellationToken);

        Assert.False(finishedEarly, "The run finished before the check-in was due.");
        Assert.Empty(earlyOutbox);
        Assert.Equal((1, 0), (report.Sent, report.Late));
        Assert.Single(await App.OutboxAsync(MessageKinds.CheckIn));
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.Equal(due, sent.SentAt);
        Assert.False(sent.Late);
    }

    [Fact]
    public async Task CheckInBeyondTheLookAhead_IsLeftToTheRunThatReachesIt_AndNotSentEarly()
    {
        var lookAhead = new DispatchOptions().LookAhead;
        var (view, due) = await DueSmsAsync();
        App.Time.Advance(due - App.Time.GetUtcNow() - lookAhead - TimeSpan.FromSeconds(1));

        var tooSoon = await App.DispatchAsync().WaitAsync(Never, TestContext.Current.CancellationToken);
        App.Time.Advance(TimeSpan.FromSeconds(1));
        var run = App.DispatchAsync();
        await Task.Delay(StorageSettles, TestContext.Current.CancellationToken);
        App.Time.Advance(lookAhead - TimeSpan.FromMilliseconds(1));
        await Task.Delay(StorageSettles, TestContext.Current.CancellationToken);
        var outboxJustBefore = await App.OutboxAsync(MessageKinds.CheckIn);
        App.Time.Advance(TimeSpan.FromMilliseconds(1));
        var report = await run.WaitAsync(Never, TestContext.Current.CancellationToken);

        Assert.Equal((0, 0), (tooSoon.Sent, tooSoon.HeldByAnotherRun + tooSoon.Cleaned));
        Assert.Empty(outboxJustBefore);
        Assert.Equal(1, report.Sent);
        Assert.Equal(due, (await App.GetEventAsync(view.Id)).CheckIns[0].SentAt);
    }

    [Fact]
    public async Task CheckInSentExactlyTheToleranceAfterItsTime_IsNotLate()
    {
        var (view, due) = await DueSmsAsync();
        App.Time.Advance(due + new DispatchOptions().LateAfter - App.Time.GetUtcNow());

        var report = await App.DispatchAsync();

        Assert.Equal((1, 0), (report.Sent, report.Late));
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(due + TimeSpan.FromSeconds(60), sent.SentAt);
        Assert.False(sent.Late);
    }

    [Fact]
    public async Task CheckInSentJustOverTheToleranceAfterItsTime_IsLate()
    {
        var (view, due) = await DueSmsAsync();
        App.Time.Advance(due + new DispatchOptions().LateAfter + TimeSpan.FromMilliseconds(1) - App.Time.GetUtcNow());

        var report = await App.DispatchAsync();

        Assert.Equal((1, 1), (report.Sent, report.Late));
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.True(sent.Late);
    }

    [Fact]
    public async Task LateTolerance_IsTheDispatchLateAfterSetting()
    {
        UseApp(new AppFactory(Azurite, new Dictionary<string, string?> { ["Dispatch:LateAfter"] = "00:00:10" }));
        var (view, due) = await DueSmsAsync();
        App.Time.Advance(due + TimeSpan.FromSeconds(11) - App.Time.GetUtcNow());

        var report = await App.DispatchAsync();

        Assert.Equal((1, 1), (report.Sent, report.Late));
        Assert.True((await App.GetEventAsync(view.Id)).CheckIns[0].Late);
    }

    [Fact]
    public async Task SentAt_IsWhenTheMessageWasHandedToTheProvider_NotWhenItAnswered()
    {
        var sender = new SlowSender(() => App.Time.Advance(TimeSpan.FromSeconds(90)));
        UseApp(new AppFactory(Azurite, configureServices: s => s.AddTransient<ISmsSender>(_ => sender)));
        var (view, due) = await DueSmsAsync();
        App.Time.Advance(due - App.Time.GetUtcNow());

        var report = await App.DispatchAsync();

        // The provider took 90 s to answer: the check-in still went out on time.
        Assert.Equal((1, 0), (report.Sent, report.Late));
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(due, sent.SentAt);
        Assert.False(sent.Late);
    }

    /// <summary>The dinner with only the organiser's SMS check-in, agreed to, due at 14:30:00 UTC.</summary>
    private async Task<(EventView View, DateTimeOffset Due)> DueSmsAsync()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        return (view, view.CheckIns[0].DueAt);
    }

    /// <summary>A provider that accepts a check-in after <paramref name="whileSending"/> (time passing on the fake clock).</summary>
    private sealed class SlowSender(Action whileSending) : ISmsSender
    {
        public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken)
        {
            if (message.Kind == MessageKinds.CheckIn)
            {
                whileSending();
            }

            return Task.FromResult(SendResult.Sent("SM-slow"));
        }
    }
}

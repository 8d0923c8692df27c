using AftercareNudge.Dispatch;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>
/// <c>late</c> is true exactly when a check-in went out more than <c>Dispatch__LateAfter</c> after its
/// time. (That it goes out at its time, never early, through the send queue: SendQueueTests.)
/// </summary>
public sealed class DispatchTimingTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task CheckInSentExactlyTheToleranceAfterItsTime_IsNotLate()
    {
        var (view, due) = await App.OrganizerSmsOnlyAsync();
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
        var (view, due) = await App.OrganizerSmsOnlyAsync();
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
        var (view, due) = await App.OrganizerSmsOnlyAsync();
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
        var (view, due) = await App.OrganizerSmsOnlyAsync();
        App.Time.Advance(due - App.Time.GetUtcNow());

        var report = await App.DispatchAsync();

        // The provider took 90 s to answer: the check-in still went out on time.
        Assert.Equal((1, 0), (report.Sent, report.Late));
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(due, sent.SentAt);
        Assert.False(sent.Late);
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

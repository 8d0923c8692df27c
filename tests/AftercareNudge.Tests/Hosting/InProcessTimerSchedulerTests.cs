using AftercareNudge.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.Tests.Hosting;

public sealed class InProcessTimerSchedulerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 9, 0, 30, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Scheduler_EveryMinuteSchedule_FiresAtEachWholeMinute()
    {
        var time = new ObservedFakeTimeProvider(Start);
        var function = new CountingFunction();
        using var scheduler = CreateScheduler(function, time, inProcessTimers: null);
        var ct = TestContext.Current.CancellationToken;

        await scheduler.StartAsync(ct);
        try
        {
            await WaitUntil(() => time.TimersCreated >= 1, "the first wait to start");
            Assert.Equal(0, function.Calls);

            time.Advance(TimeSpan.FromSeconds(30));
            await WaitUntil(() => function.Calls >= 1, "the 09:01:00 run");

            await WaitUntil(() => time.TimersCreated >= 2, "the second wait to start");
            time.Advance(TimeSpan.FromSeconds(60));
            await WaitUntil(() => function.Calls >= 2, "the 09:02:00 run");

            await WaitUntil(() => time.TimersCreated >= 3, "the third wait to start");
            Assert.Equal(2, function.Calls);
            var runs = function.Runs;
            Assert.Equal(new DateTimeOffset(2026, 12, 5, 9, 1, 0, TimeSpan.Zero), runs[0].ScheduleStatus!.LastUpdated);
            Assert.Null(runs[0].ScheduleStatus!.Last);
            Assert.Equal(new DateTimeOffset(2026, 12, 5, 9, 1, 0, TimeSpan.Zero), runs[1].ScheduleStatus!.Last);
            Assert.All(runs, r => Assert.False(r.IsPastDue));
        }
        finally
        {
            await scheduler.StopAsync(ct);
        }
    }

    [Fact]
    public async Task Scheduler_FailingRun_KeepsTheSchedule()
    {
        var time = new ObservedFakeTimeProvider(Start);
        var function = new CountingFunction { Fails = true };
        using var scheduler = CreateScheduler(function, time, inProcessTimers: "true");
        var ct = TestContext.Current.CancellationToken;

        await scheduler.StartAsync(ct);
        try
        {
            await WaitUntil(() => time.TimersCreated >= 1, "the first wait to start");
            time.Advance(TimeSpan.FromSeconds(30));
            await WaitUntil(() => time.TimersCreated >= 2, "the second wait to start");
            time.Advance(TimeSpan.FromSeconds(60));
            await WaitUntil(() => function.Calls >= 2, "a run after a failed run");
        }
        finally
        {
            await scheduler.StopAsync(ct);
        }
    }

    [Fact]
    public async Task Scheduler_EachRun_LogsUnderItsOwnInvocationId()
    {
        var time = new ObservedFakeTimeProvider(Start);
        var function = new CountingFunction { Fails = true };
        var logs = new ScopeRecorder();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        using var scheduler = CreateScheduler(function, time, inProcessTimers: null, loggers.CreateLogger<InProcessTimerScheduler>());
        var ct = TestContext.Current.CancellationToken;

        await scheduler.StartAsync(ct);
        try
        {
            await WaitUntil(() => time.TimersCreated >= 1, "the first wait to start");
            time.Advance(TimeSpan.FromSeconds(30));
            await WaitUntil(() => time.TimersCreated >= 2, "the second wait to start");
            time.Advance(TimeSpan.FromSeconds(60));
            await WaitUntil(() => logs.Lines.Count(l => l.EventId == 101) >= 2, "two failed runs logged");
        }
        finally
        {
            await scheduler.StopAsync(ct);
        }

        var ids = logs.Lines.Where(l => l.EventId == 101).Select(l => l.Scope("InvocationId")).ToList();
        Assert.All(ids, id => Assert.True(Guid.TryParse(id, out _), $"'{id}' is not a GUID"));
        Assert.NotEqual(ids[0], ids[1]);
        Assert.Null(logs.Lines.Single(l => l.EventId == 100).Scope("InvocationId"));
    }

    [Fact]
    public async Task Scheduler_InProcessTimersFalse_NeverFires()
    {
        var time = new ObservedFakeTimeProvider(Start);
        var function = new CountingFunction();
        using var scheduler = CreateScheduler(function, time, inProcessTimers: "false");
        var ct = TestContext.Current.CancellationToken;

        await scheduler.StartAsync(ct);
        try
        {
            await WaitUntil(() => scheduler.ExecuteTask is { IsCompleted: true }, "the scheduler to stand down");
            time.Advance(TimeSpan.FromMinutes(5));

            Assert.Equal(0, time.TimersCreated);
            Assert.Equal(0, function.Calls);
        }
        finally
        {
            await scheduler.StopAsync(ct);
        }
    }

    private static InProcessTimerScheduler CreateScheduler(ITimerFunction function, TimeProvider time, string? inProcessTimers, ILogger<InProcessTimerScheduler>? logger = null)
    {
        var settings = new Dictionary<string, string?>();
        if (inProcessTimers is not null)
        {
            settings["Hosting:InProcessTimers"] = inProcessTimers;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new InProcessTimerScheduler([function], time, configuration, logger ?? NullLogger<InProcessTimerScheduler>.Instance);
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)(Patience.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                Assert.Fail($"Timed out after {Patience.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Counts the timers the scheduler starts, so a test advances time only once the scheduler waits.</summary>
    private sealed class ObservedFakeTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private int _timersCreated;

        public int TimersCreated => Volatile.Read(ref _timersCreated);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref _timersCreated);
            return timer;
        }
    }

    private sealed class CountingFunction : ITimerFunction
    {
        private readonly List<TimerInfo> _runs = [];

        public string Name => "DispatchDueCheckIns";

        public bool Fails { get; init; }

        public int Calls
        {
            get
            {
                lock (_runs)
                {
                    return _runs.Count;
                }
            }
        }

        public IReadOnlyList<TimerInfo> Runs
        {
            get
            {
                lock (_runs)
                {
                    return [.. _runs];
                }
            }
        }

        public Task<IReadOnlyList<string>> RunAsync(TimerInfo timer, CancellationToken cancellationToken)
        {
            lock (_runs)
            {
                _runs.Add(timer);
            }

            return Fails
                ? Task.FromException<IReadOnlyList<string>>(new InvalidOperationException("boom"))
                : Task.FromResult<IReadOnlyList<string>>(["ran"]);
        }
    }
}

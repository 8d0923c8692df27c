using System.Globalization;
using System.Text.Json;
using Cronos;
using FunctionsLocalHost.Rpc;

namespace FunctionsLocalHost;

/// <summary>
/// Timer functions as the host fires them: on their six-field NCRONTAB schedules (or TimeSpan
/// intervals) in UTC; one run of a timer at a time (an occurrence that overlaps a run is skipped, not
/// queued); after downtime one catch-up run with <c>IsPastDue</c>; a failed run is not retried. The
/// schedule status (last and next occurrence) is kept in a file per timer in the state folder, as the
/// real host keeps it in storage. Runs on demand (the admin route) wait for a run in progress.
/// </summary>
public sealed partial class TimerTriggers(Invocations invocations, TimeProvider time, string stateDirectory, ILogger<TimerTriggers> logger)
{
    private readonly Dictionary<string, (TimerFunction Function, SemaphoreSlim Gate)> _timers = new(StringComparer.OrdinalIgnoreCase);

    public void Add(IEnumerable<TimerFunction> functions)
    {
        foreach (var function in functions)
        {
            _ = Next(function, time.GetUtcNow()); // an unreadable schedule fails the start, not the first run
            _timers[function.Name] = (function, new SemaphoreSlim(1, 1));
        }
    }

    public bool Has(string name) => _timers.ContainsKey(name);

    /// <summary>Fires every timer on its schedule until stopped.</summary>
    public Task RunAsync(CancellationToken stopping) => Task.WhenAll(_timers.Values.Select(t => LoopAsync(t.Function, t.Gate, stopping)));

    /// <summary>Runs a timer now, as the admin route does; waits for a run in progress to end first.</summary>
    public async Task<InvocationOutcome> RunNowAsync(string name, CancellationToken cancellationToken)
    {
        var (function, gate) = _timers[name];
        await gate.WaitAsync(cancellationToken);
        try
        {
            var status = ReadStatus(function);
            return await InvokeAsync(function, status, pastDue: false, cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task LoopAsync(TimerFunction function, SemaphoreSlim gate, CancellationToken stopping)
    {
        var status = ReadStatus(function);
        var now = time.GetUtcNow();
        if (status?.Next is { } missed && missed < now || function.RunOnStartup)
        {
            // Downtime covered an occurrence: one catch-up run, whatever was missed.
            await FireAsync(function, gate, status, pastDue: status?.Next < now, stopping);
        }

        var last = status?.Last;
        var cursor = time.GetUtcNow();
        while (!stopping.IsCancellationRequested)
        {
            var next = Next(function, cursor);
            WriteStatus(function, new ScheduleStatus(last, next, time.GetUtcNow()));
            var wait = next - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            // From the occurrence just fired, or from now if the machine slept through several: one run, not one per missed occurrence.
            last = next;
            cursor = time.GetUtcNow() > next ? time.GetUtcNow() : next;
            await FireAsync(function, gate, new ScheduleStatus(next, Next(function, cursor), time.GetUtcNow()), pastDue: false, stopping);
        }
    }

    /// <summary>Starts a run unless one is in progress; does not wait for it to end.</summary>
    private Task FireAsync(TimerFunction function, SemaphoreSlim gate, ScheduleStatus? status, bool pastDue, CancellationToken stopping)
    {
        if (!gate.Wait(0, CancellationToken.None))
        {
            Log.Skipped(logger, function.Name);
            return Task.CompletedTask;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await InvokeAsync(function, status, pastDue, stopping);
            }
            finally
            {
                gate.Release();
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task<InvocationOutcome> InvokeAsync(TimerFunction function, ScheduleStatus? status, bool pastDue, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.Serialize(new
        {
            Schedule = new { AdjustForDST = true },
            // A timer that has not run yet has no last run, but the worker's ScheduleStatus.Last is a DateTime, not nullable: its default stands in.
            ScheduleStatus = status is null ? null : new { Last = status.Last ?? default, status.Next, status.LastUpdated },
            IsPastDue = pastDue,
        });
        var request = new InvocationRequest { InvocationId = Invocations.NewId(), FunctionId = function.Id };
        request.InputData.Add(new ParameterBinding { Name = function.TriggerParameter, Data = new TypedData { Json = payload } });
        Log.Running(logger, function.Name, request.InvocationId, pastDue);
        var outcome = await invocations.InvokeAsync(request, cancellationToken);
        if (!outcome.Succeeded)
        {
            Log.Failed(logger, function.Name, request.InvocationId, outcome.Error ?? "no reason given");
        }

        WriteStatus(function, new ScheduleStatus(time.GetUtcNow(), Next(function, time.GetUtcNow()), time.GetUtcNow()));
        return outcome;
    }

    private static DateTimeOffset Next(TimerFunction function, DateTimeOffset after)
    {
        if (TimeSpan.TryParse(function.Schedule, CultureInfo.InvariantCulture, out var interval))
        {
            return after + interval;
        }

        var expression = CronExpression.Parse(function.Schedule, CronFormat.IncludeSeconds);
        return expression.GetNextOccurrence(after, TimeZoneInfo.Utc)
            ?? throw new InvalidOperationException($"The schedule of {function.Name} ({function.Schedule}) has no next occurrence.");
    }

    public sealed record ScheduleStatus(DateTimeOffset? Last, DateTimeOffset Next, DateTimeOffset LastUpdated);

    private string StatusPath(TimerFunction function) => Path.Combine(stateDirectory, "timers", function.Name + ".json");

    private ScheduleStatus? ReadStatus(TimerFunction function)
    {
        var path = StatusPath(function);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ScheduleStatus>(File.ReadAllText(path)) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void WriteStatus(TimerFunction function, ScheduleStatus status)
    {
        var path = StatusPath(function);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        lock (_timers)
        {
            File.WriteAllText(path, JsonSerializer.Serialize(status));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Information, "Timer {Function} runs (invocation {InvocationId}, past due: {PastDue})")]
        public static partial void Running(ILogger logger, string function, string invocationId, bool pastDue);

        [LoggerMessage(31, LogLevel.Warning, "Timer {Function} is still running: this occurrence is skipped")]
        public static partial void Skipped(ILogger logger, string function);

        [LoggerMessage(32, LogLevel.Error, "Timer {Function} failed (invocation {InvocationId}): {Reason}")]
        public static partial void Failed(ILogger logger, string function, string invocationId, string reason);
    }
}

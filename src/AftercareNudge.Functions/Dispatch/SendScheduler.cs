using AftercareNudge.Schedule;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Dispatch;

/// <summary>What one scheduling run did, in counts (no personal data): the timer's log line.</summary>
public sealed record ScheduleReport(int Enqueued, int AlreadyEnqueued, int MarkedElsewhere, int Failed, int Poisoned)
{
    public override string ToString() =>
        $"enqueued {Enqueued}, already on the queue {AlreadyEnqueued}, enqueued by another run too {MarkedElsewhere}, not enqueued (storage trouble) {Failed}, in the poison queue {Poisoned}";
}

/// <summary>
/// The timer's whole job: every check-in due within the coming minute (and every one overdue) that has
/// no message on the send queue gets one, visible at its due second, and its due-index row records until
/// when it is enqueued. Safe on many instances at once (the mark is conditional; a second message is
/// dropped by the claim) and quick: it reads and writes ids, it sends nothing.
/// </summary>
public sealed class SendScheduler(
    DueCheckInIndex dueIndex,
    SendQueue queue,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<SendScheduler> logger)
{
    /// <summary>
    /// How far ahead a run enqueues: the timer's minute and ten seconds more, so that a run that fires a
    /// little late has nothing fall between it and the next.
    /// </summary>
    public static readonly TimeSpan Ahead = TimeSpan.FromSeconds(70);

    /// <summary>
    /// How long a check-in may wait, visible, at the front of the queue before the timer says that
    /// nobody is taking messages: far longer than the biggest burst takes to drain.
    /// </summary>
    public static readonly TimeSpan NobodyTaking = TimeSpan.FromMinutes(5);

    /// <summary>Queue writes in flight at once: enough to enqueue a burst of thousands in seconds.</summary>
    private const int Parallelism = 32;

    public async Task<ScheduleReport> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var window = options.Value.ClaimLease;
        int enqueued = 0, already = 0, elsewhere = 0, failed = 0;
        var rows = new List<DueRow>();
        await foreach (var row in dueIndex.ReadDueRowsAsync(now + Ahead, cancellationToken))
        {
            rows.Add(row);
        }

        await Parallel.ForEachAsync(
            FairOrder(rows),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (row, token) =>
            {
                if (row.EnqueuedUntil > now)
                {
                    Interlocked.Increment(ref already);
                    return;
                }

                // The message first, then the mark: a run that dies in between leaves a duplicate (dropped
                // by the claim), never a mark without a message. The mark holds for the claim's lease from
                // the due time: by then a message taken has finished or moved the check-in, and one that
                // was lost, poisoned or taken by an instance that died is enqueued again. Every delay is
                // counted from the run's start, so that messages become visible in the order they were
                // written, which is what makes the order above fair; a burst's last messages show as much
                // later as the writing took (seconds), which its drain takes far longer than anyway.
                var due = row.Entry.NextAttemptAt;
                try
                {
                    await queue.EnqueueAsync(row.Entry, due - now, token);
                    Interlocked.Increment(ref enqueued);
                    if (!await dueIndex.MarkEnqueuedAsync(row, (due > now ? due : now) + window, token))
                    {
                        Interlocked.Increment(ref elsewhere);
                    }
                }
                catch (Azure.RequestFailedException e)
                {
                    // One row's trouble never holds up the rest of the burst; the next run tries it again.
                    Interlocked.Increment(ref failed);
                    DispatchLog.NotEnqueued(logger, e, row.Entry.EventId, row.Entry.CheckInId);
                }
            });

        var report = new ScheduleReport(enqueued, already, elsewhere, failed, await queue.PoisonedAsync(cancellationToken));
        if (report.Poisoned > 0)
        {
            DispatchLog.Poisoned(logger, report.Poisoned);
        }

        // Nothing else would notice a send function that does not run (not loaded, disabled, its
        // setting missing): the timer goes on enqueuing and nothing is sent.
        if (await queue.OldestWaitingAsync(cancellationToken) is { } since && time.GetUtcNow() - since > NobodyTaking)
        {
            DispatchLog.NobodyTaking(logger, since);
        }

        return report;
    }

    /// <summary>
    /// The rows in due order, and within each second taken in turn from each client: one client's burst
    /// of thousands does not stand in front of another's few. Messages visible at the same second are
    /// handed out in about the order they were written (a queue promises no more), so a client with 20
    /// check-ins beside another's 2,000 has them among the first 40 of that second, not the last 20.
    /// Rows from before the client was kept on them count as one client.
    /// </summary>
    internal static IEnumerable<DueRow> FairOrder(IEnumerable<DueRow> rows) =>
        rows.GroupBy(r => r.Entry.NextAttemptAt.UtcTicks / TimeSpan.TicksPerSecond)
            .OrderBy(second => second.Key)
            .SelectMany(second => second
                .GroupBy(r => r.Entry.ClientId ?? "", StringComparer.Ordinal)
                .SelectMany(client => client.Select((row, turn) => (row, turn)))
                .OrderBy(r => r.turn)
                .Select(r => r.row));
}

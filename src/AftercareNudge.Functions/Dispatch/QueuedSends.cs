using AftercareNudge.Hosting;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;

namespace AftercareNudge.Dispatch;

/// <summary>
/// What the send function does with one message: the dispatcher's own path (claim, consent gate, send,
/// record) for the attempt it names. Whatever the message, the check-in's row decides: a message for a
/// finished check-in, or for an attempt since moved on, is dropped; one that comes early (a clock
/// ahead of storage's) goes back on the queue for the rest of the wait, one whose check-in another
/// invocation holds goes back for when that claim runs out, and a retry due within the minute is
/// enqueued at once. Trouble is thrown to the host,
/// which shows the message again after <c>visibilityTimeout</c> and, after <c>maxDequeueCount</c>, moves
/// it to the poison queue; the check-in stays owed in the due index and the scheduler enqueues it again.
/// </summary>
public sealed class QueuedSends(Dispatcher dispatcher, SendQueue queue, EventStore events, TimeProvider time, ILogger<QueuedSends> logger)
{
    /// <returns>What became of the check-in; null for a message that was not one (logged) or came early.</returns>
    public async Task<DispatchOutcome?> HandleAsync(string message, CancellationToken cancellationToken)
    {
        if (SendQueue.Read(message) is not { } entry)
        {
            DispatchLog.Unreadable(logger);
            return null;
        }

        using var scope = LogScopes.CheckIn(logger, entry.EventId, entry.CheckInId);
        var early = entry.NextAttemptAt - time.GetUtcNow();
        if (early > TimeSpan.Zero)
        {
            await queue.EnqueueAsync(entry, early, cancellationToken);
            return null;
        }

        try
        {
            var outcome = await dispatcher.ProcessAsync(entry, cancellationToken);
            DispatchLog.Handled(logger, entry.EventId, entry.CheckInId, outcome);
            if (outcome is DispatchOutcome.HeldByAnotherRun or DispatchOutcome.Retrying)
            {
                await FollowAsync(entry, outcome, cancellationToken);
            }

            return outcome;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            DispatchLog.QueuedErrored(logger, e, entry.EventId, entry.CheckInId);
            throw;
        }
    }

    /// <summary>
    /// What comes after a message that did not finish its check-in. Another invocation holds it (or it
    /// was handed back): the message goes back on the queue for when that claim runs out, so that a
    /// claim whose instance died is taken over as soon as it lapses, not when the scheduler's mark does.
    /// It was moved to a retry soon (a provider's rate refusal, which asks for seconds): the retry goes
    /// on the queue now rather than at the scheduler's next run. If something else finishes the check-in
    /// first, either message is dropped; if the scheduler enqueues the retry too, one claim wins.
    /// </summary>
    private async Task FollowAsync(DueEntry entry, DispatchOutcome outcome, CancellationToken cancellationToken)
    {
        var checkIn = await events.GetCheckInAsync(entry.EventId, entry.CheckInId, cancellationToken);
        if (checkIn is null || checkIn.IsFinished)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (!StoredTime.SameInstant(checkIn.NextAttemptAt, entry.NextAttemptAt))
        {
            // Only this invocation's own retry is followed: a duplicate that lost the claim to the
            // invocation that moved the check-in leaves that one's retry to it (and to the scheduler).
            if (outcome == DispatchOutcome.Retrying && checkIn.Status == CheckInStatus.Scheduled && checkIn.NextAttemptAt - now < SendScheduler.Ahead)
            {
                await queue.EnqueueAsync(entry with { NextAttemptAt = checkIn.NextAttemptAt }, checkIn.NextAttemptAt - now, cancellationToken);
            }

            return;
        }

        var lapses = checkIn is { Status: CheckInStatus.Sending, ClaimedUntil: { } until } && until > now ? until - now : TimeSpan.Zero;
        await queue.EnqueueAsync(entry, lapses + TimeSpan.FromSeconds(1), cancellationToken);
    }
}

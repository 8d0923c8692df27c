using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.Messaging;
using AftercareNudge.Storage;
using Azure;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Dispatch;

/// <summary>What one dispatch run did, in counts (no personal data): the timer's log lines.</summary>
public sealed class DispatchReport
{
    private int _sent, _late, _skipped, _failed, _retrying, _busy, _cleaned;

    public int Sent => _sent;

    public int Late => _late;

    public int Skipped => _skipped;

    public int Failed => _failed;

    public int Retrying => _retrying;

    public int Busy => _busy;

    public int Cleaned => _cleaned;

    internal void Count(DispatchOutcome outcome)
    {
        switch (outcome)
        {
            case DispatchOutcome.Sent: Interlocked.Increment(ref _sent); break;
            case DispatchOutcome.SentLate: Interlocked.Increment(ref _sent); Interlocked.Increment(ref _late); break;
            case DispatchOutcome.Skipped: Interlocked.Increment(ref _skipped); break;
            case DispatchOutcome.Failed: Interlocked.Increment(ref _failed); break;
            case DispatchOutcome.Retrying: Interlocked.Increment(ref _retrying); break;
            case DispatchOutcome.Busy: Interlocked.Increment(ref _busy); break;
            case DispatchOutcome.Cleaned: Interlocked.Increment(ref _cleaned); break;
            default: throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null);
        }
    }

    public override string ToString() =>
        $"sent {Sent} (late {Late}), skipped {Skipped}, failed {Failed}, retrying {Retrying}, held by another run {Busy}, index rows cleaned {Cleaned}";
}

internal enum DispatchOutcome
{
    Sent,
    SentLate,
    Skipped,
    Failed,
    Retrying,
    Busy,
    Cleaned,
}

/// <summary>
/// Sends every check-in that is due and not yet sent. Safe to run on many instances at once: each
/// check-in is claimed with an ETag-conditional update before anything is sent, so only one run can
/// send it; a claim whose run died expires after <see cref="DispatchOptions.ClaimLease"/> and the
/// check-in is picked up again.
/// </summary>
public sealed partial class Dispatcher(
    DueCheckInIndex dueIndex,
    EventStore events,
    ConsentStore consents,
    ISmsSender sms,
    IEmailSender email,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<Dispatcher> logger)
{
    private readonly DispatchOptions _options = options.Value;

    public async Task<DispatchReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var report = new DispatchReport();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_options.RunBudget);
        try
        {
            await Parallel.ForEachAsync(
                dueIndex.ReadDueAsync(started, budget.Token),
                new ParallelOptions { MaxDegreeOfParallelism = _options.Concurrency, CancellationToken = budget.Token },
                async (entry, _) =>
                {
                    // A started check-in runs to its end: the budget only stops new ones being taken.
                    report.Count(await ProcessAsync(entry, cancellationToken));
                });
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogBudgetSpent(logger, _options.RunBudget);
        }

        LogRun(logger, report.Sent, report.Late, report.Skipped, report.Failed, report.Retrying, report.Busy, report.Cleaned);
        return report;
    }

    internal async Task<DispatchOutcome> ProcessAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        var checkIn = await events.GetCheckInAsync(entry.EventId, entry.CheckInId, cancellationToken);
        if (checkIn is null || checkIn.IsFinished || !SameInstant(checkIn.NextAttemptAt, entry.DueAt))
        {
            // An orphan (its event was never written), a finished check-in, or a row left behind by a reschedule.
            await dueIndex.RemoveAsync(entry, cancellationToken);
            return DispatchOutcome.Cleaned;
        }

        var now = time.GetUtcNow();
        if (checkIn.Status == CheckInStatus.Sending && checkIn.ClaimedUntil > now)
        {
            return DispatchOutcome.Busy;
        }

        CheckInRecord claimed;
        try
        {
            claimed = await events.UpdateCheckInAsync(
                checkIn with { Status = CheckInStatus.Sending, ClaimedUntil = now + _options.ClaimLease, Attempts = checkIn.Attempts + 1 },
                cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return DispatchOutcome.Busy;
        }

        var record = await events.GetEventAsync(entry.EventId, cancellationToken);
        var recipient = record?.Find(claimed.To);
        var address = recipient?.Address(claimed.Channel);
        if (record is null || recipient is null || address is null)
        {
            return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = "recipient-missing" }, DispatchOutcome.Failed, cancellationToken);
        }

        if (record.CancelledAt is not null)
        {
            return await FinishAsync(entry, claimed with { Status = CheckInStatus.Cancelled, Reason = "event-cancelled" }, DispatchOutcome.Skipped, cancellationToken);
        }

        var consent = await consents.GetAsync(claimed.Channel, address, record.OrganizerId, cancellationToken);
        if (consent != ConsentState.Granted)
        {
            var reason = consent == ConsentState.OptedOut ? "opted-out" : "no-consent";
            return await FinishAsync(entry, claimed with { Status = CheckInStatus.Skipped, Reason = reason }, DispatchOutcome.Skipped, cancellationToken);
        }

        var result = await SendAsync(record, recipient, address, claimed, cancellationToken);
        return await ApplyAsync(entry, record, address, claimed, result, cancellationToken);
    }

    private async Task<SendResult> SendAsync(EventRecord record, Participant recipient, string address, CheckInRecord checkIn, CancellationToken cancellationToken)
    {
        var organizer = record.Organizer.Name;
        try
        {
            return checkIn.Channel == Channel.Sms
                ? await sms.SendAsync(new SmsMessage(address, CheckInWording.Sms(organizer, checkIn.Message), MessageKinds.CheckIn, record.Id, checkIn.Id), cancellationToken)
                : await email.SendAsync(
                    new EmailMessage(
                        address,
                        recipient.Name,
                        CheckInWording.EmailSubject(organizer),
                        CheckInWording.EmailText(organizer, checkIn.Message),
                        CheckInWording.EmailHtml(organizer, checkIn.Message),
                        MessageKinds.CheckIn,
                        record.Id,
                        checkIn.Id),
                    cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The sender may have got the message out before failing: the same as an ambiguous answer.
            LogSendThrew(logger, e, record.Id, checkIn.Id);
            return SendResult.Ambiguous("send-error");
        }
    }

    private async Task<DispatchOutcome> ApplyAsync(DueEntry entry, EventRecord record, string address, CheckInRecord claimed, SendResult result, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        switch (result.Outcome)
        {
            case SendOutcome.Sent:
                var sent = claimed with { Status = CheckInStatus.Sent, Reason = null, SentAt = now, ProviderMessageId = result.ProviderMessageId, ClaimedUntil = null };
                return await FinishAsync(entry, sent, sent.Late ? DispatchOutcome.SentLate : DispatchOutcome.Sent, cancellationToken);

            case SendOutcome.Transient when claimed.Attempts < _options.MaxAttempts:
                var delay = RetryDelay(claimed.Attempts, result.RetryAfter);
                var next = new DueEntry(entry.EventId, entry.CheckInId, WholeMilliseconds(now + delay));

                // New index row first, then the check-in, then the old row: a crash in between leaves a
                // row that still finds the check-in, never none.
                await dueIndex.AddAsync([next], cancellationToken);
                await TryUpdateAsync(claimed with { Status = CheckInStatus.Scheduled, NextAttemptAt = next.DueAt, Reason = result.Reason, ClaimedUntil = null }, cancellationToken);
                await dueIndex.RemoveAsync(entry, cancellationToken);
                LogRetrying(logger, record.Id, claimed.Id, result.Reason, claimed.Attempts, delay);
                return DispatchOutcome.Retrying;

            case SendOutcome.OptedOut:
                // The provider knows of an opt-out we did not: record it so nothing else is tried either.
                await consents.RecordAsync(new ConsentDecision(claimed.Channel, address, null, ConsentState.OptedOut, "provider:" + result.Reason, ""), cancellationToken);
                return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = "opted-out", ClaimedUntil = null }, DispatchOutcome.Failed, cancellationToken);

            case SendOutcome.Ambiguous:
                // Not retried: see the README ("Once, never twice"). The organiser sees why in GET.
                return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = "outcome-unknown:" + result.Reason, ClaimedUntil = null }, DispatchOutcome.Failed, cancellationToken);

            default:
                return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = result.Reason, ClaimedUntil = null }, DispatchOutcome.Failed, cancellationToken);
        }
    }

    // Table Storage keeps dates to the millisecond at best: compare and store at that precision.
    private static bool SameInstant(DateTimeOffset a, DateTimeOffset b) => Math.Abs((a - b).Ticks) < TimeSpan.TicksPerMillisecond;

    private static DateTimeOffset WholeMilliseconds(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    private TimeSpan RetryDelay(int attempts, TimeSpan? retryAfter)
    {
        var exponential = _options.FirstRetryDelay * Math.Pow(2, Math.Max(0, attempts - 1));
        var delay = exponential > _options.MaxRetryDelay ? _options.MaxRetryDelay : exponential;
        return retryAfter is { } r && r > delay ? r : delay;
    }

    private async Task<DispatchOutcome> FinishAsync(DueEntry entry, CheckInRecord finished, DispatchOutcome outcome, CancellationToken cancellationToken)
    {
        if (await TryUpdateAsync(finished, cancellationToken))
        {
            await dueIndex.RemoveAsync(entry, cancellationToken);
        }

        if (outcome is DispatchOutcome.Failed or DispatchOutcome.Skipped)
        {
            LogNotSent(logger, finished.EventId, finished.Id, finished.Status, finished.Reason);
        }

        return outcome;
    }

    private async Task<bool> TryUpdateAsync(CheckInRecord checkIn, CancellationToken cancellationToken)
    {
        try
        {
            await events.UpdateCheckInAsync(checkIn, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            // Our claim expired and another run took the check-in over: it owns the outcome now.
            LogClaimLost(logger, checkIn.EventId, checkIn.Id);
            return false;
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Dispatch run: sent {Sent} (late {Late}), skipped {Skipped}, failed {Failed}, retrying {Retrying}, held elsewhere {Busy}, cleaned {Cleaned}")]
    private static partial void LogRun(ILogger logger, int sent, int late, int skipped, int failed, int retrying, int busy, int cleaned);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Dispatch run stopped taking work after its budget of {Budget}; the next run continues")]
    private static partial void LogBudgetSpent(ILogger logger, TimeSpan budget);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Check-in {EventId}/{CheckInId} not sent: {Status} ({Reason})")]
    private static partial void LogNotSent(ILogger logger, string eventId, string checkInId, CheckInStatus status, string? reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Check-in {EventId}/{CheckInId} will be retried: {Reason}, attempt {Attempt}, next in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string eventId, string checkInId, string? reason, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Check-in {EventId}/{CheckInId}: claim expired before the send was recorded; another run owns it")]
    private static partial void LogClaimLost(ILogger logger, string eventId, string checkInId);

    [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Check-in {EventId}/{CheckInId}: the sender threw")]
    private static partial void LogSendThrew(ILogger logger, Exception exception, string eventId, string checkInId);
}

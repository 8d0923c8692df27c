using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Replies;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Azure;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Dispatch;

/// <summary>What one dispatch run did, in counts (no personal data): the timer's log lines.</summary>
public sealed class DispatchReport
{
    private int _sent, _late, _skipped, _failed, _retrying, _heldByAnotherRun, _cleaned, _errored, _quiet;

    public int Sent => _sent;

    public int Late => _late;

    public int Skipped => _skipped;

    public int Failed => _failed;

    public int Retrying => _retrying;

    /// <summary>Check-ins another run had claimed, or claimed first: that run sends them.</summary>
    public int HeldByAnotherRun => _heldByAnotherRun;

    public int Cleaned => _cleaned;

    /// <summary>Retries and late check-ins held until the recipient's quiet hours end.</summary>
    public int HeldForQuietHours => _quiet;

    /// <summary>Check-ins this run could not handle (storage trouble, an unreadable row); the next run tries again.</summary>
    public int Errored => _errored;

    internal void Count(DispatchOutcome outcome)
    {
        switch (outcome)
        {
            case DispatchOutcome.Sent: Interlocked.Increment(ref _sent); break;
            case DispatchOutcome.SentLate: Interlocked.Increment(ref _sent); Interlocked.Increment(ref _late); break;
            case DispatchOutcome.Skipped: Interlocked.Increment(ref _skipped); break;
            case DispatchOutcome.Failed: Interlocked.Increment(ref _failed); break;
            case DispatchOutcome.Retrying: Interlocked.Increment(ref _retrying); break;
            case DispatchOutcome.HeldByAnotherRun: Interlocked.Increment(ref _heldByAnotherRun); break;
            case DispatchOutcome.Cleaned: Interlocked.Increment(ref _cleaned); break;
            case DispatchOutcome.Errored: Interlocked.Increment(ref _errored); break;
            case DispatchOutcome.HeldForQuietHours: Interlocked.Increment(ref _quiet); break;
            default: throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null);
        }
    }

    public override string ToString() =>
        $"sent {Sent} (late {Late}), skipped {Skipped}, failed {Failed}, retrying {Retrying}, held by another run {HeldByAnotherRun}, index rows cleaned {Cleaned}, errors {Errored}, held for quiet hours {HeldForQuietHours}";
}

public enum DispatchOutcome
{
    Sent,
    SentLate,
    Skipped,
    Failed,
    Retrying,
    HeldByAnotherRun,
    Cleaned,
    Errored,
    HeldForQuietHours,
}

/// <summary>
/// Sends every check-in that is due and not yet sent. Safe to run on many instances at once: each
/// check-in is claimed with an ETag-conditional update before anything is sent, so only one run can
/// send it; a claim whose run died expires after <see cref="DispatchOptions.ClaimLease"/> and the
/// check-in is picked up again.
/// </summary>
public sealed class Dispatcher(
    DueCheckInIndex dueIndex,
    EventStore events,
    ConsentStore consents,
    ConsentGate gate,
    PendingChanges changes,
    ISmsSender sms,
    IEmailSender email,
    DeliveryFollowUps followUps,
    AftercareReminders reminders,
    WaitingRelays waiting,
    RecipientCheckIns recipients,
    ClientQuotas quotas,
    SafetySteps safety,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    ILogger<Dispatcher> logger,
    DomainEvents<CheckInFinished> checkInFinished,
    EscalationOutcomes escalations)
{
    /// <summary>
    /// What a claim must still have left when the send starts: the send itself and recording its
    /// result, each bounded by its client's timeouts (see <see cref="DispatchOptions.ClaimLease"/>).
    /// </summary>
    internal static readonly TimeSpan LeaseNeededToSend = ProviderResilience.SendTimeout + StorageExtensions.WorstCaseRequest;

    private readonly DispatchOptions _options = options.Value;

    /// <summary>
    /// How late a check-in the provider keeps refusing for its rate may get and still be tried without
    /// counting a try; past this it is retried as any transient failure is. Quiet hours hold it after
    /// <see cref="QuietHoursHold.ThrottleKeepsTheMoment"/> as any late check-in.
    /// </summary>
    internal static readonly TimeSpan ThrottledAtMost = TimeSpan.FromDays(1);

    /// <summary>The wait after a rate refusal that named none: a tenth of how late the check-in already is, from 1 s to a minute (plus up to a second, spread).</summary>
    internal static TimeSpan ThrottleBackoff(TimeSpan late) =>
        TimeSpan.FromTicks(Math.Clamp(late.Ticks / 10, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));

    /// <summary>
    /// Handles, in this one invocation, every check-in due by <paramref name="dueBy"/>, at most
    /// <paramref name="concurrency"/> at a time: how the timer sent before the send queue. The app sends
    /// through the queue (<see cref="SendScheduler"/>, <see cref="QueuedSends"/>); this stays for the
    /// tests, which drive the dispatcher a step at a time, and for the burst benchmark's comparison.
    /// </summary>
    internal async Task<DispatchReport> HandleDueAsync(DateTimeOffset dueBy, int concurrency, CancellationToken cancellationToken)
    {
        var report = new DispatchReport();
        await Parallel.ForEachAsync(
            dueIndex.ReadDueAsync(dueBy, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            async (entry, token) =>
            {
                // A check-in handed a later due time by the caller is waited for: never sent early.
                await time.WaitUntilAsync(entry.NextAttemptAt, token);
                report.Count(await ProcessSafelyAsync(entry, cancellationToken));
            });

        DispatchLog.Run(logger, report.Sent, report.Late, report.Skipped, report.Failed, report.Retrying, report.HeldByAnotherRun, report.Cleaned, report.Errored, report.HeldForQuietHours);
        return report;
    }

    /// <summary>One check-in's trouble is logged and left for the next run; it never stops the others.</summary>
    private async Task<DispatchOutcome> ProcessSafelyAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        using var scope = LogScopes.CheckIn(logger, entry.EventId, entry.CheckInId);
        try
        {
            return await ProcessAsync(entry, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            DispatchLog.CheckInErrored(logger, e, entry.EventId, entry.CheckInId);
            return DispatchOutcome.Errored;
        }
    }

    internal async Task<DispatchOutcome> ProcessAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        var checkIn = await events.GetCheckInAsync(entry.EventId, entry.CheckInId, cancellationToken);
        if (checkIn is null || checkIn.IsFinished || !StoredTime.SameInstant(checkIn.NextAttemptAt, entry.NextAttemptAt))
        {
            // A change to the event cut off half way may be what this row waits for: finish it, look again.
            if (checkIn?.IsFinished != true && await changes.RollForwardAsync(entry.EventId, cancellationToken))
            {
                return await ProcessAsync(entry, cancellationToken);
            }

            // An orphan (its event was never written), a finished check-in, or a row left behind by a reschedule.
            await dueIndex.RemoveAsync(entry, cancellationToken);
            return DispatchOutcome.Cleaned;
        }

        var now = time.GetUtcNow();
        if (checkIn.Status == CheckInStatus.Sending && checkIn.ClaimedUntil > now)
        {
            return DispatchOutcome.HeldByAnotherRun;
        }

        // The event is read before the claim, not after. A change left marked (its PATCH cut off) is
        // finished by whoever finds it; finishing leaves a claimed check-in alone, taking its run to
        // have decided before the change. Read after the claim, a change finished between the claim and
        // the read would let this run send the old words with no mark to stop it. Read before, a run
        // that finds no mark claims only a check-in no finished change still has to reach; what remains
        // is a PATCH written between this read and the claim, which this run decided before, as a send
        // already under way when a PATCH comes is sent as it was.
        var record = await events.GetEventAsync(entry.EventId, cancellationToken);
        if (record?.PendingChange is not null)
        {
            // The event is mid-change: finish the change, take the check-in as it now is.
            await changes.RollForwardAsync(entry.EventId, cancellationToken);
            return await ProcessAsync(entry, cancellationToken);
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
            return DispatchOutcome.HeldByAnotherRun;
        }

        var recipient = record?.Find(claimed.To);
        var address = recipient?.Address(claimed.Channel);
        if (record is null || recipient is null || address is null)
        {
            return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = CheckInReasons.RecipientMissing }, DispatchOutcome.Failed);
        }

        // The safety ladder's rungs decide for themselves, against the net and the contact's own consent
        // (an urgent alert goes even when the event was cancelled after the duress word).
        if (SafetyLadder.Holds(claimed) && !(checkIn.Status == CheckInStatus.Sending && claimed.Attempts > _options.MaxAttempts))
        {
            return await SendSafetyStepAsync(entry, record, recipient, address, claimed);
        }

        if (record.CancelledAt is not null)
        {
            return await FinishAsync(entry, claimed with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.EventCancelled }, DispatchOutcome.Skipped);
        }

        if (checkIn.Status == CheckInStatus.Sending && claimed.Attempts > _options.MaxAttempts)
        {
            // Every try so far was claimed and never recorded: the instance holding it died, or its
            // record failed, each time. One of them may have sent it: it is not tried again.
            return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = CheckInReasons.OutcomeUnknownPrefix + CheckInReasons.Abandoned, ClaimedUntil = null }, DispatchOutcome.Failed, claimed.ClaimedUntil);
        }

        // May it reach them? The gate's answer; a relay's channel is routing, decided here.
        var answer = await gate.AskAsync(record, recipient, claimed.Channel, cancellationToken);
        if (answer != GateAnswer.Allowed && claimed.Kind == CheckInKind.Relay)
        {
            // A reply for an organiser who has not confirmed this channel: by the other one if they
            // confirmed that, kept until they confirm one if they decided neither, skipped otherwise.
            switch (await RelayChannelAsync(record, recipient, claimed, answer, cancellationToken))
            {
                case (Channel other, string otherAddress):
                    await recipients.AddAsync(record, [claimed with { Channel = other }], CancellationToken.None);
                    claimed = await events.UpdateCheckInAsync(claimed with { Channel = other }, CancellationToken.None);
                    address = otherAddress;
                    answer = GateAnswer.Allowed;
                    break;
                case null when answer == GateAnswer.NotAgreed:
                    return await waiting.ParkAsync(record, entry, claimed) ? DispatchOutcome.Skipped : DispatchOutcome.HeldByAnotherRun;
            }
        }

        if (answer != GateAnswer.Allowed)
        {
            // An email to someone who agreed to an older plan, or to none, waits for their agreement to this one.
            return await FinishAsync(entry, claimed with { Status = CheckInStatus.Skipped, Reason = answer.SkipReason() }, DispatchOutcome.Skipped);
        }

        if (QuietHoursHold.Until(recipient, claimed, time.GetUtcNow()) is { } quietUntil)
        {
            // Nothing the recipient did not agree to at this hour disturbs them: it waits for morning.
            // The claim's attempt is given back: a wait is not a try.
            return await RescheduleAsync(entry, claimed with { Attempts = claimed.Attempts - 1 }, quietUntil, CheckInReasons.QuietHours)
                ? DispatchOutcome.HeldForQuietHours
                : DispatchOutcome.HeldByAnotherRun;
        }

        if (await quotas.TryTakeAsync(record.ClientId, Quota.Messages, 1, cancellationToken) is { } over)
        {
            // The client's messages for today are used up: it goes when the day's count starts again. A wait, not a try.
            return await RescheduleAsync(entry, claimed with { Attempts = claimed.Attempts - 1 }, over.ResetsAt, CheckInReasons.DailyQuota)
                ? DispatchOutcome.Retrying
                : DispatchOutcome.HeldByAnotherRun;
        }

        if (claimed.ClaimedUntil - time.GetUtcNow() < LeaseNeededToSend)
        {
            // Storage was slow enough that the claim might lapse mid-send, letting a second run send too.
            // Hand the check-in back instead; the next run takes it with a fresh lease.
            await TryUpdateAsync(claimed with { Status = CheckInStatus.Scheduled, ClaimedUntil = null, Attempts = claimed.Attempts - 1 });
            return DispatchOutcome.HeldByAnotherRun;
        }

        // From here the send and its record run to the end, even if the host is shutting down: a send
        // cut off half way would be ambiguous, and an unrecorded one would be sent again.
        if (claimed.Kind is CheckInKind.Fallback or CheckInKind.Notice or CheckInKind.Relay)
        {
            return await SendFollowUpAsync(entry, record, recipient, address, claimed);
        }

        var handedOver = time.GetUtcNow();
        var result = await SendAsync(record, recipient, address, claimed);
        return await ApplyAsync(entry, address, claimed, result, handedOver);
    }

    /// <summary>The message a claim counted against its client's day, given back (best effort: a count a little high is the price of a lost one).</summary>
    private async Task GiveBackQuotaAsync(DueEntry entry)
    {
        try
        {
            if ((entry.ClientId ?? (await events.GetEventAsync(entry.EventId, CancellationToken.None))?.ClientId) is { } clientId)
            {
                await quotas.GiveBackAsync(clientId, Quota.Messages, 1, CancellationToken.None);
            }
        }
        catch (RequestFailedException)
        {
            // The check-in is rescheduled either way.
        }
    }

    /// <summary>The organiser's other channel and address, if they confirmed it; null if not (or they have none).</summary>
    private async Task<(Channel, string)?> RelayChannelAsync(EventRecord record, Participant organizer, CheckInRecord relay, GateAnswer answer, CancellationToken cancellationToken)
    {
        var other = relay.Channel == Channel.Sms ? Channel.Email : Channel.Sms;
        if (answer == GateAnswer.OptedOut || organizer.Address(other) is not { } otherAddress)
        {
            return null;
        }

        return await gate.MayReachAsync(record, organizer, other, cancellationToken) ? (other, otherAddress) : null;
    }

    /// <summary>
    /// A reply that waited for its organiser to confirm has now been passed on: the person who wrote it
    /// is told, once (this run recorded the send), unless they have opted out or withdrawn since.
    /// </summary>
    private async Task TellReplierAsync(EventRecord record, CheckInRecord relay)
    {
        try
        {
            var repliedTo = relay.RelatesTo is { } id ? await events.GetCheckInAsync(record.Id, id, CancellationToken.None) : null;
            var reply = await events.GetReplyAsync(record.Id, Ids.RelayedMessageId(relay.Id), CancellationToken.None);
            if (repliedTo is null || reply is null || record.Find(repliedTo.To) is not { Phone: not null } replier
                || !await gate.MayReachAsync(record, replier, Channel.Sms, CancellationToken.None))
            {
                return;
            }

            var zone = EventTime.FindZone(replier.TimeZone) ?? NodaTime.DateTimeZone.Utc;
            await sms.SendAsync(
                new SmsMessage(replier.Phone, ReplyAcknowledgements.PassedOnLaterText(NameOf(record.Organizer), RelayWording.When(reply.ReceivedAt, zone, time.GetUtcNow())), MessageKinds.ReplyPassedOn, record.Id, null),
                CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            DispatchLog.ReplierNotTold(logger, e, record.Id, relay.Id);
        }
    }

    private static string? NameOf(Participant organizer) =>
        RemovedNames.Readable(organizer.Name);

    private async Task<SendResult> SendAsync(EventRecord record, Participant recipient, string address, CheckInRecord checkIn)
    {
        var organizer = record.Organizer.Name;
        try
        {
            if (checkIn.Kind == CheckInKind.Reminder)
            {
                return await email.SendAsync(await reminders.BuildAsync(record, recipient, address, checkIn), CancellationToken.None);
            }

            return checkIn.Channel == Channel.Sms
                ? await sms.SendAsync(new SmsMessage(address, CheckInWording.Sms(organizer, SafetySteps.CheckInText(checkIn, checkIn.Message)), MessageKinds.CheckIn, record.Id, checkIn.Id), CancellationToken.None)
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
                    CancellationToken.None);
        }
        catch (Exception e)
        {
            // The sender may have got the message out before failing: the same as an ambiguous answer.
            DispatchLog.SendThrew(logger, e, record.Id, checkIn.Id);
            return SendResult.Ambiguous(CheckInReasons.SendError);
        }
    }

    /// <summary>
    /// A rung of an armed check-in's ladder (<see cref="SafetySteps"/>): withheld once the person has
    /// answered (or the net never stood), held by a contact's quiet hours unless they allowed alerts
    /// then, and not counted against the client's daily messages (a safety alert must not wait for tomorrow).
    /// </summary>
    private async Task<DispatchOutcome> SendSafetyStepAsync(DueEntry entry, EventRecord record, Participant recipient, string address, CheckInRecord claimed)
    {
        if (claimed.ClaimedUntil - time.GetUtcNow() < LeaseNeededToSend)
        {
            await TryUpdateAsync(claimed with { Status = CheckInStatus.Scheduled, ClaimedUntil = null, Attempts = claimed.Attempts - 1 });
            return DispatchOutcome.HeldByAnotherRun;
        }

        var step = await safety.ComposeAsync(record, recipient, address, claimed, CancellationToken.None);
        if (step.Withheld is { } why)
        {
            var status = why is CheckInReasons.OptedOut or CheckInReasons.ContactNotAgreed ? CheckInStatus.Skipped : CheckInStatus.Cancelled;
            return await FinishAsync(entry, claimed with { Status = status, Reason = KeepOutcomeUnknown(claimed, why), ClaimedUntil = null }, DispatchOutcome.Skipped, claimed.ClaimedUntil);
        }

        if (step.HoldUntil is { } until)
        {
            // A wait, not a try: a contact's quiet hours, or the alert a follow-up waits for.
            return await RescheduleAsync(entry, claimed with { Attempts = claimed.Attempts - 1 }, until, KeepOutcomeUnknown(claimed, step.HoldReason ?? CheckInReasons.QuietHours))
                ? step.HoldReason is null ? DispatchOutcome.HeldForQuietHours : DispatchOutcome.Retrying
                : DispatchOutcome.HeldByAnotherRun;
        }

        var handedOver = time.GetUtcNow();
        var result = await SendWordedAsync(record, claimed, step.Sms, step.Email);
        var outcome = await ApplyAsync(entry, address, claimed, result, handedOver);
        if (claimed.Kind == CheckInKind.Alert && outcome is DispatchOutcome.Sent or DispatchOutcome.SentLate
            && await safety.AlertSentAsync(claimed, CancellationToken.None) is { } news)
        {
            // The event was cancelled while the alert was being sent: its contact is told now, at once.
            await ProcessSafelyAsync(new DueEntry(news.EventId, news.Id, news.NextAttemptAt, record.ClientId), CancellationToken.None);
        }

        return outcome;
    }

    /// <summary>
    /// The reason a rung ends or waits with: a try of unknown outcome before it is not forgotten (the
    /// alert may have arrived, and its all-clear must still go), whatever withholds or holds it now.
    /// </summary>
    private static string KeepOutcomeUnknown(CheckInRecord claimed, string reason) =>
        DeliveryReports.IsOutcomeUnknown(claimed.Reason) ? claimed.Reason! : reason;

    /// <summary>A message worded by its feature (a rung, a fallback, a notice, a relay), handed over; a throw is an unknown outcome.</summary>
    private async Task<SendResult> SendWordedAsync(EventRecord record, CheckInRecord claimed, SmsMessage? text, EmailMessage? mail)
    {
        try
        {
            return text is not null
                ? await sms.SendAsync(text, CancellationToken.None)
                : await email.SendAsync(mail!, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The sender may have got the message out before failing: the same as an ambiguous answer.
            DispatchLog.SendThrew(logger, e, record.Id, claimed.Id);
            return SendResult.Ambiguous(CheckInReasons.SendError);
        }
    }

    /// <summary>
    /// A fallback or a notice: worded now from the check-in it is about (see <see cref="DeliveryFollowUps"/>),
    /// and not sent at all if that check-in turned out to be delivered after all.
    /// </summary>
    private async Task<DispatchOutcome> SendFollowUpAsync(DueEntry entry, EventRecord record, Participant recipient, string address, CheckInRecord claimed)
    {
        var message = await followUps.ComposeAsync(record, recipient, address, claimed, CancellationToken.None);
        if (message.Withheld is { } why)
        {
            return await FinishAsync(entry, claimed with { Status = CheckInStatus.Cancelled, Reason = why, ClaimedUntil = null }, DispatchOutcome.Skipped, claimed.ClaimedUntil);
        }

        var handedOver = time.GetUtcNow();
        var result = await SendWordedAsync(record, claimed, message.Sms, message.Email);
        var outcome = await ApplyAsync(entry, address, claimed, result, handedOver);
        if (WaitingRelays.Waited(claimed) && outcome is DispatchOutcome.Sent or DispatchOutcome.SentLate)
        {
            await TellReplierAsync(record, claimed);
        }

        return outcome;
    }

    /// <param name="handedOver">
    /// When the message was handed to the provider: the moment it went out, its <c>sentAt</c> (to the
    /// millisecond, as stored, so that <c>late</c> is the same in this run's count and in GET).
    /// </param>
    private async Task<DispatchOutcome> ApplyAsync(DueEntry entry, string address, CheckInRecord claimed, SendResult result, DateTimeOffset handedOver)
    {
        var now = time.GetUtcNow();
        var claimedUntil = claimed.ClaimedUntil;
        switch (result.Outcome)
        {
            case SendOutcome.Sent:
                var sent = claimed with { Status = CheckInStatus.Sent, Reason = null, SentAt = StoredTime.WholeMilliseconds(handedOver), ProviderMessageId = result.ProviderMessageId, ClaimedUntil = null };
                return await FinishAsync(entry, sent, sent.IsLate(_options.LateAfter) ? DispatchOutcome.SentLate : DispatchOutcome.Sent, claimedUntil);

            case SendOutcome.Transient when result.Throttled && now - claimed.DueAt < ThrottledAtMost:
                // The provider's rate, not the message: nothing was sent, so it is no try and uses no quota.
                // Again after its Retry-After, or after a pause that grows with how late it already is,
                // spread so that a burst's retries do not come back together.
                var pause = (result.RetryAfter ?? ThrottleBackoff(now - claimed.DueAt)) + TimeSpan.FromMilliseconds(Random.Shared.Next(1000));
                if (!await RescheduleAsync(entry, claimed with { Attempts = claimed.Attempts - 1 }, now + pause, CheckInReasons.ThrottledPrefix + result.Reason))
                {
                    return DispatchOutcome.HeldByAnotherRun;
                }

                if (!SafetyLadder.Holds(claimed))
                {
                    // Rungs take no quota: there is none to give back.
                    await GiveBackQuotaAsync(entry);
                }

                DispatchLog.Retrying(logger, entry.EventId, claimed.Id, CheckInReasons.ThrottledPrefix + result.Reason, claimed.Attempts - 1, pause);
                return DispatchOutcome.Retrying;

            case SendOutcome.Transient when claimed.Attempts < _options.MaxAttempts:
                var delay = RetryDelay(claimed.Attempts, result.RetryAfter);
                if (!await RescheduleAsync(entry, claimed, now + delay, result.Reason))
                {
                    return DispatchOutcome.HeldByAnotherRun;
                }

                DispatchLog.Retrying(logger, entry.EventId, claimed.Id, result.Reason, claimed.Attempts, delay);
                return DispatchOutcome.Retrying;

            case SendOutcome.OptedOut:
                // The provider knows of an opt-out we did not: record it so nothing else is tried either.
                await consents.RecordAsync(new ConsentDecision(claimed.Channel, address, null, ConsentState.OptedOut, "provider:" + result.Reason, ""), CancellationToken.None);
                return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = CheckInReasons.OptedOut, ClaimedUntil = null }, DispatchOutcome.Failed, claimedUntil);

            case SendOutcome.Ambiguous when claimed.Kind is CheckInKind.Alert or CheckInKind.UrgentAlert && claimed.Attempts < _options.MaxAttempts:
                // An alert is the one message sent again when whether it went is not known: a duplicate
                // alert is better than none. Its reason says the try's outcome is unknown until it ends:
                // it may have arrived, so what follows it (an all-clear) goes whatever the retry becomes.
                var again = RetryDelay(claimed.Attempts, result.RetryAfter);
                if (!await RescheduleAsync(entry, claimed, now + again, CheckInReasons.OutcomeUnknownPrefix + result.Reason))
                {
                    return DispatchOutcome.HeldByAnotherRun;
                }

                DispatchLog.Retrying(logger, entry.EventId, claimed.Id, result.Reason, claimed.Attempts, again);
                return DispatchOutcome.Retrying;

            case SendOutcome.Ambiguous:
                // Not retried: see the README ("Once, never twice"). The organiser sees why in GET.
                return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = CheckInReasons.OutcomeUnknownPrefix + result.Reason, ClaimedUntil = null }, DispatchOutcome.Failed, claimedUntil);

            default:
                return await FinishAsync(entry, claimed with { Status = CheckInStatus.Failed, Reason = result.Reason, ClaimedUntil = null }, DispatchOutcome.Failed, claimedUntil);
        }
    }

    /// <summary>
    /// Moves a claimed check-in to a later attempt. New index row first, then the check-in, then the old
    /// row: a crash in between leaves a row that still finds the check-in, never none. False if the
    /// claim was lost (another run owns the check-in, and the old row with it).
    /// </summary>
    private async Task<bool> RescheduleAsync(DueEntry entry, CheckInRecord claimed, DateTimeOffset at, string? reason)
    {
        var next = entry with { NextAttemptAt = StoredTime.WholeMilliseconds(at) };
        await dueIndex.AddAsync([next], CancellationToken.None);
        if (!await TryUpdateAsync(claimed with { Status = CheckInStatus.Scheduled, NextAttemptAt = next.NextAttemptAt, Reason = reason, ClaimedUntil = null }))
        {
            await dueIndex.RemoveAsync(next, CancellationToken.None);
            return false;
        }

        await dueIndex.RemoveAsync(entry, CancellationToken.None);
        return true;
    }

    private TimeSpan RetryDelay(int attempts, TimeSpan? retryAfter)
    {
        var exponential = _options.FirstRetryDelay * Math.Pow(2, Math.Max(0, attempts - 1));
        var delay = exponential > _options.MaxRetryDelay ? _options.MaxRetryDelay : exponential;
        return retryAfter is { } r && r > delay ? r : delay;
    }

    /// <summary>
    /// Records the end state and drops the index row; with the claim lost, leaves both to the run that holds it.
    /// A delivery report that came while we were sending was written on the row (changing its ETag) and
    /// is applied as if it came just after this record: on 412 the row is read again and, if our claim
    /// still holds it, merged. The fallback or notice the end calls for is made before the end is
    /// recorded: if the app dies in between, the claim expires, the next run ends the check-in again
    /// (a permanent failure fails again, a skip skips again) and finds the follow-up already made.
    /// </summary>
    /// <param name="claimedUntil">The claim's lease, when <paramref name="finished"/> no longer carries it.</param>
    private async Task<DispatchOutcome> FinishAsync(DueEntry entry, CheckInRecord finished, DispatchOutcome outcome, DateTimeOffset? claimedUntil = null)
    {
        var lease = claimedUntil ?? finished.ClaimedUntil;
        var final = DeliveryReports.WithPendingApplied(finished);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await followUps.CreateAsync(final, CancellationToken.None);
            }
            catch (Exception e) when (DeliveryReports.IsOutcomeUnknown(final.Reason))
            {
                // Left unrecorded, the check-in would be sent again when the claim expires, and it may
                // have arrived: the notice is lost instead.
                DeliveryFollowUpsLog.NotMade(logger, e, final.EventId, final.Id);
            }

            try
            {
                await events.UpdateCheckInAsync(final, CancellationToken.None);
                break;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                var current = attempt < 3 ? await events.GetCheckInAsync(finished.EventId, finished.Id, CancellationToken.None) : null;
                if (current is not { Status: CheckInStatus.Sending } || current.Attempts != finished.Attempts
                    || current.ClaimedUntil is not { } held || lease is not { } ours || !StoredTime.SameInstant(held, ours))
                {
                    // Our claim expired and another run took the check-in over: it owns the outcome now.
                    DispatchLog.ClaimLost(logger, finished.EventId, finished.Id);
                    return DispatchOutcome.HeldByAnotherRun;
                }

                final = DeliveryReports.WithPendingApplied(finished with { PendingDelivery = current.PendingDelivery, ETag = current.ETag });
            }
        }

        // The client app is told once the end is recorded (best effort: it never fails the record).
        await checkInFinished.RaiseAsync(new CheckInFinished(final), CancellationToken.None);
        await escalations.TellAsync(final);
        await dueIndex.RemoveAsync(entry, CancellationToken.None);
        if (outcome is DispatchOutcome.Failed or DispatchOutcome.Skipped || final.Status == CheckInStatus.Failed)
        {
            DispatchLog.NotSent(logger, final.EventId, final.Id, final.Status, final.Reason);
        }

        return outcome;
    }

    private async Task<bool> TryUpdateAsync(CheckInRecord checkIn)
    {
        try
        {
            await events.UpdateCheckInAsync(checkIn, CancellationToken.None);
            return true;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            // Our claim expired and another run took the check-in over: it owns the outcome now.
            DispatchLog.ClaimLost(logger, checkIn.EventId, checkIn.Id);
            return false;
        }
    }
}

/// <summary>Dispatch log messages (event ids 200-219): ids, counts and provider codes only.</summary>
internal static partial class DispatchLog
{
    [LoggerMessage(EventId = 230, Level = LogLevel.Warning, Message = "Relay {EventId}/{RelayId} was passed on, but its writer could not be told so")]
    public static partial void ReplierNotTold(ILogger logger, Exception exception, string eventId, string relayId);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Dispatch run: sent {Sent} (late {Late}), skipped {Skipped}, failed {Failed}, retrying {Retrying}, held by another run {HeldByAnotherRun}, index rows cleaned {Cleaned}, errors {Errored}, held for quiet hours {HeldForQuietHours}")]
    public static partial void Run(ILogger logger, int sent, int late, int skipped, int failed, int retrying, int heldByAnotherRun, int cleaned, int errored, int heldForQuietHours);

    [LoggerMessage(EventId = 213, Level = LogLevel.Error, Message = "A check-in due at {Since} is still waiting on the send queue: is the SendCheckIn function running? (Its trigger needs the Storage__TablePrefix setting, even empty.)")]
    public static partial void NobodyTaking(ILogger logger, DateTimeOffset since);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "Check-in {EventId}/{CheckInId} could not be put on the send queue; the next run tries again")]
    public static partial void NotEnqueued(ILogger logger, Exception exception, string eventId, string checkInId);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Dispatch__{Setting} is set but no longer means anything: {ReplacedBy}")]
    public static partial void RetiredSetting(ILogger logger, string setting, string replacedBy);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Check-in {EventId}/{CheckInId} not sent: {Status} ({Reason})")]
    public static partial void NotSent(ILogger logger, string eventId, string checkInId, CheckInStatus status, string? reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "Check-in {EventId}/{CheckInId} will be retried: {Reason}, attempt {Attempt}, next in {Delay}")]
    public static partial void Retrying(ILogger logger, string eventId, string checkInId, string? reason, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "Check-in {EventId}/{CheckInId}: claim expired before the result was recorded; another run owns it")]
    public static partial void ClaimLost(ILogger logger, string eventId, string checkInId);

    [LoggerMessage(EventId = 205, Level = LogLevel.Error, Message = "Check-in {EventId}/{CheckInId}: the sender threw")]
    public static partial void SendThrew(ILogger logger, Exception exception, string eventId, string checkInId);

    [LoggerMessage(EventId = 207, Level = LogLevel.Warning, Message = "A message on the send queue was not a check-in's; dropped")]
    public static partial void Unreadable(ILogger logger);

    [LoggerMessage(EventId = 208, Level = LogLevel.Debug, Message = "Check-in {EventId}/{CheckInId} from the send queue: {Outcome}")]
    public static partial void Handled(ILogger logger, string eventId, string checkInId, DispatchOutcome outcome);

    [LoggerMessage(EventId = 209, Level = LogLevel.Error, Message = "Check-in {EventId}/{CheckInId} could not be handled; the queue shows its message again, and the scheduler enqueues it again while it is owed")]
    public static partial void QueuedErrored(ILogger logger, Exception exception, string eventId, string checkInId);

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "{Count} messages are in the send queue's poison queue: their check-ins stay owed and are enqueued again; the messages expire by themselves")]
    public static partial void Poisoned(ILogger logger, int count);

    [LoggerMessage(EventId = 206, Level = LogLevel.Error, Message = "Check-in {EventId}/{CheckInId} could not be handled this run; the next run tries again")]
    public static partial void CheckInErrored(ILogger logger, Exception exception, string eventId, string checkInId);
}

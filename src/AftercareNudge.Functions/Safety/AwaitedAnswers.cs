using AftercareNudge.Consent;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;

namespace AftercareNudge.Safety;

/// <summary>An armed check-in that a message answered, with its event (for the organiser's zone).</summary>
public sealed record AnsweredCheckIn(AwaitedReply Awaited, EventRecord Event);

/// <summary>A duress word outside any open answer window: the check-ins it answered before they were due, or none (its words dropped).</summary>
public sealed record DuressOutside(IReadOnlyList<AnsweredCheckIn> Answered)
{
    public static DuressOutside Dropped { get; } = new([]);
}

/// <summary>
/// What counts as an answer: while an armed check-in waits on a number (<see cref="AwaitedReply.TakesAnswerAt"/>),
/// every message from the number answers it, except the STOP family and plain-language revocations
/// (an opt-out, not an answer: <see cref="NoteStoppedAsync"/>) and HELP, which the inbound SMS edge
/// (<c>Replies/InboundSms</c>) keeps from here. YES, NO and OK included: the person's answer to "home
/// safe?" is not a consent keyword. A message answers every armed check-in open on the number at once.
/// </summary>
public sealed partial class AwaitedAnswers(
    RecipientCheckIns recipients,
    EventStore events,
    DueCheckInIndex dueIndex,
    AlertFollowUps followUps,
    TimeProvider time,
    ILogger<AwaitedAnswers> logger,
    DomainEvents<RelayDue> dueNow,
    DomainEvents<SafetyNetChanged> netChanged,
    DomainEvents<CheckInFinished> finished)
{
    /// <summary>
    /// Takes the message as the answer to every armed check-in open on its number; returns them, or an
    /// empty list when none waits (the message is then whatever it would be otherwise). Safe to repeat:
    /// a retry of the message that answered finds the check-ins it answered, and answers the same.
    /// </summary>
    public async Task<IReadOnlyList<AnsweredCheckIn>> AnswerAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var now = time.GetUtcNow();
        var answered = new List<AnsweredCheckIn>();
        foreach (var (awaited, record) in await OpenAsync(sms.From, now, sms.MessageId, cancellationToken))
        {
            var written = awaited.AnsweredBy == sms.MessageId
                ? awaited
                : await events.ChangeAwaitedAsync(
                    awaited.EventId,
                    awaited.CheckInId,
                    a => a.TakesAnswerAt(now)
                        ? a with
                        {
                            State = a.State == AwaitState.Escalated ? AwaitState.Cleared : AwaitState.Answered,
                            AnsweredAt = now,
                            AnsweredBy = sms.MessageId,
                            DuressAt = a.DuressAt ?? (SaysDuressWord(sms.Body, a.Net.DuressWord) ? now : null),
                        }
                        : null,
                    cancellationToken);
            if (written is not null)
            {
                // The log says answered either way: a log reader learns nothing a person holding the phone must not.
                SafetyLog.Answered(logger, written.EventId, written.CheckInId, written.State.ToString());
                if (written.DuressAt is null)
                {
                    await StandDownLadderAsync(record, written, cancellationToken);
                }
                else
                {
                    await AlertAtOnceAsync(record, written, cancellationToken);
                }

                await TellAnsweredAsync(record, written, cancellationToken);
                answered.Add(new AnsweredCheckIn(written, record));
            }
        }

        return answered;
    }

    /// <summary>
    /// LATER 30 (or +30): while an armed check-in waits and its contacts have not been alerted, pushes
    /// its deadline by that many minutes, up to <see cref="AwaitedReply.MaxExtension"/> past the first
    /// one in all; the reminder (if it has not gone) and the alerts move with it. Returns the answer to
    /// send (the new time), or null when the message is no LATER or nothing it could push waits (then it
    /// is whatever else it would be: after an alert, an answer).
    /// </summary>
    public async Task<string?> ExtendAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sms);
        if (LaterMinutes(sms.Body) is not { } minutes)
        {
            return null;
        }

        var now = time.GetUtcNow();
        AwaitedReply? latest = null;
        EventRecord? latestEvent = null;
        foreach (var (awaited, record) in await OpenAsync(sms.From, now, answeredBy: null, cancellationToken))
        {
            if (awaited.State is not (AwaitState.Waiting or AwaitState.Reminded))
            {
                continue;
            }

            var extended = awaited.ExtendedWith == sms.MessageId
                ? awaited
                : await events.ChangeAwaitedAsync(
                    awaited.EventId,
                    awaited.CheckInId,
                    a => a.State is AwaitState.Waiting or AwaitState.Reminded && a.TakesAnswerAt(now) && a.ExtendedBy < AwaitedReply.MaxExtension
                        ? a with { ExtendedBy = Min(a.ExtendedBy + TimeSpan.FromMinutes(minutes), AwaitedReply.MaxExtension), ExtendedWith = sms.MessageId }
                        : null,
                    cancellationToken)
                  ?? await events.GetAwaitedAsync(awaited.EventId, awaited.CheckInId, cancellationToken);
            if (extended is not { State: AwaitState.Waiting or AwaitState.Reminded })
            {
                // An alert went (or an answer came) meanwhile: then LATER is an answer, not a delay.
                continue;
            }

            await MoveRungAsync(record, SafetyLadder.ReminderId(extended.CheckInId), extended.RemindAt, cancellationToken);
            for (var place = 1; place <= extended.Net.EscalateTo.Count; place++)
            {
                await MoveRungAsync(record, SafetyLadder.AlertId(extended.CheckInId, place), extended.AlertAt, cancellationToken);
            }

            SafetyLog.Extended(logger, extended.EventId, extended.CheckInId, (int)extended.ExtendedBy.TotalMinutes);
            (latest, latestEvent) = (extended, record);
        }

        return latest is null
            ? null
            : SafetyWording.Extended(latest, EventTime.FindZone(latestEvent!.Organizer.TimeZone) ?? NodaTime.DateTimeZone.Utc, now);
    }

    /// <summary>The minutes a LATER asks for (LATER 30, later 30 min, +30), 1 to 120; null for anything else.</summary>
    public static int? LaterMinutes(string? body)
    {
        // Read on the trimmed words, not Normalize's: it takes the "+" off "+30" as surrounding punctuation.
        var text = string.Join(' ', (body ?? "").ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).TrimEnd('.', '!');
        var match = LaterPattern().Match(text);
        return match.Success && int.TryParse(match.Groups["minutes"].Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var minutes) && minutes is >= 1 and <= 120
            ? minutes
            : null;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>A rung not yet sent, moved to <paramref name="at"/>: the new index row first, then the row (a crash between leaves a row that finds it).</summary>
    private async Task MoveRungAsync(EventRecord record, string rungId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await events.GetCheckInAsync(record.Id, rungId, cancellationToken) is not { Status: CheckInStatus.Scheduled } rung || StoredTime.SameInstant(rung.NextAttemptAt, at))
        {
            return;
        }

        await dueIndex.AddAsync([new DueEntry(record.Id, rungId, at, record.ClientId)], cancellationToken);
        await events.ChangeCheckInAsync(record.Id, rungId, r => r.Status == CheckInStatus.Scheduled ? r with { DueAt = at, NextAttemptAt = at } : null, cancellationToken);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(later\s*(?<minutes>\d{1,3})(\s*(m|min|mins|minutes))?|\+\s*(?<minutes>\d{1,3}))$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex LaterPattern();

    /// <summary>
    /// Whether a reply contains the duress word as a whole word, case and accents ignored ("Pineapple!",
    /// "it's PINEAPPLE time"; not "pineapples").
    /// </summary>
    public static bool SaysDuressWord(string? body, string? duressWord)
    {
        if (string.IsNullOrWhiteSpace(duressWord) || string.IsNullOrWhiteSpace(body))
        {
            return false;
        }

        var word = SmsKeywords.Fold(SmsKeywords.Normalize(duressWord));
        var text = SmsKeywords.Fold(SmsKeywords.Normalize(body));
        var words = new string([.. text.Select(c => char.IsLetterOrDigit(c) ? c : ' ')]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return words.Contains(word, StringComparer.Ordinal);
    }

    /// <summary>
    /// Told the same way either way, so that the client learns nothing of duress: <c>checkin.answered</c>,
    /// and after a duress answer, for each contact alerted before it, the <c>escalation.cleared</c> a
    /// real answer's all-clear would have told (none is sent: see <see cref="DuressMask"/>). Each id is
    /// the fact's, so a retried message tells it once.
    /// </summary>
    private async Task TellAnsweredAsync(EventRecord record, AwaitedReply written, CancellationToken cancellationToken)
    {
        await netChanged.RaiseAsync(new SafetyNetChanged(written.EventId, written.CheckInId, SafetyNetChange.Answered, Participant.OrganizerKey, Channel.Sms, record.ClientId), CancellationToken.None);
        if (written.DuressAt is null)
        {
            return;
        }

        foreach (var contactKey in written.Alerted ?? [])
        {
            var place = written.Net.EscalateTo.ToList().IndexOf(contactKey) + 1;
            if (place > 0 && await events.GetCheckInAsync(record.Id, SafetyLadder.AlertId(written.CheckInId, place), cancellationToken) is { } first
                && SafetyLadder.CurrentAlert(first, await events.GetCheckInAsync(record.Id, SafetyLadder.FallbackId(first.Id), cancellationToken)) is var alert
                && DuressMask.AllClearShown(alert, written, null) is { Status: CheckInStatus.Sent } allClear)
            {
                await finished.RaiseAsync(new CheckInFinished(allClear, record.ClientId), CancellationToken.None);
                await netChanged.RaiseAsync(new SafetyNetChanged(written.EventId, written.CheckInId, SafetyNetChange.EscalationCleared, contactKey, alert.Channel, record.ClientId), CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// A duress answer: the reminder goes no more, every contact's alert not yet sent is due now and
    /// sent at once (the alert says it is urgent), and every contact whose ordinary alert was committed
    /// before it gets an urgent follow-up at once (once: its id is fixed). Safe to repeat: a rung already
    /// moved or sent, or a follow-up already made, is left.
    /// </summary>
    private async Task AlertAtOnceAsync(EventRecord record, AwaitedReply duress, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await events.ChangeCheckInAsync(
            record.Id,
            SafetyLadder.ReminderId(duress.CheckInId),
            r => r.Status == CheckInStatus.Scheduled ? r with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.Answered } : null,
            cancellationToken);
        for (var place = 1; place <= duress.Net.EscalateTo.Count; place++)
        {
            var alert = await events.GetCheckInAsync(record.Id, SafetyLadder.AlertId(duress.CheckInId, place), cancellationToken);
            if (alert is not { Status: CheckInStatus.Scheduled } || alert.NextAttemptAt <= now)
            {
                continue;
            }

            // The new index row first: a crash in between leaves a row that still finds the alert.
            await dueIndex.AddAsync([new DueEntry(record.Id, alert.Id, now, record.ClientId)], cancellationToken);
            if (await events.ChangeCheckInAsync(record.Id, alert.Id, r => r.Status == CheckInStatus.Scheduled ? r with { NextAttemptAt = now } : null, cancellationToken)
                && await events.GetCheckInAsync(record.Id, alert.Id, cancellationToken) is { } moved)
            {
                await dueNow.RaiseAsync(new RelayDue(moved), CancellationToken.None);
            }
        }

        await FollowAlertsAsync(record, duress, CheckInKind.UrgentAlert, cancellationToken);
    }

    /// <summary>
    /// After an answer: the rungs not yet committed are cancelled (they would be withheld when due
    /// anyway; cancelled, GET says so now), and every contact whose alert was committed gets the
    /// all-clear, at once (once its alert is finished), on the channel their alert went out on. Each step is safe to repeat: the all-clear's
    /// id is fixed, so a retried answer makes one.
    /// </summary>
    private async Task StandDownLadderAsync(EventRecord record, AwaitedReply answered, CancellationToken cancellationToken)
    {
        var alerted = answered.Alerted ?? [];
        for (var place = 0; place <= answered.Net.EscalateTo.Count; place++)
        {
            var rungId = place == 0 ? SafetyLadder.ReminderId(answered.CheckInId) : SafetyLadder.AlertId(answered.CheckInId, place);
            await events.ChangeCheckInAsync(
                record.Id,
                rungId,
                r => r.Status == CheckInStatus.Scheduled && (place == 0 ? answered.RemindedAt is null : !alerted.Contains(r.To, StringComparer.Ordinal))
                    ? r with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.Answered }
                    : null,
                cancellationToken);
        }

        await FollowAlertsAsync(record, answered, CheckInKind.AllClear, cancellationToken);
    }

    /// <summary>Makes, for every contact whose alert was committed, the row of <paramref name="kind"/> that follows it, and sends what this call made at once.</summary>
    private async Task FollowAlertsAsync(EventRecord record, AwaitedReply net, CheckInKind kind, CancellationToken cancellationToken)
    {
        foreach (var contactKey in net.Alerted ?? [])
        {
            if (await followUps.AddAsync(record, net, contactKey, kind, cancellationToken) is { } made)
            {
                await dueNow.RaiseAsync(new RelayDue(made), CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// The duress word from the person's number when no armed check-in takes an answer: it is never an
    /// ordinary reply (its words are kept nowhere and passed on to nobody). Before an armed check-in on
    /// the number is due, it is a duress answer brought forward: every consenting contact is alerted at
    /// once, urgently, and it reads as answered, as any duress answer (returned, to be acknowledged as
    /// any answer). After the window closed (answered, past a day after the alert, the event over), it
    /// is dropped: <see cref="DuressOutside.Dropped"/>. Null when the message holds no duress word of
    /// an armed check-in on the number.
    /// </summary>
    public async Task<DuressOutside?> DuressOutsideWindowAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var now = time.GetUtcNow();
        var said = false;
        var answered = new List<AnsweredCheckIn>();
        foreach (var found in (await recipients.ForAddressAsync(Channel.Sms, sms.From, cancellationToken)).Where(r => r.AwaitsReply))
        {
            if (await events.GetAwaitedAsync(found.EventId, found.CheckInId, cancellationToken) is not { } awaited || !SaysDuressWord(sms.Body, awaited.Net.DuressWord))
            {
                continue;
            }

            said = true;
            if (await events.GetEventAsync(found.EventId, cancellationToken) is not { IsOver: false } record
                || await events.GetCheckInAsync(found.EventId, found.CheckInId, cancellationToken) is not { } checkIn
                || StandsDown(checkIn))
            {
                continue;
            }

            var written = awaited.AnsweredBy == sms.MessageId
                ? awaited
                : await events.ChangeAwaitedAsync(
                    awaited.EventId,
                    awaited.CheckInId,
                    a => a.State == AwaitState.Waiting && now < a.DueAt
                        ? a with { State = AwaitState.Answered, AnsweredAt = now, AnsweredBy = sms.MessageId, DuressAt = now }
                        : null,
                    cancellationToken);
            if (written is not null)
            {
                SafetyLog.Answered(logger, written.EventId, written.CheckInId, written.State.ToString());
                await AlertAtOnceAsync(record, written, cancellationToken);
                await TellAnsweredAsync(record, written, cancellationToken);
                answered.Add(new AnsweredCheckIn(written, record));
            }
        }

        return !said ? null : answered.Count > 0 ? new DuressOutside(answered) : DuressOutside.Dropped;
    }

    /// <summary>Whether an armed check-in waits on this number now: HELP then says what the safety net does.</summary>
    public async Task<bool> IsWaitingAsync(string phone, CancellationToken cancellationToken) =>
        (await OpenAsync(phone, time.GetUtcNow(), answeredBy: null, cancellationToken)).Count > 0;

    /// <summary>
    /// A STOP while armed check-ins wait on the number: they go on without messaging the person (an
    /// alert will say they stopped messages then), and their answer still counts. Returns whether any
    /// was waiting, so that the opt-out's one confirmation can say a reply of OK still counts.
    /// </summary>
    public async Task<bool> NoteStoppedAsync(string phone, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var any = false;
        foreach (var (awaited, _) in await OpenAsync(phone, now, answeredBy: null, cancellationToken))
        {
            any = true;
            if (await events.ChangeAwaitedAsync(awaited.EventId, awaited.CheckInId, a => a.TakesAnswerAt(now) && a.StoppedAt is null ? a with { StoppedAt = now } : null, cancellationToken) is { } stopped)
            {
                SafetyLog.Stopped(logger, stopped.EventId, stopped.CheckInId);
            }
        }

        return any;
    }

    /// <summary>
    /// Whether an armed check-in's net stands down because of what became of the check-in itself: it
    /// was cancelled, or skipped because it was never the person's to get (no confirmed consent, a NO,
    /// erased, removed). Not when it could not be delivered, nor when the person stopped messages (a
    /// STOP skips it, and the ladder goes on without messaging them): that is what the net is for.
    /// </summary>
    public static bool StandsDown(CheckInRecord checkIn)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        return checkIn.Status == CheckInStatus.Cancelled
            || (checkIn.Status == CheckInStatus.Skipped && checkIn.Reason is CheckInReasons.NoConsent or CheckInReasons.Declined or CheckInReasons.Erased or CheckInReasons.Removed or CheckInReasons.EventCancelled or CheckInReasons.RecipientMissing);
    }

    /// <summary>
    /// The armed check-ins to this number that take an answer now (and those <paramref name="answeredBy"/>
    /// answered, for a retry), each with its event: not once the event is over, nor once the net stood
    /// down (<see cref="StandsDown"/>).
    /// </summary>
    private async Task<List<(AwaitedReply Awaited, EventRecord Event)>> OpenAsync(string phone, DateTimeOffset now, string? answeredBy, CancellationToken cancellationToken)
    {
        var open = new List<(AwaitedReply, EventRecord)>();
        foreach (var found in (await recipients.ForAddressAsync(Channel.Sms, phone, cancellationToken)).Where(r => r.AwaitsReply))
        {
            if (await events.GetAwaitedAsync(found.EventId, found.CheckInId, cancellationToken) is not { } awaited
                || !(awaited.TakesAnswerAt(now) || (answeredBy is not null && awaited.AnsweredBy == answeredBy)))
            {
                continue;
            }

            if (await events.GetEventAsync(found.EventId, cancellationToken) is { IsOver: false } record
                && await events.GetCheckInAsync(found.EventId, found.CheckInId, cancellationToken) is { } checkIn
                && !StandsDown(checkIn))
            {
                open.Add((awaited, record));
            }
        }

        return open.OrderBy(o => o.Item1.DueAt).ToList();
    }
}

/// <summary>
/// Safety net log messages (event ids 1200-1219): which check-in and what became of it, never a message's words or the duress word.
/// 1206 (SafetyCancellationNotTold) is retired, not to be reused: the news of a cancellation is a row of the schedule now, whose end the dispatcher logs.
/// </summary>
internal static partial class SafetyLog
{
    [LoggerMessage(EventId = 1200, EventName = "ArmedCheckInAnswered", Level = LogLevel.Information, Message = "Armed check-in {EventId}/{CheckInId} was answered; its safety net is {State}")]
    public static partial void Answered(ILogger logger, string eventId, string checkInId, string state);

    [LoggerMessage(EventId = 1205, EventName = "ArmedCheckInExtended", Level = LogLevel.Information, Message = "Armed check-in {EventId}/{CheckInId} was pushed back: {Minutes} minutes in all")]
    public static partial void Extended(ILogger logger, string eventId, string checkInId, int minutes);

    [LoggerMessage(EventId = 1202, EventName = "TrustedContactNotAsked", Level = LogLevel.Warning, Message = "Trusted contact {PersonKey} of event {EventId} was not asked: {Reason}")]
    public static partial void ContactNotAsked(ILogger logger, string eventId, string personKey, string reason);

    [LoggerMessage(EventId = 1203, EventName = "TrustedContactDecided", Level = LogLevel.Information, Message = "Trusted contact page: {Decision} (alerts in quiet hours: {Night})")]
    public static partial void Decided(ILogger logger, ConsentState decision, bool? night);

    [LoggerMessage(EventId = 1204, EventName = "TrustedContactNotRecorded", Level = LogLevel.Information, Message = "Trusted contact page: nothing recorded ({Reason})")]
    public static partial void NotRecorded(ILogger logger, string reason);

    [LoggerMessage(EventId = 1201, EventName = "ArmedCheckInStopped", Level = LogLevel.Information, Message = "The person an armed check-in {EventId}/{CheckInId} waits on stopped messages; it goes on without messaging them")]
    public static partial void Stopped(ILogger logger, string eventId, string checkInId);
}

using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Safety;

/// <summary>
/// What a rung of the ladder does when it is due: its message, or why it goes no more
/// (<see cref="Withheld"/>), or until when it waits (<see cref="HoldUntil"/>: a contact's quiet hours, or
/// <see cref="HoldReason"/> when it is another wait: the alert it follows is still being sent).
/// </summary>
public sealed record SafetyStep(string? Withheld = null, DateTimeOffset? HoldUntil = null, SmsMessage? Sms = null, EmailMessage? Email = null, string? HoldReason = null);

/// <summary>
/// The ladder's rungs as the dispatcher sends them (<see cref="SafetyLadder"/>): the reminder, each
/// contact's alert, and what follows an alert (<see cref="AlertFollowUps"/>). A reminder or an alert is first <em>committed</em> on the net
/// (<see cref="AwaitedReply"/>, ETag-conditional) and only then handed to the provider, and an answer is
/// recorded on the same row the same way: whichever is written first wins, so that nothing goes once
/// the person's answer is recorded, and every contact whose alert was committed gets the all-clear.
/// </summary>
public sealed class SafetySteps(EventStore events, ConsentStore consents, TimeProvider time, DomainEvents<SafetyNetChanged> netChanged, AlertFollowUps followUps)
{
    /// <summary>How long a follow-up waits before it looks again at an alert still being sent.</summary>
    public static readonly TimeSpan AlertWait = TimeSpan.FromSeconds(5);

    /// <summary>An alert went: what must follow it now (the news of a cancellation that came while it was sent), made once; the caller sends it.</summary>
    public Task<CheckInRecord?> AlertSentAsync(CheckInRecord alert, CancellationToken cancellationToken) => followUps.AfterAlertSentAsync(alert, cancellationToken);

    public async Task<SafetyStep> ComposeAsync(EventRecord record, Participant recipient, string address, CheckInRecord rung, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(rung);
        var armed = rung.RelatesTo is { } id ? await events.GetCheckInAsync(record.Id, id, cancellationToken) : null;
        var net = armed is null ? null : await events.GetAwaitedAsync(record.Id, armed.Id, cancellationToken);
        if (armed is null || net is null)
        {
            return new SafetyStep(CheckInReasons.RelatedMissing);
        }

        // After the duress word an urgent alert goes even when the event was cancelled; the news of the
        // cancellation goes because it was cancelled; an all-clear goes if the answer came first.
        if (record.CancelledAt is not null && !(rung.Kind is CheckInKind.Alert or CheckInKind.UrgentAlert && net.DuressAt is not null) && rung.Kind != CheckInKind.SafetyCancelled
            && !(rung.Kind == CheckInKind.AllClear && net.AnsweredAt is { } answeredAt && answeredAt <= record.CancelledAt))
        {
            return new SafetyStep(CheckInReasons.EventCancelled);
        }

        if (SafetyLadder.FollowsAlert(rung) && await AfterTheAlertAsync(record.Id, rung, cancellationToken) is { } wait)
        {
            return wait;
        }

        return rung.Kind switch
        {
            CheckInKind.SafetyReminder => await RemindAsync(record, address, rung, armed, net, cancellationToken),
            CheckInKind.Alert or CheckInKind.UrgentAlert => await AlertAsync(record, recipient, address, rung, armed, net, cancellationToken),
            CheckInKind.AllClear => await consents.IsOptedOutAsync(rung.Channel, address, cancellationToken)
                ? new SafetyStep(CheckInReasons.OptedOut)
                : AllClear(record, recipient, address, rung, net),
            CheckInKind.SafetyCancelled => net.DuressAt is not null
                ? new SafetyStep(CheckInReasons.Answered)
                : await consents.IsOptedOutAsync(rung.Channel, address, cancellationToken)
                    ? new SafetyStep(CheckInReasons.OptedOut)
                    : Cancelled(record, recipient, address, rung),
            _ => throw new ArgumentOutOfRangeException(nameof(rung), rung.Kind, "Not a rung of the safety ladder."),
        };
    }

    /// <summary>
    /// What follows an alert goes only once the alert's own send is finished, never before it (an
    /// answer or a cancellation can come while the alert is committed but not yet handed over): it
    /// looks again shortly while the alert is being sent or waits for a retry. An all-clear or the news
    /// of a cancellation does not go for an alert that ended without being sent (one whose outcome is
    /// unknown may have arrived: it goes); an urgent follow-up goes either way (it then is the urgent alert).
    /// </summary>
    private async Task<SafetyStep?> AfterTheAlertAsync(string eventId, CheckInRecord followUp, CancellationToken cancellationToken)
    {
        var alertId = SafetyLadder.AlertIdOf(followUp.Id);
        if (await events.GetCheckInAsync(eventId, alertId, cancellationToken) is not { } first)
        {
            return new SafetyStep(CheckInReasons.RelatedMissing);
        }

        // The alert, or its fallback on the contact's other channel once that is what reaches them.
        var alert = SafetyLadder.CurrentAlert(first, await events.GetCheckInAsync(eventId, SafetyLadder.FallbackId(alertId), cancellationToken));

        if (!SafetyLadder.AlertSettled(alert))
        {
            return new SafetyStep(HoldUntil: time.GetUtcNow() + AlertWait, HoldReason: CheckInReasons.AwaitingAlert);
        }

        return SafetyLadder.AlertWent(alert) || followUp.Kind == CheckInKind.UrgentAlert ? null : new SafetyStep(CheckInReasons.AlertNotSent);
    }

    /// <summary>
    /// The one reminder, if no answer came: never held by the person's quiet hours (they chose the
    /// time), and not sent to a number that stopped messages (the ladder goes on without it).
    /// </summary>
    private async Task<SafetyStep> RemindAsync(EventRecord record, string phone, CheckInRecord rung, CheckInRecord armed, AwaitedReply net, CancellationToken cancellationToken)
    {
        if (AwaitedAnswers.StandsDown(armed))
        {
            return new SafetyStep(CheckInReasons.NotArmed);
        }

        if (await consents.IsOptedOutAsync(Channel.Sms, phone, cancellationToken))
        {
            return new SafetyStep(CheckInReasons.OptedOut);
        }

        var now = time.GetUtcNow();
        // Committed again by a retry of the same reminder: the write is the fence an answer meets.
        var committed = await events.ChangeAwaitedAsync(
            record.Id,
            net.CheckInId,
            a => a.TakesAnswerAt(now) && now >= a.RemindAt - Early ? a with { State = a.State == AwaitState.Waiting ? AwaitState.Reminded : a.State, RemindedAt = a.RemindedAt ?? now } : null,
            cancellationToken);
        if (committed is null)
        {
            return await NotCommittedAsync(record.Id, net.CheckInId, n => n.RemindAt, cancellationToken);
        }

        if (committed.State == AwaitState.Reminded)
        {
            // Once per armed check-in: a retried reminder tells the same fact, written once.
            await netChanged.RaiseAsync(new SafetyNetChanged(record.Id, committed.CheckInId, SafetyNetChange.Missed, Participant.OrganizerKey, Channel.Sms, record.ClientId), CancellationToken.None);
        }

        var zone = Zone(record.Organizer);
        var text = SafetyWording.Reminder(committed, zone, now);
        return new SafetyStep(Sms: new SmsMessage(phone, text, MessageKinds.SafetyReminder, record.Id, rung.Id));
    }

    /// <summary>The news that the check-in was cancelled after the contact was alerted, without an answer.</summary>
    private static SafetyStep Cancelled(EventRecord record, Participant contact, string address, CheckInRecord rung)
    {
        // After the organiser's erasure their name is gone: the message names nobody.
        var name = RemovedNames.Readable(record.Organizer.Name);
        var text = SafetyWording.CancelledAfterAlert(name);
        return rung.Channel == Channel.Sms
            ? new SafetyStep(Sms: new SmsMessage(address, text, MessageKinds.SafetyCancelled, record.Id, rung.Id))
            : new SafetyStep(Email: new EmailMessage(address, contact.Name, SafetyWording.CancelledAfterAlertSubject(name), text, Notices.EmailHtml(text, null), MessageKinds.SafetyCancelled, record.Id, rung.Id));
    }

    /// <summary>
    /// An alert to one contact (or the urgent follow-up to one already alerted): only if they agreed to these very terms and did not opt out, held by
    /// their quiet hours unless they allowed alerts then, and committed on the net before it goes.
    /// </summary>
    private async Task<SafetyStep> AlertAsync(EventRecord record, Participant contact, string address, CheckInRecord rung, CheckInRecord armed, AwaitedReply net, CancellationToken cancellationToken)
    {
        // After the duress word nothing stands the net down, not even a cancellation of the check-in.
        if (net.DuressAt is null && AwaitedAnswers.StandsDown(armed))
        {
            return new SafetyStep(CheckInReasons.NotArmed);
        }

        if (net.DuressAt is null && net.State is AwaitState.Answered or AwaitState.Cleared)
        {
            return new SafetyStep(CheckInReasons.Answered);
        }

        var terms = SafetyLadder.TermsVersion(record, await events.GetAwaitedForEventAsync(record.Id, cancellationToken), contact.Key);
        if (!contact.IsTrustedContact() || contact.AgreedAlerts != terms)
        {
            return new SafetyStep(CheckInReasons.ContactNotAgreed);
        }

        if (await consents.IsOptedOutAsync(rung.Channel, address, cancellationToken))
        {
            return new SafetyStep(CheckInReasons.OptedOut);
        }

        var now = time.GetUtcNow();
        if (contact.AlertsInQuietHours != true && QuietHours.Of(contact.QuietHours).EndOfQuietAt(now, Zone(contact)) is { } morning)
        {
            return new SafetyStep(HoldUntil: morning);
        }

        var committed = await events.ChangeAwaitedAsync(
            record.Id,
            net.CheckInId,
            a => a.DuressAt is not null
                ? a with { } // the write is the fence; it stays as any answer leaves it, with no one added to who was told
                : a.State is AwaitState.Waiting or AwaitState.Reminded or AwaitState.Escalated && a.TakesAnswerAt(now) && now >= a.AlertAt - Early
                    ? a with { State = AwaitState.Escalated, EscalatedAt = a.EscalatedAt ?? now, Alerted = [.. (a.Alerted ?? []).Where(k => k != contact.Key), contact.Key] }
                    : null,
            cancellationToken);
        if (committed is null)
        {
            return await NotCommittedAsync(record.Id, net.CheckInId, n => n.AlertAt, cancellationToken);
        }

        var facts = new AlertFacts(
            RemovedNames.Readable(record.Organizer.Name) ?? "The person who chose you",
            committed.RemindAt,
            Zone(contact),
            now,
            committed.Net.Note,
            armed.Status is CheckInStatus.Failed || (armed.SentAt is null && !(armed.Status is CheckInStatus.Skipped && armed.Reason == CheckInReasons.OptedOut)),
            committed.StoppedAt,
            committed.DuressAt,
            AlreadyAlerted: rung.Kind == CheckInKind.UrgentAlert);
        return rung.Channel == Channel.Sms
            ? new SafetyStep(Sms: new SmsMessage(address, SafetyWording.AlertSms(facts), MessageKinds.Alert, record.Id, rung.Id))
            : new SafetyStep(Email: new EmailMessage(address, contact.Name, SafetyWording.AlertSubject(facts), SafetyWording.AlertText(facts), Notices.EmailHtml(SafetyWording.AlertText(facts), null), MessageKinds.Alert, record.Id, rung.Id));
    }

    /// <summary>The all-clear: made only for a contact whose alert was committed, and never held (it is the news they wait for).</summary>
    private SafetyStep AllClear(EventRecord record, Participant contact, string address, CheckInRecord rung, AwaitedReply net)
    {
        var name = RemovedNames.Readable(record.Organizer.Name) ?? "The person who chose you";
        var text = SafetyWording.AllClear(name, net.AnsweredAt ?? time.GetUtcNow(), Zone(contact), time.GetUtcNow());
        return rung.Channel == Channel.Sms
            ? new SafetyStep(Sms: new SmsMessage(address, text, MessageKinds.AllClear, record.Id, rung.Id))
            : new SafetyStep(Email: new EmailMessage(address, contact.Name, SafetyWording.AllClearSubject(name), text, Notices.EmailHtml(text, null), MessageKinds.AllClear, record.Id, rung.Id));
    }

    /// <summary>
    /// An SMS check-in's words: an armed one (to the organiser, waiting for their answer) carries the
    /// line that says exactly what counts as an answer.
    /// </summary>
    public static string CheckInText(CheckInRecord checkIn, string words)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        return checkIn.AwaitsReply ? $"{words} {SafetyWording.AnswerLine}" : words;
    }

    /// <summary>How early a rung may be committed: the clocks of two instances differ a little, never by this much.</summary>
    private static readonly TimeSpan Early = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A rung whose commit was refused: withheld if the person answered meanwhile; held until its new
    /// time if a LATER moved it while this run held it.
    /// </summary>
    private async Task<SafetyStep> NotCommittedAsync(string eventId, string armedId, Func<AwaitedReply, DateTimeOffset> dueAt, CancellationToken cancellationToken) =>
        await events.GetAwaitedAsync(eventId, armedId, cancellationToken) is { State: AwaitState.Waiting or AwaitState.Reminded or AwaitState.Escalated, DuressAt: null } net
        && net.TakesAnswerAt(time.GetUtcNow()) && dueAt(net) > time.GetUtcNow()
            ? new SafetyStep(HoldUntil: dueAt(net))
            : new SafetyStep(CheckInReasons.Answered);

    private static DateTimeZone Zone(Participant person) => EventTime.FindZone(person.TimeZone) ?? DateTimeZone.Utc;
}

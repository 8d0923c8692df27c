using AftercareNudge.Consent;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.Options;
using NodaTime;

namespace AftercareNudge.Safety;

/// <summary>
/// Tells the organiser what would keep an alert from a trusted contact, as the missing-consent notice
/// tells them of a check-in that would not go out, and through its machinery (its lead time, its
/// timing around their quiet hours, its channel and sender): before an armed check-in, a contact it
/// names who has not agreed to its current terms, or who agreed but not to alerts in their quiet hours
/// when the alert would fall in them; and at once (<see cref="ContactGaps"/>), a contact who left.
/// Once per event, contact and reason; checked again when due, and not sent if it no longer holds.
/// Discreet: no kind, no title, no note, no duress word; who and when.
/// </summary>
public sealed class SafetyNotices(
    EventStore events,
    ConsentStore consents,
    ConsentGate gate,
    MissingConsentNotices missingConsent,
    SafetyNoticeList list,
    IOptions<MissingConsentOptions> options,
    TimeProvider time,
    ILogger<SafetyNotices> logger)
{
    public const string EmailSubject = "About your check-in";

    /// <summary>
    /// Plans (or moves, or drops) the check before the event for each trusted contact: a lead time before
    /// the first armed check-in naming them, never found in the organiser's quiet hours. At registration and
    /// after every PATCH of the event.
    /// </summary>
    public async Task PlanAsync(string eventId, CancellationToken cancellationToken)
    {
        var record = await events.GetEventAsync(eventId, cancellationToken);
        if (record is null || record.IsOver || !record.People.Any(p => p.IsTrustedContact()))
        {
            return;
        }

        var nets = await events.GetAwaitedForEventAsync(eventId, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var contact in record.People.Where(p => p.IsTrustedContact()))
        {
            if (FirstAhead(nets, contact.Key, now) is { } net)
            {
                var at = MissingConsentNotices.NoticeTime(record.Organizer, net.DueAt - options.Value.MissingConsentNoticeLead, now);
                await list.PutAsync(at, eventId, contact.Key, ContactNoticeReasons.Before, cancellationToken);
            }
            else
            {
                await list.DropAsync(eventId, contact.Key, ContactNoticeReasons.Before, cancellationToken);
            }
        }
    }

    /// <summary>Sends the notices whose time has come. Returns how many were dealt with (sent or not).</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var dealt = 0;
        await foreach (var due in list.TakeDueAsync(time.GetUtcNow(), cancellationToken))
        {
            try
            {
                var outcome = await SendAsync(due, cancellationToken);
                SafetyNoticeLog.Outcome(logger, due.EventId, due.ContactKey, due.Reason, outcome);
                dealt++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Taken but not dealt with: back on the list for a later run, unless it was marked done.
                SafetyNoticeLog.Failed(logger, e, due.EventId, due.ContactKey);
                await list.PutAsync(time.GetUtcNow() + TimeSpan.FromMinutes(5), due.EventId, due.ContactKey, due.Reason, CancellationToken.None);
            }
        }

        return dealt;
    }

    /// <summary>What became of the notice of this reason (<see cref="ContactNoticeReasons"/>): <c>sent</c>, or why not.</summary>
    public Task<string?> OutcomeAsync(string eventId, string contactKey, string reason, CancellationToken cancellationToken) =>
        list.OutcomeAsync(eventId, contactKey, reason, cancellationToken);

    private async Task<string> SendAsync(SafetyNoticeList.Due due, CancellationToken cancellationToken)
    {
        var record = await events.GetEventAsync(due.EventId, cancellationToken);
        if (record is null || record.IsOver || record.Find(due.ContactKey) is not { } contact || !contact.IsTrustedContact())
        {
            return "event-gone";
        }

        var nets = await events.GetAwaitedForEventAsync(due.EventId, cancellationToken);
        var now = time.GetUtcNow();
        var (reason, net) = await ReasonAsync(record, nets, contact, due.Reason, now, cancellationToken);
        if (reason is null || net is null)
        {
            return due.Reason == ContactNoticeReasons.Left ? "no-longer-open" : "all-set";
        }

        // Told once per terms: a PATCH that changed the time or the note (so that the contact must agree
        // again) makes the notice due again, even when it went about the terms before.
        var terms = reason == ContactNoticeReasons.Left ? null : SafetyLadder.TermsVersion(record, nets, contact.Key);

        // Never in the organiser's quiet hours: held until they end, while it still tells them in time.
        var organizer = record.Organizer;
        var zone = EventTime.FindZone(organizer.TimeZone) ?? DateTimeZone.Utc;
        var until = reason == ContactNoticeReasons.Left ? net.AlertAt : net.DueAt;
        if (QuietHours.Of(organizer.QuietHours).EndOfQuietAt(now, zone) is { } quietEnd)
        {
            if (quietEnd < until)
            {
                await list.PutAsync(quietEnd, due.EventId, due.ContactKey, due.Reason, cancellationToken);
                return "held-for-quiet-hours";
            }

            return await DoneAsync(due, reason, "quiet-hours-until-due", terms, cancellationToken);
        }

        if (await gate.OrganizerNoticeChannelAsync(record, cancellationToken) is not { } via)
        {
            return await DoneAsync(due, reason, "organizer-no-consent", terms, cancellationToken);
        }

        // Marked done before it goes: once, never twice.
        if (!await list.TryMarkDoneAsync(due.EventId, due.ContactKey, reason, "sent", cancellationToken, terms))
        {
            return "already-done";
        }

        var sentence = reason switch
        {
            ContactNoticeReasons.NotAgreed => NotAgreedSentence(contact.Name, net.DueAt, zone, now),
            ContactNoticeReasons.QuietHours => QuietHoursSentence(contact.Name, net.DueAt, QuietEndFor(contact, net)!.Value, zone, now),
            _ => await StoppedAsync(contact, cancellationToken) ? LeftSentence(contact.Name, net.DueAt, zone, now) : DeclinedSentence(contact.Name, net.DueAt, zone, now),
        };
        var result = await missingConsent.TellOrganizerAsync(record, via, sentence, EmailSubject);
        if (result.Outcome != SendOutcome.Sent)
        {
            await list.SetOutcomeAsync(due.EventId, due.ContactKey, reason, "failed:" + result.Reason, CancellationToken.None);
            return "failed";
        }

        return "sent";
    }

    /// <summary>
    /// Whether the notice still holds now, and for which check-in: a contact who left, while a net naming
    /// them is open; before the event, the first check-in ahead naming them, and what keeps its alert from them.
    /// </summary>
    private async Task<(string? Reason, AwaitedReply? Net)> ReasonAsync(
        EventRecord record, IReadOnlyList<AwaitedReply> nets, Participant contact, string planned, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (planned == ContactNoticeReasons.Left)
        {
            return (ContactNoticeReasons.Left, ContactGaps.OpenNaming(nets, contact.Key, now).FirstOrDefault());
        }

        if (FirstAhead(nets, contact.Key, now) is not { } net)
        {
            return (null, null);
        }

        // One who stopped our messages is told of as a gap, when they stopped (ContactGaps).
        if (await StoppedAsync(contact, cancellationToken))
        {
            return (null, null);
        }

        if (contact.AgreedAlerts != SafetyLadder.TermsVersion(record, nets, contact.Key))
        {
            return (ContactNoticeReasons.NotAgreed, net);
        }

        return QuietEndFor(contact, net) is not null ? (ContactNoticeReasons.QuietHours, net) : (null, null);
    }

    /// <summary>Whether the contact stopped our messages on the channel their alert would go by (else they said no to their request).</summary>
    private async Task<bool> StoppedAsync(Participant contact, CancellationToken cancellationToken)
    {
        var channel = contact.Channels().FirstOrDefault();
        return contact.Address(channel) is not { } address || await consents.IsOptedOutAsync(channel, address, cancellationToken);
    }

    private async Task<string> DoneAsync(SafetyNoticeList.Due due, string reason, string outcome, string? terms, CancellationToken cancellationToken) =>
        await list.TryMarkDoneAsync(due.EventId, due.ContactKey, reason, outcome, cancellationToken, terms) ? outcome : "already-done";

    /// <summary>The first armed check-in still ahead that names the contact and waits.</summary>
    private static AwaitedReply? FirstAhead(IReadOnlyList<AwaitedReply> nets, string contactKey, DateTimeOffset now) =>
        nets.Where(n => n.State == AwaitState.Waiting && n.DueAt > now && n.Net.EscalateTo.Contains(contactKey, StringComparer.Ordinal))
            .OrderBy(n => n.DueAt)
            .FirstOrDefault();

    /// <summary>When the contact's quiet hours would let the alert go, if they hold it (they did not allow alerts then).</summary>
    private static DateTimeOffset? QuietEndFor(Participant contact, AwaitedReply net) =>
        contact.AlertsInQuietHours == true ? null : QuietHours.Of(contact.QuietHours).EndOfQuietAt(net.AlertAt, EventTime.FindZone(contact.TimeZone) ?? DateTimeZone.Utc);

    /// <summary>"Jo has not agreed yet to be told if you do not answer your check-in at 23:30, so they will not be told unless they agree before then."</summary>
    public static string NotAgreedSentence(string name, DateTimeOffset due, DateTimeZone organizerZone, DateTimeOffset now) =>
        $"{Who(name)} has not agreed yet to be told if you do not answer your check-in {MissingConsentNotices.At(due, organizerZone, now)}, so they will not be told unless they agree before then.";

    /// <summary>"If you do not answer your check-in at 23:30, Jo would be told only at 07:00: they chose not to be told in their quiet hours."</summary>
    public static string QuietHoursSentence(string name, DateTimeOffset due, DateTimeOffset told, DateTimeZone organizerZone, DateTimeOffset now) =>
        $"If you do not answer your check-in {MissingConsentNotices.At(due, organizerZone, now)}, {Who(name)} would be told only {MissingConsentNotices.At(told, organizerZone, now)}: they chose not to be told in their quiet hours.";

    /// <summary>"Jo stopped messages from us, so they will not be told if you do not answer your check-in at 23:30: your safety net has a gap."</summary>
    public static string LeftSentence(string name, DateTimeOffset due, DateTimeZone organizerZone, DateTimeOffset now) =>
        $"{Who(name)} stopped messages from us, so they will not be told if you do not answer your check-in {MissingConsentNotices.At(due, organizerZone, now)}: your safety net has a gap.";

    /// <summary>"Lee said no to being told if you do not answer your check-in at 23:30: your safety net has a gap."</summary>
    public static string DeclinedSentence(string name, DateTimeOffset due, DateTimeZone organizerZone, DateTimeOffset now) =>
        $"{Who(name)} said no to being told if you do not answer your check-in {MissingConsentNotices.At(due, organizerZone, now)}: your safety net has a gap.";

    private static string Who(string name) => string.IsNullOrWhiteSpace(name) ? "Someone" : name.Trim();
}

/// <summary>Safety notice log messages (event ids 1215-1219): ids, reasons and outcomes only.</summary>
internal static partial class SafetyNoticeLog
{
    [LoggerMessage(EventId = 1215, EventName = "SafetyNoticeDealtWith", Level = LogLevel.Information, Message = "Event {EventId}: safety notice about contact {PersonKey} ({Reason}) {Outcome}")]
    public static partial void Outcome(ILogger logger, string eventId, string personKey, string reason, string outcome);

    [LoggerMessage(EventId = 1216, EventName = "SafetyNoticeFailed", Level = LogLevel.Warning, Message = "Event {EventId}: a safety notice about contact {PersonKey} failed and is tried again")]
    public static partial void Failed(ILogger logger, Exception exception, string eventId, string personKey);

    [LoggerMessage(EventId = 1217, EventName = "TrustedContactLeft", Level = LogLevel.Information, Message = "Trusted contact {PersonKey} of event {EventId} left {Open} safety net(s) that had not closed")]
    public static partial void ContactLeft(ILogger logger, string eventId, string personKey, int open);

    [LoggerMessage(EventId = 1218, EventName = "HeldContactRequest", Level = LogLevel.Information, Message = "Trusted contact {PersonKey} of event {EventId}: held request {Outcome}")]
    public static partial void HeldRequest(ILogger logger, string eventId, string personKey, string outcome);

    [LoggerMessage(EventId = 1219, EventName = "SafetyNoticesNotPlanned", Level = LogLevel.Warning, Message = "Event {EventId}: the safety notices could not be planned")]
    public static partial void NotPlanned(ILogger logger, Exception exception, string eventId);
}

using System.Globalization;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using NodaTime;

namespace AftercareNudge.Consent;

/// <summary><c>Consent__MissingConsentNoticeLead</c>: how long before the first check-in that would not go out the organiser is told.</summary>
public sealed class MissingConsentOptions
{
    public const string Section = "Consent";

    public TimeSpan MissingConsentNoticeLead { get; set; } = TimeSpan.FromHours(2);

    public IEnumerable<string> Problems()
    {
        if (MissingConsentNoticeLead < TimeSpan.FromMinutes(5) || MissingConsentNoticeLead > TimeSpan.FromDays(7))
        {
            yield return "Consent:MissingConsentNoticeLead must be between 00:05:00 and 7.00:00:00 (how long before a check-in that lacks consent the organiser is told).";
        }
    }
}

/// <summary>
/// Tells the organiser in time that someone has not agreed: one notice per event and person, a set
/// time (<see cref="MissingConsentOptions.MissingConsentNoticeLead"/>) before the first check-in to
/// them that would not go out, never inside the organiser's quiet hours (moved to just before they
/// start; if that has passed, as soon as possible, and then, if the organiser's quiet hours have begun,
/// when they end, as long as that is still before the check-in). Registration and every PATCH plan it
/// again; at its time it is checked again and not sent if everyone agreed meanwhile. It goes only on a
/// channel the organiser agreed to (texts first), and says who and when, never what.
/// </summary>
/// <remarks>
/// Kept in the held-requests table, apart from the event's schedule: partition <c>missing-consent</c>
/// holds what is waiting (row key: due ticks, event, person), <c>missing-consent-done</c> one row per
/// event and person that was dealt with (sent, or not sent and why). Taking a waiting row is an
/// ETag-conditional delete and the done row is added before anything is sent, so two instances send
/// it once, and a crash in between loses it rather than sending it twice. Rows hold ids only.
/// </remarks>
public sealed class MissingConsentNotices(
    AppTables tables,
    EventStore events,
    ConsentGate gate,
    ISmsSender sms,
    IEmailSender email,
    IOptions<MissingConsentOptions> options,
    TimeProvider time,
    ILogger<MissingConsentNotices> logger)
{
    private const string Waiting = "missing-consent";
    private const string Done = "missing-consent-done";

    public const string EmailSubject = "A check-in can't go out yet";

    /// <summary>Plans (or moves, or drops) the notice for each person of the event; best effort for the caller.</summary>
    public async Task PlanAsync(string eventId, CancellationToken cancellationToken)
    {
        if (await events.GetAsync(eventId, cancellationToken) is { } found)
        {
            await PlanAsync(found.Event, found.CheckIns, cancellationToken);
        }
    }

    /// <inheritdoc cref="PlanAsync(string, CancellationToken)"/>
    public async Task PlanAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.IsOver)
        {
            return;
        }

        var eventId = record.Id;
        var found = (Event: record, CheckIns: checkIns);
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        var now = time.GetUtcNow();
        // A trusted contact's consent is to alerts, not check-ins: the organiser hears of it apart (issue 23).
        foreach (var person in found.Event.People.Where(p => p.Key != Participant.OrganizerKey && !p.IsTrustedContact()))
        {
            if (await table.GetEntityIfExistsAsync<TableEntity>(Done, DoneKey(eventId, person.Key), cancellationToken: cancellationToken) is { HasValue: true })
            {
                continue;
            }

            var first = (await MissingAsync(found.Event, found.CheckIns, person, now, cancellationToken)).FirstOrDefault();
            var at = first is null ? (DateTimeOffset?)null : NoticeTime(found.Event.Organizer, first.DueAt - options.Value.MissingConsentNoticeLead, now);
            var key = at is { } a ? WaitingKey(a, eventId, person.Key) : null;

            // New row first, then the old ones: a crash in between leaves two rows, which send once (the done row).
            if (key is not null)
            {
                await table.UpsertEntityAsync(new TableEntity(Waiting, key) { ["EventId"] = eventId, ["PersonKey"] = person.Key }, TableUpdateMode.Replace, cancellationToken);
            }

            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Waiting} and EventId eq {eventId} and PersonKey eq {person.Key}");
            await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                if (row.RowKey != key)
                {
                    await table.TryDeleteAsync(Waiting, row.RowKey, ETag.All, cancellationToken);
                }
            }
        }
    }

    /// <summary>Sends the notices whose time has come. Returns how many were dealt with (sent or not).</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        var now = time.GetUtcNow();
        var dealt = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TimeKeys.DueBy(Waiting, now), cancellationToken: cancellationToken))
        {
            var eventId = row.GetString("EventId");
            var personKey = row.GetString("PersonKey");
            try
            {
                if (!await table.TryDeleteAsync(Waiting, row.RowKey, row.ETag, cancellationToken))
                {
                    continue;
                }
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                continue;
            }

            try
            {
                var outcome = await SendAsync(table, eventId, personKey, now, cancellationToken);
                MissingConsentLog.Outcome(logger, eventId, outcome);
                dealt++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Taken but not dealt with: back on the list for the next run, unless it was marked done.
                MissingConsentLog.Failed(logger, e, eventId);
                await table.UpsertEntityAsync(new TableEntity(Waiting, WaitingKey(now + TimeSpan.FromMinutes(5), eventId, personKey)) { ["EventId"] = eventId, ["PersonKey"] = personKey }, TableUpdateMode.Replace, CancellationToken.None);
            }
        }

        return dealt;
    }

    /// <summary>What happened to one notice: <c>sent</c>, or why not (<c>everyone-agreed</c>, <c>organizer-no-consent</c>, …).</summary>
    public async Task<string?> OutcomeAsync(string eventId, string personKey, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Done, DoneKey(eventId, personKey), cancellationToken: cancellationToken);
        return row.HasValue ? row.Value!.GetString("Outcome") : null;
    }

    private async Task<string> SendAsync(TableClient table, string eventId, string personKey, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var found = await events.GetAsync(eventId, cancellationToken);
        var record = found?.Event;
        var person = record?.Find(personKey);
        if (record is null || person is null || record.IsOver)
        {
            return await DoneAsync(table, eventId, personKey, "event-gone", cancellationToken) ?? "event-gone";
        }

        // Checked again now: whoever agreed meanwhile is not reported.
        var missing = await MissingAsync(record, found!.Value.CheckIns, person, now, cancellationToken);
        if (missing.Count == 0)
        {
            return await DoneAsync(table, eventId, personKey, "everyone-agreed", cancellationToken) ?? "everyone-agreed";
        }

        // Never in the organiser's quiet hours: wait for their end if that is still in time, else leave it
        // to the notice that follows a skipped check-in.
        var organizer = record.Organizer;
        var zone = EventTime.FindZone(organizer.TimeZone) ?? DateTimeZone.Utc;
        if (QuietHours.Of(organizer.QuietHours).EndOfQuietAt(now, zone) is { } quietEnd)
        {
            if (quietEnd < missing[0].DueAt)
            {
                await table.UpsertEntityAsync(new TableEntity(Waiting, WaitingKey(quietEnd, eventId, personKey)) { ["EventId"] = eventId, ["PersonKey"] = personKey }, TableUpdateMode.Replace, cancellationToken);
                return "held-for-quiet-hours";
            }

            return await DoneAsync(table, eventId, personKey, "quiet-hours-until-due", cancellationToken) ?? "quiet-hours-until-due";
        }

        if (await gate.OrganizerNoticeChannelAsync(record, cancellationToken) is not { } via)
        {
            return await DoneAsync(table, eventId, personKey, "organizer-no-consent", cancellationToken) ?? "organizer-no-consent";
        }

        // Marked done before it goes: once, never twice.
        if (await DoneAsync(table, eventId, personKey, "sent", cancellationToken) is null)
        {
            return "already-done";
        }

        var result = await NotifyAsync(record, via, Sentence(person.Name, missing.Select(c => c.Channel).Distinct().ToList(), missing[0].DueAt, zone, now));
        if (result.Outcome != SendOutcome.Sent)
        {
            await table.UpsertEntityAsync(new TableEntity(Done, DoneKey(eventId, personKey)) { ["Outcome"] = "failed:" + result.Reason }, TableUpdateMode.Merge, CancellationToken.None);
            return "failed";
        }

        return "sent";
    }

    /// <summary>
    /// A change called for a fresh consent request that the daily cap held back: the organiser is told
    /// at once (they have just made the change), on a channel they agreed to, texts first. Says who and
    /// that the changed check-ins wait for their agreement, never what. False if no channel reaches them.
    /// </summary>
    public async Task<bool> TellRequestHeldAsync(EventRecord record, Participant person, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(person);
        if (await gate.OrganizerNoticeChannelAsync(record, cancellationToken) is not { } via)
        {
            MissingConsentLog.Outcome(logger, record.Id, "request-held-organizer-no-consent");
            return false;
        }

        var result = await NotifyAsync(record, via, RequestHeldSentence(person.Name));
        MissingConsentLog.Outcome(logger, record.Id, result.Outcome == SendOutcome.Sent ? "request-held-told" : "request-held-not-told");
        return result.Outcome == SendOutcome.Sent;
    }

    /// <summary>A notice to the event's organiser by <paramref name="via"/>: the sentence after the brand in a text, or as an email.</summary>
    private Task<SendResult> NotifyAsync(EventRecord record, Channel via, string sentence) => TellOrganizerAsync(record, via, sentence, EmailSubject);

    /// <summary>
    /// A notice to the event's organiser by <paramref name="via"/> (a channel <see cref="ConsentGate.OrganizerNoticeChannelAsync"/>
    /// found): the sentence after the brand in a text, or as an email with <paramref name="subject"/>. Other
    /// features' notices to the organiser (a safety net's) go out the same way.
    /// </summary>
    public async Task<SendResult> TellOrganizerAsync(EventRecord record, Channel via, string sentence, string subject)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(sentence);
        var organizer = record.Organizer;
        var address = organizer.Address(via)!;
        return via == Channel.Sms
            ? await sms.SendAsync(new SmsMessage(address, Notices.SmsSender + sentence, MessageKinds.Notice, record.Id, null), CancellationToken.None)
            : await email.SendAsync(
                new EmailMessage(address, organizer.Name, subject, Capitalised(sentence), Notices.EmailHtml(Capitalised(sentence), null), MessageKinds.Notice, record.Id, null),
                CancellationToken.None);
    }

    /// <summary>"Alex has had as many requests from us as we send in a day, …": the daily cap held a change's fresh request back.</summary>
    public static string RequestHeldSentence(string name)
    {
        var who = string.IsNullOrWhiteSpace(name) ? "Someone" : name.Trim();
        return $"{who} has had as many requests from us as we send in a day, so they will be asked about your changed check-ins later. Until they agree, those check-ins will not go out.";
    }

    /// <summary>
    /// "Alex has not agreed yet to get your check-in texts, so the one at 23:30 will not go out unless
    /// they agree before then." A time on another day than today carries its date.
    /// </summary>
    public static string Sentence(string name, IReadOnlyList<Channel> channels, DateTimeOffset firstDue, DateTimeZone organizerZone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var who = string.IsNullOrWhiteSpace(name) ? "Someone" : name.Trim();
        var what = channels.Count > 1 ? "texts or emails" : channels[0] == Channel.Sms ? "texts" : "emails";
        return $"{who} has not agreed yet to get your check-in {what}, so the one {At(firstDue, organizerZone, now)} will not go out unless they agree before then.";
    }

    /// <summary>"at 23:30", or "at 05:00 on Wed 25 Nov" on another day than today, in the organiser's zone: how a notice to them says when.</summary>
    public static string At(DateTimeOffset instant, DateTimeZone organizerZone, DateTimeOffset now)
    {
        var local = Instant.FromDateTimeOffset(instant).InZone(organizerZone).LocalDateTime;
        var today = Instant.FromDateTimeOffset(now).InZone(organizerZone).Date;
        var at = local.TimeOfDay.ToString("HH':'mm", CultureInfo.InvariantCulture);
        return local.Date == today ? $"at {at}" : $"at {at} on {local.Date.ToString("ddd d MMM", CultureInfo.InvariantCulture)}";
    }

    /// <summary>The person's check-ins still to come that would not go out now, earliest first.</summary>
    private async Task<List<CheckInRecord>> MissingAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, Participant person, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var agreed = new Dictionary<Channel, bool>();
        var missing = new List<CheckInRecord>();
        foreach (var checkIn in checkIns.Where(c => c.To == person.Key && ConsentSchedule.Counts(c) && c.DueAt > now).OrderBy(c => c.DueAt))
        {
            if (!agreed.TryGetValue(checkIn.Channel, out var ok))
            {
                ok = await gate.MayReachAsync(record, person, checkIn.Channel, cancellationToken);
                agreed[checkIn.Channel] = ok;
            }

            if (!ok)
            {
                missing.Add(checkIn);
            }
        }

        return missing;
    }

    /// <summary>
    /// How late after its time a notice may be picked up: the SendHeldConsentRequests timer runs every
    /// five minutes (0 */5 * * * *), and a minute more for a timer that fires a little late.
    /// </summary>
    internal static readonly TimeSpan PickedUpWithin = TimeSpan.FromMinutes(6);

    /// <summary>
    /// The notice's time: <paramref name="wanted"/>, unless the timer that sends it could find it in the
    /// organiser's quiet hours (it or <see cref="PickedUpWithin"/> after it falls in them); then early
    /// enough before they begin that the timer sends it before them. Never before now.
    /// </summary>
    internal static DateTimeOffset NoticeTime(Participant organizer, DateTimeOffset wanted, DateTimeOffset now)
    {
        var zone = EventTime.FindZone(organizer.TimeZone) ?? DateTimeZone.Utc;
        var quiet = QuietHours.Of(organizer.QuietHours);
        var at = wanted;
        var latest = wanted + PickedUpWithin;
        if (quiet.EndOfQuietAt(wanted, zone) is not null || quiet.EndOfQuietAt(latest, zone) is not null)
        {
            // The quiet hours the latest pick-up would fall in (or those that hold the wanted time and end before it).
            var local = Instant.FromDateTimeOffset(quiet.EndOfQuietAt(latest, zone) is not null ? latest : wanted).InZone(zone).LocalDateTime;
            var startDate = local.TimeOfDay >= quiet.From ? local.Date : local.Date.PlusDays(-1);
            at = EventTime.Resolve(startDate + quiet.From, zone).ToDateTimeOffset() - PickedUpWithin;
        }

        at = at < now ? now : at;
        return StoredTime.WholeMilliseconds(at);
    }

    /// <summary>Adds the done row with its outcome; null if there already was one (someone else dealt with it).</summary>
    private static async Task<string?> DoneAsync(TableClient table, string eventId, string personKey, string outcome, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(new TableEntity(Done, DoneKey(eventId, personKey)) { ["Outcome"] = outcome, ["EventId"] = eventId }, cancellationToken);
            return outcome;
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return null;
        }
    }

    private static string WaitingKey(DateTimeOffset at, string eventId, string personKey) =>
        TimeKeys.Row(at, eventId, personKey);

    private static string DoneKey(string eventId, string personKey) => eventId + "_" + personKey;

    private static string Capitalised(string sentence) => sentence.Length == 0 ? sentence : char.ToUpperInvariant(sentence[0]) + sentence[1..];
}

/// <summary>Missing-consent notice log messages (event ids 760-769): event ids and outcomes only.</summary>
internal static partial class MissingConsentLog
{
    [LoggerMessage(EventId = 760, Level = LogLevel.Information, Message = "Event {EventId}: missing-consent notice {Outcome}")]
    public static partial void Outcome(ILogger logger, string eventId, string outcome);

    [LoggerMessage(EventId = 761, Level = LogLevel.Warning, Message = "Event {EventId}: a missing-consent notice failed and is tried again")]
    public static partial void Failed(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 762, Level = LogLevel.Warning, Message = "Event {EventId}: the missing-consent notice could not be planned")]
    public static partial void NotPlanned(ILogger logger, Exception exception, string eventId);
}

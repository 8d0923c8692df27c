using AftercareNudge.Consent;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Azure;

namespace AftercareNudge.Events;

public enum CancelOutcome
{
    Cancelled,
    NotFound,
    PreconditionFailed,
}

/// <summary>Registers events, reads them back for the client that owns them (one, or a page of them), and cancels them.</summary>
public sealed partial class EventService(
    EventStore store,
    ConsentStore consents,
    ConsentGate gate,
    RecipientCheckIns recipients,
    ConsentRequests requests,
    HeldConsentRequests heldRequests,
    PendingChanges pending,
    Schedule.PrivacyIndexes privacy,
    Schedule.AddressIndex addresses,
    ClientQuotas quotas,
    MissingConsentNotices missingConsent,
    RefusedCheckIns refused,
    ClientEventIndex clientEvents,
    ClientEventBackfill backfill,
    Safety.ContactRequests contactRequests,
    Safety.SafetyCancellations safetyCancellations,
    Safety.SafetyNotices safetyNotices,
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<Dispatch.DispatchOptions> dispatch,
    ILogger<EventService> logger)
{
    /// <summary>
    /// Takes from the client's daily quota of new addresses the addresses this plan names that none of
    /// the client's events named before (one index query per address); the refusal if that would pass
    /// the quota, before anything is stored or sent.
    /// </summary>
    public async Task<QuotaRefusal?> TakeNewAddressesAsync(ApiClient client, PlannedEvent planned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(planned);
        var keys = planned.People.Prepend(planned.Organizer)
            .SelectMany(p => p.Channels().Select(ch => AddressKeys.For(ch, p.Address(ch)!)))
            .Distinct(StringComparer.Ordinal);
        var fresh = 0;
        foreach (var key in keys)
        {
            if ((await addresses.ForClientAsync(key, client.Id, cancellationToken)).EventIds.Count == 0)
            {
                fresh++;
            }
        }

        return await quotas.TryTakeAsync(client.Id, Quota.NewAddresses, fresh, cancellationToken);
    }

    /// <remarks>
    /// <paramref name="eventId"/> is given by a request with an Idempotency-Key, whose claim names the id
    /// first. The event's rows are inserted, never replaced: a second registration under the same id
    /// fails with 409 (the caller answers the existing event) and asks no one for consent.
    /// </remarks>
    public async Task<EventView> RegisterAsync(ApiClient client, PlannedEvent planned, CancellationToken cancellationToken, string? eventId = null)
    {
        eventId ??= Ids.New(Ids.EventPrefix);
        var organizerId = ConsentStore.OrganizerId(client.Id, planned.Organizer);
        var record = EventMapping.NewEvent(eventId, client.Id, organizerId, planned, time.GetUtcNow());
        IReadOnlyList<CheckInRecord> checkIns = planned.CheckIns.Select((c, i) => EventMapping.NewCheckIn(eventId, Ids.New(Ids.CheckInPrefix), i, c)).ToList();

        // An armed check-in brings its safety net and its ladder (a reminder, an alert per contact),
        // which are schedule rows like any check-in: due, claimed and sent alike.
        var (ladders, awaited) = EventMapping.Armed(record, planned.CheckIns, checkIns);
        checkIns = [.. checkIns, .. ladders];
        var armed = awaited.Select(a => a.CheckInId).ToHashSet(StringComparer.Ordinal);

        // Who each check-in goes to, before the event itself (like the due index): a STOP must find them,
        // and a reply to an armed check-in must find that it waits. So must the purge and an erasure,
        // and the client's list.
        await privacy.AddAsync(record, checkIns, cancellationToken);
        await recipients.AddAsync(record, checkIns, cancellationToken, armed);
        await clientEvents.AddAsync(record, cancellationToken);
        await store.CreateAsync(record, checkIns, cancellationToken, awaited);
        EventsLog.Registered(logger, eventId, client.Id, checkIns.Count);

        // Everyone starts pending on each channel they have; a decision they made before stands. Best
        // effort: the event exists now, and a missing record reads as pending anyway, so a failure here
        // must not tell the client to register again (which would make a second event). Trusted
        // contacts are no recipients: their consent is asked for (and recorded) apart (Safety's ContactRequests).
        try
        {
            await Task.WhenAll(record.Everyone.Where(p => !p.IsTrustedContact()).SelectMany(p => p.Channels().Select(ch =>
                consents.EnsurePendingAsync(ch, p.Address(ch)!, organizerId, CancellationToken.None))));
        }
        catch (RequestFailedException e)
        {
            EventsLog.PendingConsentNotRecorded(logger, e, eventId);
        }

        // Consent is asked for at once, not by the timer. Best effort for the same reason: a request
        // that failed is asked again by the next registration, and nothing is sent without consent.
        try
        {
            await requests.RequestForEventAsync(record, checkIns, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ConsentLog.RequestsFailed(logger, e, eventId);
        }

        // Each trusted contact is asked too, by a request of their own: no alert reaches one who did not agree.
        if (awaited.Count > 0)
        {
            try
            {
                await contactRequests.AskAsync(eventId, CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ConsentLog.RequestsFailed(logger, e, eventId);
            }
        }

        checkIns = [.. await SkipRefusedAsync(record, checkIns)];
        await PlanMissingConsentNoticesAsync(eventId, record, checkIns);

        // The answer carries the event's ETag as it is now (a consent request may have marked the event
        // already), so that the client can change it without reading it first. Best effort too: without
        // it the answer only has no ETag.
        try
        {
            record = await store.GetEventAsync(eventId, CancellationToken.None) ?? record;
        }
        catch (RequestFailedException e)
        {
            EventsLog.ETagNotRead(logger, e, eventId);
        }

        return await ViewAsync(record, checkIns, [], awaited, cancellationToken);
    }

    /// <summary>
    /// Skips at once the check-ins planned to an address that already refused them (opted out, or
    /// declined this organiser), so that the event says what is left (at registration and after every
    /// PATCH). Best effort: what is not skipped now is skipped when it falls due, by the same gate.
    /// </summary>
    internal async Task<IReadOnlyList<CheckInRecord>> SkipRefusedAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns)
    {
        try
        {
            return await refused.SkipAsync(record, checkIns, CancellationToken.None);
        }
        catch (RequestFailedException e)
        {
            EventsLog.RefusedNotSkipped(logger, e, record.Id);
            return checkIns;
        }
    }

    /// <inheritdoc cref="SkipRefusedAsync(EventRecord, IReadOnlyList{CheckInRecord})"/>
    internal async Task SkipRefusedAsync(string eventId)
    {
        try
        {
            if (await store.GetAsync(eventId, CancellationToken.None) is { } found)
            {
                await SkipRefusedAsync(found.Event, found.CheckIns);
            }
        }
        catch (RequestFailedException e)
        {
            EventsLog.RefusedNotSkipped(logger, e, eventId);
        }
    }

    /// <summary>
    /// Plans the organiser's notice for whoever has not agreed, before the first check-in that would not
    /// go out, and for each trusted contact who cannot be told yet (at registration and after every PATCH). Best effort: a failure must not make the client
    /// register again; the notice that follows a skipped check-in still comes.
    /// </summary>
    internal async Task PlanMissingConsentNoticesAsync(string eventId, EventRecord? record = null, IReadOnlyList<CheckInRecord>? checkIns = null)
    {
        try
        {
            await (record is not null && checkIns is not null
                ? missingConsent.PlanAsync(record, checkIns, CancellationToken.None)
                : missingConsent.PlanAsync(eventId, CancellationToken.None));
        }
        catch (Exception e) when (e is RequestFailedException or InvalidOperationException)
        {
            MissingConsentLog.NotPlanned(logger, e, eventId);
        }

        // And the notice before an armed check-in whose contact has not agreed, or whose quiet hours would hold its alert.
        try
        {
            await safetyNotices.PlanAsync(eventId, CancellationToken.None);
        }
        catch (Exception e) when (e is RequestFailedException or InvalidOperationException)
        {
            Safety.SafetyNoticeLog.NotPlanned(logger, e, eventId);
        }
    }

    /// <summary>The event if it exists and belongs to this client; another client's event is not found.</summary>
    public async Task<EventView?> GetAsync(ApiClient client, string eventId, CancellationToken cancellationToken)
    {
        if (!Ids.IsEventId(eventId))
        {
            return null;
        }

        var found = await store.GetRowsAsync(eventId, cancellationToken);
        if (found is { Event.PendingChange: not null } && await pending.RollForwardAsync(eventId, cancellationToken))
        {
            found = await store.GetRowsAsync(eventId, cancellationToken);
        }

        if (found is not { } f || f.Event.ClientId != client.Id)
        {
            return null;
        }

        return await ViewAsync(f.Event, f.CheckIns, EventStore.RepliesOf(f), f.Awaited, cancellationToken);
    }

    /// <summary>
    /// Cancels an event and every check-in still waiting. Idempotent. With <paramref name="ifMatch"/>,
    /// only if the event is still as the client last saw it. The event's mark goes first: if the app
    /// dies before the check-ins are marked, the dispatcher cancels each one when it comes due, and
    /// nothing of a cancelled event is ever sent.
    /// </summary>
    public async Task<(CancelOutcome Outcome, EventView? View)> CancelAsync(ApiClient client, string eventId, string? ifMatch, CancellationToken cancellationToken)
    {
        var found = Ids.IsEventId(eventId) ? await store.GetRowsAsync(eventId, cancellationToken) : null;
        if (found is { Event.PendingChange: not null } && await pending.RollForwardAsync(eventId, cancellationToken))
        {
            // A change cut off half way is finished first, so that nothing of it lands after the cancellation.
            found = await store.GetRowsAsync(eventId, cancellationToken);
        }

        if (found is not { } f || f.Event.ClientId != client.Id)
        {
            return (CancelOutcome.NotFound, null);
        }

        if (ifMatch is not null && ifMatch != "*" && ifMatch != f.Event.ETag.ToString())
        {
            return (CancelOutcome.PreconditionFailed, null);
        }

        var record = f.Event;
        if (record.CancelledAt is null)
        {
            try
            {
                record = await store.UpdateEventAsync(record with { CancelledAt = time.GetUtcNow() }, cancellationToken);
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                return (CancelOutcome.PreconditionFailed, null);
            }

            EventsLog.Cancelled(logger, eventId, client.Id);
        }

        // Contacts already alerted are told it was cancelled (no all-clear: only an answer sends one). On
        // every cancel, a retried one too: the news has fixed ids, so a cancel whose first call failed half
        // way tells them on its retry, and one that told them already makes nothing more.
        await safetyCancellations.TellContactsAsync(record, CancellationToken.None);

        var checkIns = new List<CheckInRecord>();
        foreach (var checkIn in f.CheckIns)
        {
            // An urgent alert the duress word sent goes even so: the cancellation may come from whoever holds the app.
            var urgent = checkIn.Kind is CheckInKind.Alert or CheckInKind.UrgentAlert && f.Awaited.Any(a => a.CheckInId == checkIn.RelatesTo && a.DuressAt is not null);
            // So does the news of the cancellation itself, which waits for its contact's alert to finish, and
            // an all-clear an answer made before the cancellation (the news the contact waits for).
            var news = checkIn.Kind is CheckInKind.SafetyCancelled or CheckInKind.AllClear;
            checkIns.Add(checkIn.Status == CheckInStatus.Scheduled && !urgent && !news ? await CancelCheckInAsync(checkIn, cancellationToken) : checkIn);
        }

        // A cancelled event asks nothing more: consent requests the daily cap held back are dropped
        // (a link or a YES to one already sent is answered as withdrawn; see ConsentPages, SmsKeywordAnswers).
        await heldRequests.RemoveAsync(eventId, static (_, _) => true, cancellationToken);

        return (CancelOutcome.Cancelled, await ViewAsync(record, checkIns, EventStore.RepliesOf(f), f.Awaited, cancellationToken));
    }

    private async Task<CheckInRecord> CancelCheckInAsync(CheckInRecord checkIn, CancellationToken cancellationToken)
    {
        try
        {
            return await store.UpdateCheckInAsync(checkIn with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.EventCancelled }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            // A dispatch run holds it: it sees the event's mark before sending, or has already sent.
            return await store.GetCheckInAsync(checkIn.EventId, checkIn.Id, cancellationToken) ?? checkIn;
        }
    }

    private async Task<EventView> ViewAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, IReadOnlyList<CheckInReply> replies, IReadOnlyList<AwaitedReply> awaited, CancellationToken cancellationToken)
    {
        var people = await Task.WhenAll(record.Everyone.Select(async p =>
        {
            var states = new Dictionary<string, ConsentState>(StringComparer.Ordinal);
            foreach (var channel in p.Channels())
            {
                // Agreeing by email means agreeing to the plan as written: a changed plan asks again, so shows as pending.
                // A channel no message to them uses was never asked about: not-needed, not pending for ever.
                var answer = await gate.AskAsync(record, p, channel, cancellationToken);
                states[ChannelNames.Of(channel)] = ConsentNeeds.Shown(answer, ConsentNeeds.Uses(record, checkIns, p, channel));
            }

            return new PersonView(
                p.Key,
                p.Name,
                p.Phone,
                p.Email,
                p.TimeZone,
                states,
                p.QuietHours ?? QuietHours.Default.ToString(),
                p.Needs,
                AftercarePlan.MustAgree(record, p) ? AftercarePlan.Agreed(record, p) : null,
                p.Key == Participant.OrganizerKey ? p.ReplyChannel() : null,
                p.Role);
        }));

        var now = time.GetUtcNow();
        var checkInViews = Safety.DuressMask.Apply(checkIns, awaited).Select(c =>
        {
            // A check-in that will not go at its due time says when it will, and why (quiet hours, a retry).
            var (waitsUntil, reason) = Dispatch.QuietHoursHold.Foresee(record, c, now);
            return new CheckInView(
                c.Id, c.To, c.Channel, c.DueAt, c.Status, reason, c.SentAt, c.IsLate(dispatch.Value.LateAfter),
                replies.Where(r => r.CheckInId == c.Id).Select(r => new ReplyView(r.Body, r.ReceivedAt, Replies.ReplyRelays.ViewOf(r, checkIns))).ToList(),
                c.Kind,
                c.RelatesTo,
                waitsUntil,
                waitsUntil is { } w ? LocalTo(record, c.To, w) : null,
                awaited.FirstOrDefault(a => a.CheckInId == c.Id) is { } a ? AwaitReplyView.Of(a) : null);
        }).ToList();
        // Consent first holds for the organiser too: what cannot reach them yet is said, not hidden.
        var warnings = !record.IsOver && Relaying.HasRelayedTexts(checkIns) && !people[0].Consent.Values.Contains(ConsentState.Granted)
            ? new Dictionary<string, string[]>(StringComparer.Ordinal) { ["organizer"] = [Replies.ReplyRelays.OrganizerUnconfirmedWarning] }
            : null;

        // An armed check-in says, while it is so, that it is not armed yet, and which contacts cannot be told.
        if (!record.IsOver)
        {
            foreach (var (view, index) in checkInViews.Select((v, i) => (v, i)).Where(x => x.v.AwaitReply is { State: AwaitState.Waiting }))
            {
                var said = Safety.SafetyWarnings.For(
                    record,
                    awaited,
                    view.Id,
                    people[0].Consent.GetValueOrDefault(ChannelNames.Sms),
                    key => people.FirstOrDefault(p => p.Key == key) is { } contact && record.Find(key) is { } person
                        && contact.Consent.GetValueOrDefault(ChannelNames.Of(person.Channels().FirstOrDefault())) == ConsentState.OptedOut);
                if (said.Count > 0)
                {
                    (warnings ??= new Dictionary<string, string[]>(StringComparer.Ordinal))[$"checkIns[{index}].awaitReply"] = [.. said];
                }
            }
        }
        return new EventView(
            record.Id,
            StatusOf(record, checkIns, people),
            record.Title,
            record.Kind,
            record.TimeZone,
            record.StartsAtLocal,
            record.EndsAtLocal,
            record.StartsAtUtc,
            record.EndsAtUtc,
            people[0],
            people[1..],
            checkInViews,
            record.ETag == default ? null : record.ETag.ToString(),
            record.Plan,
            record.PurgedAt is null ? null : true,
            warnings);
    }

    /// <summary>An instant on a person's own clock, as local times are shown (<see cref="EventTime.FormatLocal"/>).</summary>
    private static string? LocalTo(EventRecord record, string personKey, DateTimeOffset instant) =>
        EventTime.FindZone(record.Find(personKey)?.TimeZone ?? record.TimeZone) is { } zone
            ? EventTime.FormatLocal(NodaTime.Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime)
            : null;

    /// <summary>Derived, never stored: cancelled, completed or ended (nothing left to send), scheduled (every pending recipient agreed), or awaiting consent.</summary>
    internal static EventStatus StatusOf(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, IReadOnlyList<PersonView> people)
    {
        if (StatusWithoutConsent(record, checkIns) is { } status)
        {
            return status;
        }

        // A safety ladder's rows wait on the armed check-in's answer and on the contacts' own consent, not on the event's people.
        var pending = checkIns.Where(c => !c.IsFinished && !SafetyLadder.Holds(c)).ToList();
        var allGranted = pending.All(c =>
            people.FirstOrDefault(p => p.Key == c.To)?.Consent.GetValueOrDefault(ChannelNames.Of(c.Channel)) == ConsentState.Granted);
        return allGranted ? EventStatus.Scheduled : EventStatus.AwaitingConsent;
    }

    /// <summary>
    /// The status when the event and its check-ins settle it (cancelled; completed when nothing is left
    /// and something was sent; ended when nothing is left and nothing was sent); null when it takes
    /// everyone's consent (scheduled or awaiting consent).
    /// </summary>
    internal static EventStatus? StatusWithoutConsent(EventRecord record, IReadOnlyList<CheckInRecord> checkIns) =>
        record.CancelledAt is not null ? EventStatus.Cancelled
        : !checkIns.All(c => c.IsFinished) ? null
        : checkIns.Any(SentToItsPeople) ? EventStatus.Completed
        : EventStatus.Ended;

    /// <summary>One of the event's own messages to its people (a check-in, reminder or fallback) went to the provider.</summary>
    private static bool SentToItsPeople(CheckInRecord checkIn) =>
        checkIn.Kind is CheckInKind.CheckIn or CheckInKind.Reminder or CheckInKind.Fallback && checkIn.SentAt is not null;
}

/// <summary>Event log messages (event ids 500-519): ids and counts only.</summary>
internal static partial class EventsLog
{
    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "Event {EventId} registered for client {ClientId} with {CheckInCount} check-ins")]
    public static partial void Registered(ILogger logger, string eventId, string clientId, int checkInCount);

    [LoggerMessage(EventId = 502, Level = LogLevel.Information, Message = "Event {EventId} cancelled by client {ClientId}")]
    public static partial void Cancelled(ILogger logger, string eventId, string clientId);

    [LoggerMessage(EventId = 501, Level = LogLevel.Warning, Message = "Event {EventId}: the pending consent records were not all written (they read as pending anyway)")]
    public static partial void PendingConsentNotRecorded(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 510, Level = LogLevel.Warning, Message = "Event {EventId}: check-ins to addresses that refused them were not all skipped now (they are skipped when due)")]
    public static partial void RefusedNotSkipped(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 506, Level = LogLevel.Warning, Message = "Event {EventId} registered, but its ETag could not be read back: the answer has none")]
    public static partial void ETagNotRead(ILogger logger, Exception exception, string eventId);
}

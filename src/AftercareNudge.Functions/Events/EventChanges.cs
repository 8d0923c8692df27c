using AftercareNudge.Consent;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Azure;

namespace AftercareNudge.Events;

public enum ChangeOutcome
{
    Changed,
    NotFound,
    Invalid,
    Conflict,
    PreconditionFailed,
}

/// <summary>What a PATCH came to: the event as it now is, or why not (field errors for 400 and 409).</summary>
public sealed record ChangeResult(ChangeOutcome Outcome, EventView? View = null, Dictionary<string, string[]>? Errors = null, string? Title = null);

/// <summary>
/// <c>PATCH /api/events/{id}</c>: moves an event (check-ins timed after its start or end move with it)
/// or edits its check-ins. What the change does, or why it cannot be made, is worked out by
/// <see cref="EventChangePlanner"/>, by the registration's own rules. Written crash-safe through
/// <see cref="PendingChanges"/>.
/// </summary>
public sealed class EventChanges(
    EventStore store,
    PendingChanges pending,
    DueCheckInIndex dueIndex,
    RecipientCheckIns recipients,
    ConsentRequests requests,
    MissingConsentNotices missingConsent,
    HeldConsentRequests held,
    ClientEventIndex clientEvents,
    EventService events,
    Safety.ContactRequests contactRequests,
    Safety.HeldContactRequests heldContacts,
    TimeProvider time,
    ILogger<EventChanges> logger)
{
    private const int MaxTries = 3;

    /// <summary>What one PATCH may write: the event, one journal row per check-in it changes, and each safety net it changes, in one table transaction of at most 100.</summary>
    internal const int MaxWritesInOneChange = 100;

    public const string TooManyChanges = "This change touches too many check-ins at once (each armed check-in counts with its reminder and alerts): make it in two PATCH requests.";

    /// <summary>The 409 of a change to an armed check-in whose ladder has started (or to the times it follows).</summary>
    public const string ArmedStarted = "A check-in that waits for an answer has started: the person may be answering it now, so it cannot be changed, nor moved with the event. The event's aftercare can still change.";

    /// <summary>When the safety net for a changed plan's consent email is tried, if the ask right after the change did not go out.</summary>
    private static readonly TimeSpan ReaskSafetyNet = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Applies <paramref name="patch"/>. Idempotent: a patch that would change nothing answers with the
    /// event as it is, whatever <paramref name="ifMatch"/> says, so that a client retrying after a lost
    /// answer is not refused. Otherwise, with <paramref name="ifMatch"/>, only if the event is still as
    /// the client last saw it.
    /// </summary>
    public async Task<ChangeResult> PatchAsync(ApiClient client, string eventId, string? ifMatch, PatchEventRequest patch, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var found = Ids.IsEventId(eventId) ? await store.GetAsync(eventId, cancellationToken) : null;
            if (found is not { } f || f.Event.ClientId != client.Id)
            {
                return new ChangeResult(ChangeOutcome.NotFound);
            }

            if (f.Event.PendingChange is not null)
            {
                // The last change was cut off half way: finish it, and judge this one against its result.
                await pending.RollForwardAsync(eventId, cancellationToken);
                continue;
            }

            if (f.Event.PurgedAt is not null)
            {
                return new ChangeResult(ChangeOutcome.Conflict, Title: "The event's content was deleted (it is purged): it can no longer be changed.");
            }

            if (f.Event.CancelledAt is not null)
            {
                return new ChangeResult(ChangeOutcome.Conflict, Title: "The event was cancelled: it can no longer be changed.");
            }

            // Read after the event: a net changed since is caught by its own ETag when the change is written.
            var awaited = await store.GetAwaitedForEventAsync(eventId, cancellationToken);
            var plan = new EventChangePlanner(f.Event, f.CheckIns, patch, time.GetUtcNow(), awaited).Make();
            if (plan.FieldErrors.Count > 0)
            {
                return new ChangeResult(ChangeOutcome.Invalid, Errors: plan.FieldErrors, Title: "The change is not valid.");
            }

            if (plan.Conflicts.Count > 0)
            {
                return new ChangeResult(ChangeOutcome.Conflict, Errors: plan.Conflicts, Title: plan.ArmedStarted ? ArmedStarted : "Some check-ins can no longer be changed.");
            }

            if (plan.CheckInChanges.Count == 0 && !plan.ChangesEvent && plan.NetChanges.Count == 0)
            {
                return await ViewAsync(client, eventId, cancellationToken);
            }

            if (1 + plan.CheckInChanges.Count + plan.NetChanges.Count > MaxWritesInOneChange)
            {
                // The change is written in one transaction (the event, its journal, its nets): a table takes at most 100.
                return new ChangeResult(ChangeOutcome.Invalid, Errors: new() { ["checkIns"] = [TooManyChanges] }, Title: "The change is not valid.");
            }

            if (ifMatch is not null && ifMatch != "*" && ifMatch != f.Event.ETag.ToString())
            {
                return new ChangeResult(ChangeOutcome.PreconditionFailed);
            }

            if (!await ApplyAsync(f.Event, f.CheckIns, awaited, plan, cancellationToken))
            {
                if (attempt == MaxTries)
                {
                    return new ChangeResult(ChangeOutcome.PreconditionFailed);
                }

                // Someone changed the event since we read it: look again (with If-Match, that is a 412).
                continue;
            }

            EventsLog.Changed(logger, eventId, client.Id, plan.CheckInChanges.Count(c => c.DueAt is not null && c.What == CheckInChangeKind.Edit), plan.CheckInChanges.Count(c => c.What == CheckInChangeKind.Add), plan.CheckInChanges.Count(c => c.What == CheckInChangeKind.Remove));
            if (plan.NetChanges.Count > 0)
            {
                EventsLog.NetsChanged(logger, eventId, plan.NetChanges.Count(n => n.Net.ETag == default), plan.NetChanges.Count(n => n.Net.ETag != default && !n.Removes), plan.NetChanges.Count(n => n.Removes));
                await AskContactsAsync(eventId);
            }

            await events.SkipRefusedAsync(eventId);
            await events.PlanMissingConsentNoticesAsync(eventId);
            return await ViewAsync(client, eventId, cancellationToken);
        }
    }

    /// <summary>
    /// The terms a trusted contact agreed to name each alert's time and note: a net armed, moved or
    /// re-armed asks them again, and until they agree no alert reaches them (the ladder checks the
    /// terms when an alert is due). Best effort: the change is made, and a contact not asked gets no alert.
    /// </summary>
    private async Task AskContactsAsync(string eventId)
    {
        try
        {
            await contactRequests.AskAsync(eventId, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            EventsLog.ContactsNotAsked(logger, e, eventId);
        }
    }

    private async Task<ChangeResult> ViewAsync(ApiClient client, string eventId, CancellationToken cancellationToken) =>
        await events.GetAsync(client, eventId, cancellationToken) is { } view ? new ChangeResult(ChangeOutcome.Changed, view) : new ChangeResult(ChangeOutcome.NotFound);

    /// <summary>The write, in the order <see cref="PendingChanges"/> explains. False if the event changed since it was read.</summary>
    private async Task<bool> ApplyAsync(EventRecord record, IReadOnlyList<CheckInRecord> before, IReadOnlyList<AwaitedReply> awaited, ChangePlan plan, CancellationToken cancellationToken)
    {
        var changeId = Ids.New(Ids.ChangePrefix);
        var changes = plan.CheckInChanges.Select(c => c with { ChangeId = changeId }).ToList();
        var added = changes.Where(c => c.What == CheckInChangeKind.Add).Select(c => EventMapping.AddedCheckIn(record.Id, c)).ToList();

        // (1) Rows that find the new times, and who a new check-in goes to (so that a STOP finds it, and
        // an answer finds that a check-in waits for it): harmless if we die now, a row that matches no
        // check-in is dropped when it comes due, and a number marked as awaited with no net is no answer.
        await dueIndex.AddAsync(changes.Where(c => c.DueAt is not null).Select(c => new DueEntry(record.Id, c.CheckInId, c.DueAt!.Value, record.ClientId)), cancellationToken);
        var readdressed = (
            from c in changes
            where c.What == CheckInChangeKind.Edit && (c.To is not null || c.AwaitsReply == true)
            from b in before.Where(b => b.Id == c.CheckInId)
            select b with { To = c.To ?? b.To, Channel = c.Channel ?? b.Channel }).ToList();
        if (added.Count > 0 || readdressed.Count > 0)
        {
            var armed = changes.Where(c => c.AwaitsReply == true).Select(c => c.CheckInId).ToHashSet(StringComparer.Ordinal);
            await recipients.AddAsync(plan.ChangedEvent, [.. added, .. readdressed], cancellationToken, armed);
        }

        // A changed plan must reach whoever has to agree to it even if we die after (2) or the email
        // fails: a held request per person, a little later, as a safety net. The ask right after the
        // change makes it a no-op (a plan version is asked about once); if (2) fails, it finds nothing
        // to ask.
        if (plan.ChangesPlanWords)
        {
            foreach (var person in plan.ChangedEvent.People.Where(p => AftercarePlan.MustAgree(plan.ChangedEvent, p) && AftercarePlan.Version(plan.ChangedEvent, p) != AftercarePlan.Version(record, record.Find(p.Key) ?? p)))
            {
                await held.HoldAsync(new HeldConsentRequest(record.Id, person.Key, Channel.Email, time.GetUtcNow() + ReaskSafetyNet), cancellationToken);
            }
        }

        // So must new terms reach the trusted contacts they concern (no alert goes on terms they did not
        // see): a held request each, for the terms as the change leaves them. The ask right after the
        // change makes it a no-op (asked once per terms); if (2) fails, the terms differ and it asks nothing.
        if (plan.NetChanges.Count > 0)
        {
            var after = awaited.Where(a => !plan.NetChanges.Any(n => n.Net.CheckInId == a.CheckInId)).Concat(plan.NetChanges.Where(n => !n.Removes).Select(n => n.Net)).ToList();
            foreach (var contact in plan.ChangedEvent.People.Where(p => p.IsTrustedContact() && after.Any(n => n.Net.EscalateTo.Contains(p.Key, StringComparer.Ordinal))))
            {
                var terms = SafetyLadder.TermsVersion(plan.ChangedEvent, after, contact.Key);
                if (terms != contact.AgreedAlerts)
                {
                    await heldContacts.HoldAsync(new Safety.HeldContactRequest(record.Id, contact.Key, terms, time.GetUtcNow() + ReaskSafetyNet), cancellationToken);
                }
            }
        }

        // The client's list finds the event at its new start before it moves there. The old row is read
        // now and deleted after, only as read: a later PATCH moving the event back writes it again, and
        // keeps it. A row left behind by dying in between is skipped and deleted when a list reads it.
        var moves = ClientEventIndex.RowKey(plan.ChangedEvent.StartsAtUtc, record.Id) != ClientEventIndex.RowKey(record.StartsAtUtc, record.Id);
        var oldRow = moves ? await clientEvents.GetAsync(record, cancellationToken) : null;
        if (moves)
        {
            await clientEvents.AddAsync(plan.ChangedEvent, cancellationToken);
        }

        // (2) The change itself, conditional on the ETag we read. From here on it happens.
        try
        {
            await store.BeginChangeAsync(plan.ChangedEvent with { PendingChange = changeId }, changes, cancellationToken, plan.NetChanges);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || (plan.NetChanges.Count > 0 && e.IsConflict()))
        {
            // The event, or a safety net, changed since we read it (a net armed meanwhile is a 409).
            return false;
        }

        if (oldRow is not null)
        {
            await clientEvents.RemoveAsync(oldRow, cancellationToken);
        }

        // (3) to (5).
        await pending.RollForwardAsync(record.Id, cancellationToken);

        // Consent for a person or channel this event did not use before, asked at once as at registration.
        // Best effort for the same reason: the change is made, and nothing is sent without consent.
        // A changed plan asks again whoever agreed to it, and whoever must agree before their next email.
        // A ladder's rows are no check-ins to agree to: its contacts are asked by ContactRequests, apart.
        var newlyUsed = added.Where(a => !SafetyLadder.Holds(a) && !before.Any(b => b.To == a.To && b.Channel == a.Channel)).ToList();
        var askAgain = plan.ChangesPlanWords
            ? before.Where(c => c.Status == CheckInStatus.Scheduled && c.Channel == Channel.Email && c.Kind is CheckInKind.CheckIn or CheckInKind.Reminder).ToList()
            : [];
        if (newlyUsed.Count > 0 || plan.ChangesPlanWords)
        {
            try
            {
                var changed = await store.GetEventAsync(record.Id, CancellationToken.None) ?? plan.ChangedEvent;
                await requests.RequestForEventAsync(changed, [.. newlyUsed, .. askAgain], CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ConsentLog.RequestsFailed(logger, e, record.Id);
            }
        }

        // A check-in moved or reworded for someone who has not agreed yet: the request they have shows
        // the old plan, so they are asked afresh (those asked above already see the new one).
        var asked = newlyUsed.Concat(askAgain).Select(c => (c.To, c.Channel)).ToHashSet();
        var reworded = changes
            .Where(c => c.What == CheckInChangeKind.Edit && before.FirstOrDefault(b => b.Id == c.CheckInId) is { Status: CheckInStatus.Scheduled } old && !SafetyLadder.Holds(old)
                && (c.DueAt is not null || (c.Message is not null && c.Message != old.Message)))
            .Select(c => before.First(b => b.Id == c.CheckInId))
            .Select(b => (b.To, b.Channel))
            .Where(pair => !asked.Contains(pair))
            .Distinct()
            .ToList();
        if (reworded.Count > 0)
        {
            try
            {
                if (await store.GetAsync(record.Id, CancellationToken.None) is { } now)
                {
                    foreach (var person in await requests.ReaskChangedAsync(now.Event, now.CheckIns, reworded, CancellationToken.None))
                    {
                        await missingConsent.TellRequestHeldAsync(now.Event, person, CancellationToken.None);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ConsentLog.RequestsFailed(logger, e, record.Id);
            }
        }

        return true;
    }
}

/// <summary>Change log messages (event ids 503-509, and 1220-1221 for safety nets): ids and counts only.</summary>
internal static partial class EventsLog
{
    [LoggerMessage(EventId = 1220, EventName = "SafetyNetsChanged", Level = LogLevel.Information, Message = "Event {EventId} changed its safety nets: {Armed} armed, {Moved} moved or re-armed, {Disarmed} disarmed")]
    public static partial void NetsChanged(ILogger logger, string eventId, int armed, int moved, int disarmed);

    [LoggerMessage(EventId = 1221, EventName = "ContactsNotAskedAfterChange", Level = LogLevel.Warning, Message = "Event {EventId} changed its safety nets, but its trusted contacts could not be asked about the new terms")]
    public static partial void ContactsNotAsked(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Event {EventId} changed by client {ClientId}: {Moved} check-ins moved, {Added} added, {Removed} removed")]
    public static partial void Changed(ILogger logger, string eventId, string clientId, int moved, int added, int removed);
}

using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Azure;
using NodaTime;
using NodaTime.Text;

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
/// or edits its check-ins. The change is checked by the registration's own validator, on the event as
/// stored with the change applied, so every rule and every message is the one a POST gives. Written
/// crash-safe through <see cref="PendingChanges"/>.
/// </summary>
public sealed class EventChanges(
    EventStore store,
    PendingChanges pending,
    EventValidator validator,
    DueCheckInIndex dueIndex,
    RecipientCheckIns recipients,
    ConsentRequests requests,
    HeldConsentRequests held,
    EventService events,
    TimeProvider time,
    ILogger<EventChanges> logger)
{
    private const int MaxTries = 3;

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

            var plan = new Planner(f.Event, f.CheckIns, patch, validator, time.GetUtcNow()).Make();
            if (plan.Errors.Count > 0)
            {
                return new ChangeResult(ChangeOutcome.Invalid, Errors: plan.Errors, Title: "The change is not valid.");
            }

            if (plan.Conflicts.Count > 0)
            {
                return new ChangeResult(ChangeOutcome.Conflict, Errors: plan.Conflicts, Title: "Some check-ins can no longer be changed.");
            }

            if (plan.Changes.Count == 0 && !plan.EventChanged)
            {
                return await ViewAsync(client, eventId, cancellationToken);
            }

            if (ifMatch is not null && ifMatch != "*" && ifMatch != f.Event.ETag.ToString())
            {
                return new ChangeResult(ChangeOutcome.PreconditionFailed);
            }

            if (!await ApplyAsync(f.Event, f.CheckIns, plan, cancellationToken))
            {
                if (attempt == MaxTries)
                {
                    return new ChangeResult(ChangeOutcome.PreconditionFailed);
                }

                // Someone changed the event since we read it: look again (with If-Match, that is a 412).
                continue;
            }

            EventsLog.Changed(logger, eventId, client.Id, plan.Changes.Count(c => c.DueAt is not null && c.What == CheckInChangeKind.Edit), plan.Changes.Count(c => c.What == CheckInChangeKind.Add), plan.Changes.Count(c => c.What == CheckInChangeKind.Remove));
            await events.PlanMissingConsentNoticesAsync(eventId);
            return await ViewAsync(client, eventId, cancellationToken);
        }
    }

    private async Task<ChangeResult> ViewAsync(ApiClient client, string eventId, CancellationToken cancellationToken) =>
        await events.GetAsync(client, eventId, cancellationToken) is { } view ? new ChangeResult(ChangeOutcome.Changed, view) : new ChangeResult(ChangeOutcome.NotFound);

    /// <summary>The write, in the order <see cref="PendingChanges"/> explains. False if the event changed since it was read.</summary>
    private async Task<bool> ApplyAsync(EventRecord record, IReadOnlyList<CheckInRecord> before, Plan plan, CancellationToken cancellationToken)
    {
        var changeId = Ids.New("chg_");
        var changes = plan.Changes.Select(c => c with { ChangeId = changeId }).ToList();
        var added = changes.Where(c => c.What == CheckInChangeKind.Add).Select(c => EventMapping.AddedCheckIn(record.Id, c)).ToList();

        // (1) Rows that find the new times, and who a new check-in goes to (so that a STOP finds it):
        // harmless if we die now, a row that matches no check-in is dropped when it comes due.
        await dueIndex.AddAsync(changes.Where(c => c.DueAt is not null).Select(c => new DueEntry(record.Id, c.CheckInId, c.DueAt!.Value)), cancellationToken);
        if (added.Count > 0)
        {
            await recipients.AddAsync(plan.Event, added, cancellationToken);
        }

        // A changed plan must reach whoever has to agree to it even if we die after (2) or the email
        // fails: a held request per person, a little later, as a safety net. The ask right after the
        // change makes it a no-op (a plan version is asked about once); if (2) fails, it finds nothing
        // to ask.
        if (plan.PlanChanged)
        {
            foreach (var person in plan.Event.People.Where(p => AftercarePlan.MustAgree(plan.Event, p) && AftercarePlan.Version(plan.Event, p) != AftercarePlan.Version(record, record.Find(p.Key) ?? p)))
            {
                await held.HoldAsync(new HeldConsentRequest(record.Id, person.Key, Channel.Email, time.GetUtcNow() + ReaskSafetyNet), cancellationToken);
            }
        }

        // (2) The change itself, conditional on the ETag we read. From here on it happens.
        try
        {
            await store.BeginChangeAsync(plan.Event with { PendingChange = changeId }, changes, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return false;
        }

        // (3) to (5).
        await pending.RollForwardAsync(record.Id, cancellationToken);

        // Consent for a person or channel this event did not use before, asked at once as at registration.
        // Best effort for the same reason: the change is made, and nothing is sent without consent.
        // A changed plan asks again whoever agreed to it, and whoever must agree before their next email.
        var newlyUsed = added.Where(a => !before.Any(b => b.To == a.To && b.Channel == a.Channel)).ToList();
        var askAgain = plan.PlanChanged
            ? before.Where(c => c.Status == CheckInStatus.Scheduled && c.Channel == Channel.Email && c.Kind is CheckInKind.CheckIn or CheckInKind.Reminder).ToList()
            : [];
        if (newlyUsed.Count > 0 || plan.PlanChanged)
        {
            try
            {
                var changed = await store.GetEventAsync(record.Id, CancellationToken.None) ?? plan.Event;
                await requests.RequestForEventAsync(changed, [.. newlyUsed, .. askAgain], CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                ConsentLog.RequestsFailed(logger, e, record.Id);
            }
        }

        return true;
    }

    /// <summary>A checked change: what it does to the event and each check-in, or why it cannot be made.</summary>
    private sealed class Plan
    {
        public Dictionary<string, string[]> Errors { get; set; } = [];

        public Dictionary<string, string[]> Conflicts { get; set; } = [];

        public EventRecord Event { get; set; } = null!;

        public bool EventChanged { get; set; }

        /// <summary>The aftercare plan's words changed: whoever agreed to them is asked again.</summary>
        public bool PlanChanged { get; set; }

        public List<CheckInChange> Changes { get; } = [];
    }

    /// <summary>
    /// One check-in the validator is to see: where its errors are reported, the row it changes (null for
    /// a new one), and whether it keeps the time it has.
    /// </summary>
    private sealed record Entry(string Path, CheckInRecord? Existing, CheckInRequest? Request, bool KeepsTime);

    /// <summary>
    /// Works out a change against the event as stored. Only the check-ins it touches are validated (a
    /// finished one's time is in the past); errors name <c>checkIns[i]</c> by the position in the body's
    /// list, or, for a check-in the body does not list, by its position in the event as GET shows it.
    /// </summary>
    private sealed class Planner(EventRecord record, IReadOnlyList<CheckInRecord> rows, PatchEventRequest patch, EventValidator validator, DateTimeOffset now)
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _conflicts = new(StringComparer.Ordinal);
        private readonly List<Entry> _entries = [];
        private readonly HashSet<string> _listed = new(StringComparer.Ordinal);
        private readonly string _zoneText = patch.TimeZone ?? record.TimeZone;
        private readonly string _startsText = patch.StartsAt ?? record.StartsAtLocal;
        private readonly string _endsText = patch.EndsAt ?? record.EndsAtLocal;

        public Plan Make()
        {
            foreach (var name in patch.Unknown?.Keys ?? Enumerable.Empty<string>())
            {
                Add(_errors, name, "A PATCH changes timeZone, startsAt, endsAt, checkIns and aftercare; this field cannot be changed here.");
            }

            foreach (var name in patch.Aftercare?.Unknown?.Keys ?? Enumerable.Empty<string>())
            {
                Add(_errors, "aftercare." + name, "A PATCH changes the aftercare's plan and needs; reminders move with the event.");
            }

            var removed = new List<CheckInRecord>();
            if (patch.CheckIns is { } list)
            {
                ReadList(list);
                removed.AddRange(rows.Where(r => r.Kind == CheckInKind.CheckIn && r.Status == CheckInStatus.Scheduled && !_listed.Contains(r.Id)));
            }

            // Whatever the list does not name moves with the event: a check-in when there is no list, a reminder always.
            foreach (var row in rows.Where(r => r.Status == CheckInStatus.Scheduled && !_listed.Contains(r.Id)
                && (r.Kind == CheckInKind.Reminder || (r.Kind == CheckInKind.CheckIn && patch.CheckIns is null))))
            {
                if (!AnchorMoved(row.Timing))
                {
                    continue;
                }

                if (row.Kind == CheckInKind.Reminder && NewDue(row.Timing) is { } due && due <= now)
                {
                    // A reminder of the plan before an event moved earlier has no time left: it is dropped,
                    // rather than the move refused over something a PATCH cannot edit.
                    removed.Add(row);
                    continue;
                }

                _entries.Add(new Entry(GetPath(row), row, RequestFrom(row, row.Timing, keepsTime: false), KeepsTime: false));
            }

            var plansRemain = (patch.Aftercare?.Plan ?? record.Plan) is { Length: > 0 }
                || (patch.Aftercare?.Needs is { } newNeeds ? newNeeds.Values.Any(v => !string.IsNullOrWhiteSpace(v)) : record.Everyone.Any(p => !string.IsNullOrEmpty(p.Needs)));
            if (!plansRemain && rows.Any(r => r.Kind == CheckInKind.Reminder && r.Status == CheckInStatus.Scheduled && !removed.Contains(r)))
            {
                Add(_errors, "aftercare", "Reminders remind of the plan or of someone's needs: keep one of them while reminders are planned.");
            }

            var remaining = rows.Count(r => r.Kind == CheckInKind.CheckIn && r.Status != CheckInStatus.Cancelled) - removed.Count(r => r.Kind == CheckInKind.CheckIn)
                + _entries.Count(e => e.Existing is null && e.Request is not null);
            if (remaining > EventValidator.MaxCheckIns)
            {
                Add(_errors, "checkIns", $"An event can have at most {EventValidator.MaxCheckIns} check-ins.");
            }
            else if (remaining == 0 && patch.CheckIns is not null)
            {
                Add(_errors, "checkIns", "At least one check-in is required.");
            }

            var rebuilt = new RegisterEventRequest(
                Title: record.Title,
                Kind: record.Kind,
                TimeZone: _zoneText,
                StartsAt: _startsText,
                EndsAt: _endsText,
                Organizer: PersonFrom(record.Organizer),
                People: record.People.Select(PersonFrom).ToList(),
                CheckIns: _entries.Select(e => e.Request).ToList(),
                Aftercare: new AftercareRequest(
                    patch.Aftercare?.Plan ?? record.Plan,
                    patch.Aftercare?.Needs ?? record.Everyone.Where(p => p.Needs is not null).ToDictionary(p => p.Key, p => p.Needs, StringComparer.Ordinal),
                    Reminders: null));
            var (planned, errors) = validator.Validate(rebuilt, checkInsRequired: false);
            foreach (var (key, messages) in errors)
            {
                foreach (var message in messages)
                {
                    Add(_errors, Remap(key), message);
                }
            }

            var plan = new Plan
            {
                Errors = _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
                Conflicts = _conflicts.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
            };
            if (planned is null || plan.Errors.Count > 0 || plan.Conflicts.Count > 0)
            {
                return plan;
            }

            plan.Event = EventMapping.WithPlanned(record, planned with
            {
                Organizer = record.Organizer with { Needs = planned.Organizer.Needs, TimeZone = planned.Organizer.TimeZone },
                People = record.People.Select(p => planned.People.First(n => n.Key == p.Key) is var n ? p with { Needs = n.Needs, TimeZone = n.TimeZone } : p).ToList(),
            });
            plan.PlanChanged = AftercarePlan.ChangedForAnyone(record, plan.Event);
            plan.EventChanged = plan.Event.TimeZone != record.TimeZone || plan.Event.StartsAtLocal != record.StartsAtLocal || plan.Event.EndsAtLocal != record.EndsAtLocal
                || plan.Event.StartsAtUtc != record.StartsAtUtc || plan.Event.EndsAtUtc != record.EndsAtUtc || plan.PlanChanged;

            var position = rows.Count == 0 ? 0 : rows.Max(r => r.Position) + 1;
            for (var i = 0; i < _entries.Count; i++)
            {
                var (entry, checkIn) = (_entries[i], planned.CheckIns[i]);
                if (entry.Existing is not { } row)
                {
                    var due = checkIn.DueAt.ToDateTimeOffset();
                    plan.Changes.Add(new CheckInChange("", Ids.New("ci_"), CheckInChangeKind.Add, checkIn.Message, checkIn.Timing, due, null, now, checkIn.To, checkIn.Channel, position++));
                    continue;
                }

                var newDue = entry.KeepsTime ? row.DueAt : checkIn.DueAt.ToDateTimeOffset();
                var timing = entry.KeepsTime ? row.Timing : checkIn.Timing;
                var moves = !StoredTime.SameInstant(newDue, row.DueAt);
                var message = row.Kind == CheckInKind.Reminder ? row.Message : checkIn.Message;
                if (moves || message != row.Message || timing != row.Timing)
                {
                    plan.Changes.Add(new CheckInChange("", row.Id, CheckInChangeKind.Edit, message, timing, moves ? newDue : null, moves ? row.NextAttemptAt : null, moves ? now : null));
                }
            }

            plan.Changes.AddRange(removed.Select(r => new CheckInChange("", r.Id, CheckInChangeKind.Remove, OldNextAttemptAt: r.NextAttemptAt)));
            return plan;
        }

        private void ReadList(IReadOnlyList<PatchCheckInRequest?> list)
        {
            // Named ids first, so that an entry without one is never taken for a check-in named later.
            var named = new Dictionary<int, CheckInRecord>();
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i]?.Id is not { } id)
                {
                    continue;
                }

                var row = rows.FirstOrDefault(r => r.Id == id);
                if (row is null)
                {
                    Add(_errors, $"checkIns[{i}].id", "This event has no check-in with this id.");
                }
                else if (!_listed.Add(row.Id))
                {
                    Add(_errors, $"checkIns[{i}].id", "This check-in is already in the list.");
                }
                else
                {
                    named[i] = row;
                }
            }

            for (var i = 0; i < list.Count; i++)
            {
                var path = $"checkIns[{i}]";
                var entry = list[i];
                foreach (var name in entry?.Unknown?.Keys ?? Enumerable.Empty<string>())
                {
                    Add(_errors, $"{path}.{name}", "A check-in has id, to, channel, at, after, offset and message; nothing else.");
                }

                if (entry is null)
                {
                    _entries.Add(new Entry(path, null, null, KeepsTime: false));
                }
                else if (named.TryGetValue(i, out var row))
                {
                    Consider(path, row, entry);
                }
                else if (entry.Id is null)
                {
                    // The same check-in sent again (a retry, or the list read back) is that check-in, not a second one.
                    var same = rows.FirstOrDefault(r => r.Kind == CheckInKind.CheckIn && r.Status != CheckInStatus.Cancelled && !_listed.Contains(r.Id) && IsSame(r, entry));
                    if (same is not null)
                    {
                        _listed.Add(same.Id);
                        Consider(path, same, entry);
                    }
                    else
                    {
                        _entries.Add(new Entry(path, null, new CheckInRequest(entry.To, entry.Channel, entry.At, entry.After, entry.Offset, entry.Message), KeepsTime: false));
                    }
                }
            }
        }

        /// <summary>One listed check-in that exists: unchanged, changed, or refused (and why).</summary>
        private void Consider(string path, CheckInRecord row, PatchCheckInRequest entry)
        {
            var givesTime = entry.At is not null || entry.After is not null || entry.Offset is not null;
            var timing = givesTime ? new CheckInTiming(entry.At, entry.After, entry.Offset) : row.Timing;
            var to = entry.To ?? row.To;
            var channel = entry.Channel ?? ChannelName(row.Channel);
            var message = entry.Message ?? row.Message;
            var retargets = to != row.To || channel != ChannelName(row.Channel);
            var edits = retargets || message.Trim() != row.Message || timing != row.Timing;
            var moves = timing == row.Timing && AnchorMoved(timing);
            if (!edits && !moves)
            {
                return;
            }

            if (row.Kind != CheckInKind.CheckIn || row.Status != CheckInStatus.Scheduled)
            {
                // Moving with the event is not an edit: a finished one stays where it was, a reminder follows anyway.
                if (edits)
                {
                    Add(_conflicts, path, WhyNot(row));
                }

                if (row.Kind == CheckInKind.Reminder)
                {
                    _listed.Remove(row.Id);
                }

                return;
            }

            if (retargets)
            {
                var field = to != row.To ? "to" : "channel";
                Add(_errors, $"{path}.{field}", "Who a check-in goes to, and how, cannot be changed: remove it (leave it out of the list) and add a new one.");
                return;
            }

            var keepsTime = timing == row.Timing && !moves;
            if (keepsTime && row.DueAt <= now)
            {
                Add(_conflicts, path, "This check-in is already due and waiting to go out (for a retry, or for the end of the recipient's quiet hours): give it a new time, or remove it.");
                return;
            }

            _entries.Add(new Entry(path, row, RequestFrom(row, timing, keepsTime) with { Message = message }, keepsTime));
        }

        private static string WhyNot(CheckInRecord row) => row.Kind switch
        {
            CheckInKind.Reminder => "A reminder follows the aftercare plan: it moves with the event, and is not edited here.",
            CheckInKind.Fallback or CheckInKind.Notice or CheckInKind.Relay => "This message was added by the service, not by you: it cannot be edited.",
            _ => row.Status switch
            {
                CheckInStatus.Sending => "This check-in is being sent right now: it can no longer be changed.",
                CheckInStatus.Sent or CheckInStatus.Delivered => "This check-in was already sent: it can no longer be changed.",
                CheckInStatus.Failed => "This check-in was already tried, and failed: it can no longer be changed. Add a new one instead.",
                CheckInStatus.Skipped => $"This check-in was skipped ({row.Reason}): it can no longer be changed. Add a new one instead.",
                _ => "This check-in was cancelled: it can no longer be changed. Add a new one instead.",
            },
        };

        /// <summary>Where a check-in timed after the start or end lands once they move; null if that cannot be read.</summary>
        private DateTimeOffset? NewDue(CheckInTiming timing)
        {
            var zone = EventTime.FindZone(_zoneText);
            var anchor = zone is null ? null : EventTime.ParseLocal(timing.After == "start" ? _startsText : _endsText, zone);
            var offset = timing.Offset is null ? NodaTime.Period.Zero : EventTime.ParseOffset(timing.Offset);
            return anchor is { } a && offset is not null ? EventTime.Apply(a, offset).ToDateTimeOffset() : null;
        }

        /// <summary>Whether the start or end a check-in is timed after moves (or is read in another zone).</summary>
        private bool AnchorMoved(CheckInTiming timing)
        {
            if (timing.After is not ("start" or "end"))
            {
                return false;
            }

            var zone = EventTime.FindZone(_zoneText);
            var (text, stored) = timing.After == "start" ? (_startsText, record.StartsAtUtc) : (_endsText, record.EndsAtUtc);
            return zone is null || zone.Id != record.TimeZone || EventTime.ParseLocal(text, zone)?.ToInstant() != Instant.FromDateTimeOffset(stored);
        }

        private string GetPath(CheckInRecord row)
        {
            var i = 0;
            while (rows[i].Id != row.Id)
            {
                i++;
            }

            return $"checkIns[{i}]";
        }

        private string Remap(string key)
        {
            if (!key.StartsWith("checkIns[", StringComparison.Ordinal))
            {
                return key;
            }

            var close = key.IndexOf(']', StringComparison.Ordinal);
            return int.TryParse(key.AsSpan(9, close - 9), System.Globalization.CultureInfo.InvariantCulture, out var i) && i < _entries.Count
                ? _entries[i].Path + key[(close + 1)..]
                : key;
        }

        private static bool IsSame(CheckInRecord row, PatchCheckInRequest entry) =>
            entry.To == row.To && entry.Channel == ChannelName(row.Channel) && entry.Message?.Trim() == row.Message
            && new CheckInTiming(entry.At, entry.After, entry.Offset) == row.Timing;

        /// <summary>
        /// A stored check-in as a registration would give it. One that keeps its time is given that
        /// instant itself, which reads the same in any zone.
        /// </summary>
        private static CheckInRequest RequestFrom(CheckInRecord row, CheckInTiming timing, bool keepsTime) => new(
            To: row.To,
            Channel: ChannelName(row.Channel),
            At: keepsTime ? OffsetDateTimePattern.ExtendedIso.Format(Instant.FromDateTimeOffset(row.DueAt).WithOffset(Offset.Zero)) : timing.At,
            After: keepsTime ? null : timing.After,
            Offset: keepsTime ? null : timing.Offset,

            // A reminder's words are the aftercare plan's, built when it is sent; the validator wants some.
            Message: row.Kind == CheckInKind.Reminder ? "(reminder)" : row.Message);

        private static PersonRequest PersonFrom(Participant p) => new(
            Key: p.Key,
            Name: p.Name,
            Phone: p.Phone,
            Email: p.Email,
            TimeZone: p.ZoneFromEvent ? null : p.TimeZone,
            QuietHours: Dispatch.QuietHours.Stored(p.QuietHours) is { } q ? new QuietHoursRequest(q.FromText, q.ToText) : null);

        private static string ChannelName(Channel channel) => channel == Channel.Sms ? "sms" : "email";

        private static void Add(Dictionary<string, List<string>> map, string key, string message)
        {
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = [];
            }

            if (!list.Contains(message))
            {
                list.Add(message);
            }
        }
    }
}

/// <summary>Change log messages (event ids 503-509): ids and counts only.</summary>
internal static partial class EventsLog
{
    [LoggerMessage(EventId = 503, Level = LogLevel.Information, Message = "Event {EventId} changed by client {ClientId}: {Moved} check-ins moved, {Added} added, {Removed} removed")]
    public static partial void Changed(ILogger logger, string eventId, string clientId, int moved, int added, int removed);

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "Event {EventId}: change {ChangeId} finished ({LeftAlone} check-ins were already being sent and kept as they were)")]
    public static partial void ChangeFinished(ILogger logger, string eventId, string changeId, int leftAlone);

    [LoggerMessage(EventId = 505, Level = LogLevel.Warning, Message = "Event {EventId}: check-in {CheckInId} was being sent when the change reached it, and kept as it was")]
    public static partial void ChangeLeftAlone(ILogger logger, string eventId, string checkInId);
}

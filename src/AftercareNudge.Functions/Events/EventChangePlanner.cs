using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using NodaTime;

namespace AftercareNudge.Events;

/// <summary>
/// A checked change (PATCH): what it does to the event and to each check-in, or why it cannot be made
/// (field errors, a 400; check-ins that can no longer be changed, a 409).
/// </summary>
internal sealed class ChangePlan
{
    public Dictionary<string, string[]> FieldErrors { get; init; } = [];

    public Dictionary<string, string[]> Conflicts { get; init; } = [];

    /// <summary>The event as the change leaves it (set only when the change can be made).</summary>
    public EventRecord ChangedEvent { get; set; } = null!;

    /// <summary>The event's own fields change: its zone, times, plan or someone's needs.</summary>
    public bool ChangesEvent { get; set; }

    /// <summary>The aftercare plan's words change for someone: whoever agreed to them is asked again.</summary>
    public bool ChangesPlanWords { get; set; }

    /// <summary>What becomes of each check-in: moved or edited, added, removed. Empty if none changes.</summary>
    public List<CheckInChange> CheckInChanges { get; } = [];

    /// <summary>The safety nets the change arms, moves, re-arms or removes: their contacts are asked again about the new terms.</summary>
    public List<NetChange> NetChanges { get; } = [];

    /// <summary>A conflict is an armed check-in whose ladder has started: the person may be answering it now.</summary>
    public bool ArmedStarted { get; set; }
}

/// <summary>
/// Works out a change against the event as stored, on its own values: the stored zone, instants,
/// people and check-ins, with the change's fields read as a registration reads them and checked by
/// the registration's rules (<see cref="EventValidator"/>), so every message is the one a POST gives.
/// Only the check-ins the change touches are checked (a finished one's time is in the past); errors
/// name <c>checkIns[i]</c> by the position in the body's list, or, for a check-in the body does not
/// list, by its position in the event as GET shows it.
/// </summary>
internal sealed class EventChangePlanner
{
    private readonly EventRecord _record;
    private readonly IReadOnlyList<CheckInRecord> _rows;
    private readonly PatchEventRequest _patch;
    private readonly DateTimeOffset _now;

    /// <summary>The planner's own refusals (fields a PATCH cannot name, ids, who a check-in goes to, counts).</summary>
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>What the registration's rules find, reported after the planner's own, as a registration orders them.</summary>
    private readonly EventValidator.Errors _ruleErrors = new();
    private readonly Dictionary<string, List<string>> _conflicts = new(StringComparer.Ordinal);
    private readonly List<CheckInToPlan> _toPlan = [];
    private readonly HashSet<string> _listed = new(StringComparer.Ordinal);

    /// <summary>The safety net of each armed check-in, by its id, as read with the event.</summary>
    private readonly Dictionary<string, AwaitedReply> _awaited;
    private bool _armedStarted;

    /// <summary>The event's zone and times as the change leaves them; null where the change's own text is not valid.</summary>
    private readonly DateTimeZone? _zone;
    private readonly ZonedDateTime? _startsAt;
    private readonly ZonedDateTime? _endsAt;

    /// <param name="awaited">The safety nets of the event's armed check-ins.</param>
    public EventChangePlanner(EventRecord record, IReadOnlyList<CheckInRecord> rows, PatchEventRequest patch, DateTimeOffset now, IReadOnlyList<AwaitedReply>? awaited = null)
    {
        (_record, _rows, _patch, _now) = (record, rows, patch, now);
        _awaited = (awaited ?? []).ToDictionary(a => a.CheckInId, StringComparer.Ordinal);
        var storedZone = EventTime.FindZone(record.TimeZone)!;
        _zone = patch.TimeZone is null ? storedZone : EventTime.FindZone(patch.TimeZone);
        if (_zone is null)
        {
            _ruleErrors.Add("timeZone", EventValidator.ZoneRule);
        }

        _startsAt = ChangedTime(patch.StartsAt, record.StartsAtUtc, storedZone, "startsAt");
        _endsAt = ChangedTime(patch.EndsAt, record.EndsAtUtc, storedZone, "endsAt");
        if (_zone is not null)
        {
            EventValidator.CheckEventTimes(_startsAt, _endsAt, Instant.FromDateTimeOffset(now), _ruleErrors);
        }
    }

    /// <summary>
    /// A check-in the change touches, where its errors are reported: a new one (its request), an
    /// existing one (its row, its timing, the words the change gives it, and whether it keeps the time
    /// it has), or a null entry of the list.
    /// </summary>
    private sealed record CheckInToPlan(string Path, CheckInRecord? Existing, CheckInRequest? Added, CheckInTiming? Timing = null, string? NewMessage = null, bool KeepsTime = false, AwaitReplyRequest? NewNet = null);

    /// <summary>Why an armed check-in whose ladder has started cannot be changed (each such check-in's 409 entry).</summary>
    public const string ArmedStartedMessage = "This check-in waits for an answer, and its time has come (or comes within five minutes): the person may be answering it now, so neither it nor the event's times it follows can change. Leave it as it is.";

    public ChangePlan Make()
    {
        var removed = new List<CheckInRecord>();
        if (_patch.CheckIns is { } list)
        {
            ReadList(list);
            removed.AddRange(_rows.Where(r => r.Kind == CheckInKind.CheckIn && r.Status == CheckInStatus.Scheduled && !_listed.Contains(r.Id)));
        }

        // An armed check-in whose ladder has started is neither removed nor moved with the event (nor edited: see Consider).
        foreach (var row in _rows.Where(r => !_listed.Contains(r.Id) && LadderStarted(r) && (_patch.CheckIns is not null || AnchorMoved(r.Timing))))
        {
            ArmedStarted(GetPath(row));
        }

        // Whatever the list does not name moves with the event: a check-in when there is no list, a reminder always.
        foreach (var row in _rows.Where(r => r.Status == CheckInStatus.Scheduled && !_listed.Contains(r.Id)
            && (r.Kind == CheckInKind.Reminder || (r.Kind == CheckInKind.CheckIn && _patch.CheckIns is null))))
        {
            if (!AnchorMoved(row.Timing))
            {
                continue;
            }

            if (row.Kind == CheckInKind.Reminder && NewDue(row.Timing) is { } due && due <= Instant.FromDateTimeOffset(_now))
            {
                // A reminder of the plan before an event moved earlier has no time left: it is dropped,
                // rather than the move refused over something a PATCH cannot edit.
                removed.Add(row);
                continue;
            }

            _toPlan.Add(new CheckInToPlan(GetPath(row), row, null, row.Timing));
        }

        var plansRemain = (_patch.Aftercare?.Plan ?? _record.Plan) is { Length: > 0 }
            || (_patch.Aftercare?.Needs is { } newNeeds ? newNeeds.Values.Any(v => !string.IsNullOrWhiteSpace(v)) : _record.Everyone.Any(p => !string.IsNullOrEmpty(p.Needs)));
        if (!plansRemain && _rows.Any(r => r.Kind == CheckInKind.Reminder && r.Status == CheckInStatus.Scheduled && !removed.Contains(r)))
        {
            Add(_errors, "aftercare", "Reminders remind of the plan or of someone's needs: keep one of them while reminders are planned.");
        }

        var remaining = _rows.Count(r => r.Kind == CheckInKind.CheckIn && r.Status != CheckInStatus.Cancelled) - removed.Count(r => r.Kind == CheckInKind.CheckIn)
            + _toPlan.Count(c => c.Added is not null);
        var armedAfter = _awaited.Keys.Count(id => !removed.Any(r => r.Id == id))
            + _toPlan.Count(c => c.Added?.AwaitReply is not null || (c.NewNet is not null && c.Existing is { } e && !_awaited.ContainsKey(e.Id)));
        if (armedAfter > EventValidator.MaxArmedCheckIns)
        {
            Add(_errors, "checkIns", $"An event can have at most {EventValidator.MaxArmedCheckIns} check-ins that wait for an answer.");
        }

        if (remaining > EventValidator.MaxCheckIns)
        {
            Add(_errors, "checkIns", $"An event can have at most {EventValidator.MaxCheckIns} check-ins.");
        }
        else if (remaining == 0 && _patch.CheckIns is not null)
        {
            Add(_errors, "checkIns", "At least one check-in is required.");
        }

        var planned = PlanEvent();
        foreach (var (key, messages) in _ruleErrors.ToDictionary())
        {
            foreach (var message in messages)
            {
                Add(_errors, key, message);
            }
        }

        var plan = new ChangePlan
        {
            FieldErrors = _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
            Conflicts = _conflicts.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
            ArmedStarted = _armedStarted,
        };
        if (planned is null || plan.FieldErrors.Count > 0 || plan.Conflicts.Count > 0)
        {
            return plan;
        }

        plan.ChangedEvent = EventMapping.WithPlanned(_record, planned);
        plan.ChangesPlanWords = AftercarePlan.ChangedForAnyone(_record, plan.ChangedEvent);
        plan.ChangesEvent = plan.ChangedEvent.TimeZone != _record.TimeZone || plan.ChangedEvent.StartsAtLocal != _record.StartsAtLocal || plan.ChangedEvent.EndsAtLocal != _record.EndsAtLocal
            || plan.ChangedEvent.StartsAtUtc != _record.StartsAtUtc || plan.ChangedEvent.EndsAtUtc != _record.EndsAtUtc || plan.ChangesPlanWords;

        var position = _rows.Count == 0 ? 0 : _rows.Max(r => r.Position) + 1;
        for (var i = 0; i < _toPlan.Count; i++)
        {
            var (entry, checkIn) = (_toPlan[i], planned.CheckIns[i]);
            if (entry.Existing is not { } row)
            {
                var add = new CheckInChange("", Ids.New(Ids.CheckInPrefix), CheckInChangeKind.Add, checkIn.Message, checkIn.Timing, checkIn.DueAt.ToDateTimeOffset(), null, _now, checkIn.To, checkIn.Channel, position++, AwaitsReply: checkIn.Net is null ? null : true);
                plan.CheckInChanges.Add(add);
                PlanNet(plan, EventMapping.AddedCheckIn(_record.Id, add), checkIn.Net);
                continue;
            }

            var newDue = entry.KeepsTime ? row.DueAt : checkIn.DueAt.ToDateTimeOffset();
            var moves = !StoredTime.SameInstant(newDue, row.DueAt);
            var arms = checkIn.Net is not null && !row.AwaitsReply;
            if (moves || checkIn.Message != row.Message || checkIn.Timing != row.Timing || arms)
            {
                plan.CheckInChanges.Add(new CheckInChange("", row.Id, CheckInChangeKind.Edit, checkIn.Message, checkIn.Timing, moves ? newDue : null, moves ? row.NextAttemptAt : null, moves ? _now : null, AwaitsReply: arms ? true : null));
            }

            PlanNet(plan, row with { DueAt = newDue, NextAttemptAt = newDue }, checkIn.Net);
        }

        plan.CheckInChanges.AddRange(removed.Select(r => new CheckInChange("", r.Id, CheckInChangeKind.Remove, OldNextAttemptAt: r.NextAttemptAt)));
        foreach (var row in removed.Where(r => _awaited.ContainsKey(r.Id)))
        {
            // Disarmed with its check-in: its ladder is cancelled and its net goes, in the change's one transaction.
            plan.NetChanges.Add(new NetChange(_awaited[row.Id], Removes: true));
            plan.CheckInChanges.AddRange(Ladder(row.Id).Where(r => r.Status == CheckInStatus.Scheduled)
                .Select(r => new CheckInChange("", r.Id, CheckInChangeKind.Remove, OldNextAttemptAt: r.NextAttemptAt)));
        }

        return plan;
    }

    /// <summary>
    /// An armed check-in (<paramref name="armed"/>, at its time as the change leaves it) as the change
    /// leaves its safety net: armed anew, moved or re-armed, with its ladder's rows added, moved,
    /// re-addressed or cancelled to match, as a registration would write them. Nothing if neither moves.
    /// </summary>
    private void PlanNet(ChangePlan plan, CheckInRecord armed, SafetyNet? net)
    {
        var old = _awaited.GetValueOrDefault(armed.Id);
        if (net is null || (old is not null && StoredTime.SameInstant(old.DueAt, armed.DueAt) && SameNet(old.Net, net)))
        {
            return;
        }

        plan.NetChanges.Add(new NetChange(old is null ? new AwaitedReply(_record.Id, armed.Id, net, armed.DueAt) : old with { Net = net, DueAt = armed.DueAt }));
        var wanted = SafetyLadder.Rows(plan.ChangedEvent, armed, net);
        var existing = Ladder(armed.Id);
        foreach (var row in wanted)
        {
            if (existing.FirstOrDefault(e => e.Id == row.Id) is not { } now)
            {
                plan.CheckInChanges.Add(new CheckInChange("", row.Id, CheckInChangeKind.Add, row.Message, row.Timing, row.DueAt, null, null, row.To, row.Channel, row.Position, row.Kind, row.RelatesTo));
                continue;
            }

            var moves = !StoredTime.SameInstant(now.DueAt, row.DueAt);
            if (now.Status == CheckInStatus.Scheduled && (moves || now.To != row.To || now.Channel != row.Channel))
            {
                plan.CheckInChanges.Add(new CheckInChange("", row.Id, CheckInChangeKind.Edit, now.Message, now.Timing, moves ? row.DueAt : null, moves ? now.NextAttemptAt : null, moves ? _now : null, row.To, row.Channel));
            }
        }

        plan.CheckInChanges.AddRange(existing.Where(e => e.Status == CheckInStatus.Scheduled && wanted.All(w => w.Id != e.Id))
            .Select(e => new CheckInChange("", e.Id, CheckInChangeKind.Remove, OldNextAttemptAt: e.NextAttemptAt)));
    }

    /// <summary>The reminder and alerts of an armed check-in (its all-clears are an answer's, not a change's).</summary>
    private List<CheckInRecord> Ladder(string armedId) =>
        _rows.Where(r => r.RelatesTo == armedId && r.Kind is CheckInKind.SafetyReminder or CheckInKind.Alert).ToList();

    private static bool SameNet(SafetyNet a, SafetyNet b) =>
        a.Within == b.Within && a.Grace == b.Grace && a.Note == b.Note && a.DuressWord == b.DuressWord && a.EscalateTo.SequenceEqual(b.EscalateTo, StringComparer.Ordinal);

    /// <summary>
    /// Whether an armed check-in can no longer change: its ladder has started, or starts within
    /// <see cref="ArmedStartsSoon"/> (a dispatch run may claim the check-in while this change is written;
    /// the net's ETag does not see the send), or the duress word came (nothing the app sends may stand
    /// the contacts down: whoever holds it may not be the person).
    /// </summary>
    private bool LadderStarted(CheckInRecord row) =>
        _awaited.TryGetValue(row.Id, out var net)
        && (net.DuressAt is not null
            || (net.State is AwaitState.Waiting or AwaitState.Reminded or AwaitState.Escalated
                && !Safety.AwaitedAnswers.StandsDown(row)
                && _now <= net.AlertAt + AwaitedReply.OpenAfterAlert
                && (_now + ArmedStartsSoon >= net.DueAt || net.State != AwaitState.Waiting || row.Status != CheckInStatus.Scheduled)));

    /// <summary>
    /// How long before an armed check-in is due a change to it is refused: well beyond the send
    /// scheduler's lead (the check-in is queued 70 s ahead and claimed at its time) and the few storage
    /// requests a PATCH takes to write, so that no send of it can start while the change is written.
    /// </summary>
    public static readonly TimeSpan ArmedStartsSoon = TimeSpan.FromMinutes(5);

    private void ArmedStarted(string path)
    {
        Add(_conflicts, path, ArmedStartedMessage);
        _armedStarted = true;
    }

    /// <summary>
    /// The start or end as the change leaves it: the change's own text, read in the (new) zone; else the
    /// stored instant, or, in another zone, the same wall-clock time there.
    /// </summary>
    private ZonedDateTime? ChangedTime(string? given, DateTimeOffset stored, DateTimeZone storedZone, string field)
    {
        if (given is not null)
        {
            // Without a valid zone the text is still checked for its form, read as UTC.
            var parsed = EventValidator.ParseTime(given, _zone ?? DateTimeZone.Utc, field, _ruleErrors);
            return _zone is null ? null : parsed;
        }

        if (_zone is null)
        {
            return null;
        }

        var storedTime = Instant.FromDateTimeOffset(stored).InZone(storedZone);
        return _zone.Id == storedZone.Id ? storedTime : EventTime.Resolve(storedTime.LocalDateTime, _zone);
    }

    /// <summary>
    /// The event with the change applied, as domain values, checked by the registration's rules: the
    /// check-ins are the ones the change touches, in the order of <see cref="_toPlan"/>. Null if a rule fails.
    /// </summary>
    private PlannedEvent? PlanEvent()
    {
        var now = Instant.FromDateTimeOffset(_now);

        // Whoever gave no zone of their own follows the event's (unknown while the change's zone is not valid).
        Participant WithZone(Participant p) => p.ZoneFromEvent ? p with { TimeZone = _zone?.Id ?? "" } : p;
        var organizer = WithZone(_record.Organizer);
        var people = _record.People.Select(WithZone).ToList();
        List<Participant> everyone = [organizer, .. people];

        var checkIns = new List<PlannedCheckIn>();
        foreach (var entry in _toPlan)
        {
            var checkIn = entry.Existing is { } row
                ? PlanExisting(entry, row, organizer, everyone, now)
                : EventValidator.ValidateCheckIn(entry.Added, entry.Path, _zone, _startsAt, _endsAt, organizer, everyone, now, _ruleErrors);
            if (entry.Existing is null && entry.Added?.AwaitReply is { } awaitReply)
            {
                var net = ValidateNet(awaitReply, entry.Added.To, ChannelNames.Parse(entry.Added.Channel), entry.Path, people);
                checkIn = net is null || checkIn is null ? null : checkIn with { Net = net };
            }

            if (checkIn is not null)
            {
                checkIns.Add(checkIn);
            }
        }

        // The aftercare the change gives is checked as a registration's; what it leaves is as stored.
        var plan = _patch.Aftercare?.Plan is { } text ? EventValidator.ValidatePlan(text, _ruleErrors) : _record.Plan;
        var needs = _patch.Aftercare?.Needs is { } given
            ? EventValidator.ValidateNeeds(given, everyone, _ruleErrors)
            : everyone.Where(p => !string.IsNullOrEmpty(p.Needs)).ToDictionary(p => p.Key, p => p.Needs!, StringComparer.Ordinal);
        if (_ruleErrors.Count > 0 || _zone is null || _startsAt is not { } starts || _endsAt is not { } ends)
        {
            return null;
        }

        return new PlannedEvent(
            _record.Title,
            _record.Kind,
            _zone,
            starts,
            ends,
            organizer with { Needs = needs.GetValueOrDefault(organizer.Key) },
            people.Select(p => p with { Needs = needs.GetValueOrDefault(p.Key) }).ToList(),
            checkIns,
            string.IsNullOrEmpty(plan) ? null : plan);
    }

    /// <summary>
    /// An existing check-in as the change leaves it: its new words checked as a registration's are, and
    /// its time kept, or resolved from its timing against the event's new start, end and zone.
    /// </summary>
    private PlannedCheckIn? PlanExisting(CheckInToPlan entry, CheckInRecord row, Participant organizer, IReadOnlyList<Participant> everyone, Instant now)
    {
        var before = _ruleErrors.Count;
        var message = entry.NewMessage is null ? row.Message : EventValidator.ValidateMessage(entry.NewMessage, entry.Path, row.Channel, organizer, _ruleErrors);
        Instant? due = Instant.FromDateTimeOffset(row.DueAt);
        if (!entry.KeepsTime)
        {
            var recipient = everyone.FirstOrDefault(p => p.Key == row.To);
            due = EventValidator.ResolveDue(entry.Timing!, entry.Path, EventValidator.RecipientZone(recipient, _zone), _startsAt, _endsAt, _ruleErrors);
            EventValidator.CheckDueWindow(due, entry.Path, now, _ruleErrors);
        }

        // A new awaitReply replaces the net whole; without one an armed check-in keeps its own.
        var net = entry.NewNet is { } awaitReply
            ? ValidateNet(awaitReply, row.To, row.Channel, entry.Path, everyone.Where(p => p.Key != Participant.OrganizerKey).ToList())
            : _awaited.GetValueOrDefault(row.Id)?.Net;
        return _ruleErrors.Count == before && due is { } d
            ? new PlannedCheckIn(row.To, row.Channel, d, message!, entry.KeepsTime ? row.Timing : entry.Timing!, row.Kind, net)
            : null;
    }

    /// <summary>A check-in's <c>awaitReply</c>, by the registration's rules.</summary>
    private SafetyNet? ValidateNet(AwaitReplyRequest awaitReply, string? to, Channel? channel, string path, IReadOnlyList<Participant> people) =>
        EventValidator.ValidateNet(awaitReply, to, channel, _record.Organizer.Phone is not null, $"{path}.awaitReply", people, new Dictionary<string, PersonRequest>(), _ruleErrors);

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

            var row = _rows.FirstOrDefault(r => r.Id == id);
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
            if (entry is null)
            {
                _toPlan.Add(new CheckInToPlan(path, null, null));
            }
            else if (named.TryGetValue(i, out var row))
            {
                Consider(path, row, entry);
            }
            else if (entry.Id is null)
            {
                // The same check-in sent again (a retry, or the list read back) is that check-in, not a second one.
                var same = _rows.FirstOrDefault(r => r.Kind == CheckInKind.CheckIn && r.Status != CheckInStatus.Cancelled && !_listed.Contains(r.Id) && IsSame(r, entry));
                if (same is not null)
                {
                    _listed.Add(same.Id);
                    Consider(path, same, entry);
                }
                else
                {
                    _toPlan.Add(new CheckInToPlan(path, null, new CheckInRequest(entry.To, entry.Channel, entry.At, entry.After, entry.Offset, entry.Message, entry.AwaitReply)));
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
        var channel = entry.Channel ?? ChannelNames.Of(row.Channel);
        var message = entry.Message ?? row.Message;
        var retargets = to != row.To || channel != ChannelNames.Of(row.Channel);
        var edits = retargets || FreeText.Normalize(message) != row.Message || timing != row.Timing || entry.AwaitReply is not null;
        var moves = timing == row.Timing && AnchorMoved(timing);
        if (!edits && !moves)
        {
            return;
        }

        if (LadderStarted(row))
        {
            ArmedStarted(path);
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
        if (keepsTime && row.DueAt <= _now)
        {
            Add(_conflicts, path, "This check-in is already due and waiting to go out (for a retry, or for the end of the recipient's quiet hours): give it a new time, or remove it.");
            return;
        }

        _toPlan.Add(new CheckInToPlan(path, row, null, timing, entry.Message, keepsTime, entry.AwaitReply));
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

    /// <summary>Where a check-in timed after the start or end lands once they move; null if that cannot be told.</summary>
    private Instant? NewDue(CheckInTiming timing)
    {
        var anchor = timing.After == "start" ? _startsAt : _endsAt;
        var offset = timing.Offset is null ? Period.Zero : EventTime.ParseOffset(timing.Offset);
        return anchor is { } a && offset is not null ? EventTime.Apply(a, offset) : null;
    }

    /// <summary>Whether the start or end a check-in is timed after moves (or is read in another zone, or cannot be told).</summary>
    private bool AnchorMoved(CheckInTiming timing)
    {
        if (timing.After is not ("start" or "end"))
        {
            return false;
        }

        var (anchor, stored) = timing.After == "start" ? (_startsAt, _record.StartsAtUtc) : (_endsAt, _record.EndsAtUtc);
        return _zone is null || _zone.Id != _record.TimeZone || anchor?.ToInstant() != Instant.FromDateTimeOffset(stored);
    }

    private string GetPath(CheckInRecord row)
    {
        var i = 0;
        while (_rows[i].Id != row.Id)
        {
            i++;
        }

        return $"checkIns[{i}]";
    }

    private static bool IsSame(CheckInRecord row, PatchCheckInRequest entry) =>
        entry.To == row.To && entry.Channel == ChannelNames.Of(row.Channel) && FreeText.Normalize(entry.Message) == row.Message
        && new CheckInTiming(entry.At, entry.After, entry.Offset) == row.Timing;


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

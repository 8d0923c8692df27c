using System.Text.Json.Serialization;
using AftercareNudge.Storage;
using Azure;

namespace AftercareNudge.Schedule;

[JsonConverter(typeof(JsonStringEnumConverter<CheckInChangeKind>))]
public enum CheckInChangeKind
{
    Add,
    Edit,
    Remove,
}

/// <summary>
/// What a change does to one check-in, as the journal keeps it until every check-in has it. An edit
/// carries the new message and timing, and a new <see cref="DueAt"/> only if it moves the check-in;
/// <see cref="OldNextAttemptAt"/> names the due-index row to retire once the check-in no longer needs it.
/// A safety ladder's rows (an armed check-in's reminder and alerts) are changed the same way: an add
/// carries their <see cref="Kind"/> and the check-in they belong to (<see cref="RelatesTo"/>), and an
/// edit of an alert may name a new contact (<see cref="To"/>, <see cref="Channel"/>) when
/// <c>escalateTo</c> changes. <see cref="AwaitsReply"/>, when set, arms the check-in.
/// </summary>
public sealed record CheckInChange(
    string ChangeId,
    string CheckInId,
    CheckInChangeKind What,
    string? Message = null,
    CheckInTiming? Timing = null,
    DateTimeOffset? DueAt = null,
    DateTimeOffset? OldNextAttemptAt = null,
    DateTimeOffset? MovedAt = null,
    string? To = null,
    Channel? Channel = null,
    int Position = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] CheckInKind Kind = CheckInKind.CheckIn,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RelatesTo = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? AwaitsReply = null);

/// <summary>
/// Finishes changes (PATCH) that were committed to the event but may not have reached every check-in.
/// A change is written in this order, so that dying between any two steps leaves nothing stale to send
/// and nothing due unfound: (1) due-index rows for the new times; (2) the event's new fields, its
/// <see cref="EventRecord.PendingChange"/> mark and the journal, in one transaction; (3) each check-in;
/// (4) the old index rows; (5) the mark and the journal, in one transaction. Steps 3 to 5 are this
/// class, run by the change itself and by whoever next finds the mark: a later PATCH, DELETE or GET,
/// or the dispatcher when it is about to send a check-in of a marked event, or finds an index row that
/// does not match its check-in.
/// </summary>
public sealed class PendingChanges(EventStore store, DueCheckInIndex dueIndex, ILogger<PendingChanges> logger)
{
    private const int MaxTries = 5;

    /// <summary>
    /// Finishes the change the event is marked with, if any. A check-in that is no longer waiting (a
    /// dispatch run holds it, or it is finished) is left as it is: a run claims a check-in only after
    /// reading the event without a mark, so one holding it decided to send before the change was
    /// written, and the change comes after that send. Safe to run any number of times, by anyone, at once. True if
    /// there was a change to finish.
    /// </summary>
    public async Task<bool> RollForwardAsync(string eventId, CancellationToken cancellationToken)
    {
        // The cheap look first: the dispatcher asks for every index row that does not match.
        if ((await store.GetEventAsync(eventId, cancellationToken))?.PendingChange is null)
        {
            return false;
        }

        for (var attempt = 1; ; attempt++)
        {
            var found = await store.GetWithChangesAsync(eventId, cancellationToken);
            if (found is not { Event.PendingChange: { } changeId } f)
            {
                return true;
            }

            var leftAlone = 0;
            foreach (var change in f.Changes.Where(c => c.ChangeId == changeId))
            {
                var current = f.CheckIns.FirstOrDefault(c => c.Id == change.CheckInId);
                var after = await ApplyAsync(f.Event, change, current, cancellationToken);
                if (after is { Status: CheckInStatus.Sending } && change.What != CheckInChangeKind.Add && Changed(after, change) is not null)
                {
                    leftAlone++;
                    ScheduleLog.ChangeLeftAlone(logger, eventId, change.CheckInId);
                }

                // The old row goes only once the check-in no longer matches it (as the dispatcher judges
                // a row): a check-in a dispatch run holds keeps the row that lets it be found again.
                if (change.OldNextAttemptAt is { } old && (after is null || after.IsFinished || !StoredTime.SameInstant(after.NextAttemptAt, old)))
                {
                    await dueIndex.RemoveAsync(new DueEntry(eventId, change.CheckInId, old), cancellationToken);
                }
            }

            if (await store.EndChangeAsync(f.Event, f.Changes, cancellationToken))
            {
                ScheduleLog.ChangeFinished(logger, eventId, changeId, leftAlone);
                return true;
            }

            if (attempt == MaxTries)
            {
                throw new RequestFailedException(StatusCodes.Status503ServiceUnavailable, $"Event {eventId}: the change could not be finished for contention; it will be finished by the next reader.");
            }
        }
    }

    /// <summary>Brings one check-in to what the change says, if it is still waiting; returns it as it now is.</summary>
    private async Task<CheckInRecord?> ApplyAsync(EventRecord record, CheckInChange change, CheckInRecord? current, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (change.What == CheckInChangeKind.Add)
                {
                    if (current is not null)
                    {
                        return current;
                    }

                    var added = EventMapping.AddedCheckIn(record.Id, change);
                    return await store.AddCheckInAsync(added, cancellationToken) ? added : await store.GetCheckInAsync(record.Id, change.CheckInId, cancellationToken);
                }

                if (current is not { Status: CheckInStatus.Scheduled } || Changed(current, change) is not { } changed)
                {
                    return current;
                }

                return await store.UpdateCheckInAsync(changed, cancellationToken);
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() && attempt < MaxTries)
            {
                // A dispatch run or a STOP got there first: look again, the change may no longer apply.
                current = await store.GetCheckInAsync(record.Id, change.CheckInId, cancellationToken);
            }
        }
    }

    /// <summary>The check-in as the change wants it; null if it already is.</summary>
    private static CheckInRecord? Changed(CheckInRecord current, CheckInChange change)
    {
        if (change.What == CheckInChangeKind.Remove)
        {
            return current with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.Removed };
        }

        var moves = change.DueAt is { } due && !StoredTime.SameInstant(due, current.DueAt);
        var to = change.To ?? current.To;
        var channel = change.Channel ?? current.Channel;
        var awaitsReply = change.AwaitsReply ?? current.AwaitsReply;
        if (!moves && current.Message == change.Message && current.Timing == change.Timing && to == current.To && channel == current.Channel && awaitsReply == current.AwaitsReply)
        {
            return null;
        }

        current = current with { To = to, Channel = channel, AwaitsReply = awaitsReply };
        return moves
            ? current with
            {
                Message = change.Message!,
                Timing = change.Timing!,
                DueAt = change.DueAt!.Value,
                NextAttemptAt = change.DueAt.Value,
                Reason = null,
                MovedAt = change.MovedAt,
            }
            : current with { Message = change.Message!, Timing = change.Timing! };
    }
}

/// <summary>What finishing a change logs (event ids 504-505, in the events range they were given).</summary>
internal static partial class ScheduleLog
{
    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "Event {EventId}: change {ChangeId} finished ({LeftAlone} check-ins were already being sent and kept as they were)")]
    public static partial void ChangeFinished(ILogger logger, string eventId, string changeId, int leftAlone);

    [LoggerMessage(EventId = 505, Level = LogLevel.Warning, Message = "Event {EventId}: check-in {CheckInId} was being sent when the change reached it, and kept as it was")]
    public static partial void ChangeLeftAlone(ILogger logger, string eventId, string checkInId);
}

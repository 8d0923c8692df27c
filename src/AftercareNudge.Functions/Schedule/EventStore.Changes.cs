using System.Text.Json;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

// The journal of a change in progress (see PendingChanges): one row per check-in the change touches
// (row key "change-<check-in id>"), in the event's partition, written in the same transaction as the
// event's new fields and its PendingChange mark, and deleted in the same transaction that clears it.

/// <summary>
/// What a change does to an armed check-in's safety net: writes it as <see cref="Net"/> (armed anew when
/// it has no ETag, else moved or re-armed, as it was read), or removes it (the check-in is removed).
/// </summary>
public sealed record NetChange(AwaitedReply Net, bool Removes = false);

public sealed partial class EventStore
{
    private const string ChangeRowPrefix = "change-";

    /// <summary>
    /// Commits a change: the event's new fields with its <see cref="EventRecord.PendingChange"/> mark,
    /// the journal, and the safety nets the change arms, moves or removes (<paramref name="nets"/>), all
    /// or nothing, and only if the event still has <paramref name="record"/>'s ETag and each net its own
    /// (a <see cref="RequestFailedException"/> with status 412 otherwise; a net armed anew must not exist
    /// yet, a 409). A net is the answer's fence: written with the event, it is never out of step with it.
    /// </summary>
    public async Task BeginChangeAsync(EventRecord record, IReadOnlyList<CheckInChange> changes, CancellationToken cancellationToken, IReadOnlyList<NetChange>? nets = null)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, ToEntity(record), record.ETag) };
        actions.AddRange(changes.Select(c => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(record.Id, c))));
        actions.AddRange((nets ?? []).Select(n => n switch
        {
            { Removes: true } => new TableTransactionAction(TableTransactionActionType.Delete, ToEntity(n.Net), n.Net.ETag),
            { Net.ETag: var etag } when etag == default => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(n.Net)),
            _ => new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(n.Net), n.Net.ETag),
        }));
        await table.SubmitTransactionAsync(actions, cancellationToken);
    }

    /// <summary>The event, its check-ins and the journal of the change it is marked with; null if there is no such event.</summary>
    public async Task<(EventRecord Event, IReadOnlyList<CheckInRecord> CheckIns, IReadOnlyList<CheckInChange> Changes)?> GetWithChangesAsync(string eventId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        EventRecord? record = null;
        var checkIns = new List<CheckInRecord>();
        var changes = new List<CheckInChange>();
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {eventId}"), cancellationToken: cancellationToken))
        {
            if (entity.RowKey == EventRow)
            {
                record = ToEventRecord(entity);
            }
            else if (entity.RowKey.StartsWith(CheckInRowPrefix, StringComparison.Ordinal))
            {
                checkIns.Add(ToCheckInRecord(entity));
            }
            else if (entity.RowKey.StartsWith(ChangeRowPrefix, StringComparison.Ordinal))
            {
                changes.Add(JsonSerializer.Deserialize<CheckInChange>(entity.GetString("Change"), Json)!);
            }
        }

        return record is null ? null : (record, checkIns.OrderBy(c => c.Position).ToList(), changes);
    }

    /// <summary>
    /// Clears the event's change mark and deletes the journal rows, all or nothing, only if the event
    /// still has <paramref name="record"/>'s ETag. False if someone changed the event (or cleared the
    /// journal) first.
    /// </summary>
    public async Task<bool> EndChangeAsync(EventRecord record, IEnumerable<CheckInChange> journal, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.UpdateReplace, ToEntity(record with { PendingChange = null }), record.ETag) };
        actions.AddRange(journal.Select(c => new TableTransactionAction(TableTransactionActionType.Delete, new TableEntity(record.Id, ChangeRowPrefix + c.CheckInId), ETag.All)));
        try
        {
            await table.SubmitTransactionAsync(actions, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            return false;
        }
    }

    /// <summary>Adds a check-in; false if it is there already.</summary>
    public async Task<bool> AddCheckInAsync(CheckInRecord checkIn, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        try
        {
            await table.AddEntityAsync(ToEntity(checkIn), cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            return false;
        }
    }

    private static TableEntity ToEntity(string eventId, CheckInChange change) => new(eventId, ChangeRowPrefix + change.CheckInId)
    {
        ["Change"] = JsonSerializer.Serialize(change, Json),
    };
}

using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

/// <summary>A reply row as stored: its row key (to delete it), the check-in it answers, and what it says.</summary>
public sealed record StoredReply(string RowKey, string CheckInId, string Body, DateTimeOffset ReceivedAt);

/// <summary>Every row of an event's partition, in one query: for reading the event (<see cref="EventStore.GetAsync"/>) and for deleting its content (see <c>Privacy.EventPurge</c>, <c>Privacy.AddressErasure</c>).</summary>
/// <param name="Awaited">The safety nets of armed check-ins (their note and duress word go with the content: <see cref="EventStore.AwaitRowKey"/>).</param>
public sealed record EventRows(EventRecord Event, IReadOnlyList<CheckInRecord> CheckIns, IReadOnlyList<StoredReply> Replies, IReadOnlyList<string> ChangeRows, IReadOnlyList<AwaitedReply> Awaited);

// What the privacy feature needs of the Events table: every row of an event, and the writes that
// delete content without touching what the dispatcher and the delivery reports work with.
public sealed partial class EventStore
{
    private const int MaxBatch = 100;

    /// <summary>The event and every other row of its partition (check-ins, replies, a change journal); null if there is no such event.</summary>
    public async Task<EventRows?> GetRowsAsync(string eventId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        EventRecord? record = null;
        var checkIns = new List<CheckInRecord>();
        var replies = new List<StoredReply>();
        var changes = new List<string>();
        var awaits = new List<AwaitedReply>();
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
            else if (entity.RowKey.StartsWith(ReplyRowPrefix, StringComparison.Ordinal))
            {
                replies.Add(new StoredReply(entity.RowKey, entity.GetString("CheckInId"), entity.GetString("Body") ?? "", entity.GetDateTimeOffset("ReceivedAt") ?? default));
            }
            else if (entity.RowKey.StartsWith(ChangeRowPrefix, StringComparison.Ordinal))
            {
                changes.Add(entity.RowKey);
            }
            else if (entity.RowKey.StartsWith(AwaitRowPrefix, StringComparison.Ordinal))
            {
                awaits.Add(ToAwaitedReply(entity));
            }
        }

        return record is null ? null : new EventRows(record, checkIns.OrderBy(c => c.Position).ToList(), replies, changes, awaits);
    }

    /// <summary>
    /// Empties the messages of finished check-ins and gives them the recipient keys in
    /// <paramref name="newTo"/>, merging only those two fields, in transactions of a hundred. Merged
    /// unconditionally on purpose: every other writer of a check-in replaces it conditionally on its
    /// ETag, so one that read the old message gets 412 and reads it again rather than restoring it.
    /// </summary>
    public async Task ScrubCheckInsAsync(string eventId, IReadOnlyList<(string CheckInId, string To)> newTo, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        foreach (var chunk in newTo.Chunk(MaxBatch))
        {
            await table.SubmitTransactionAsync(
                chunk.Select(c => new TableTransactionAction(
                    TableTransactionActionType.UpdateMerge,
                    new TableEntity(eventId, CheckInRowPrefix + c.CheckInId) { ["Message"] = "", ["To"] = c.To },
                    ETag.All)),
                cancellationToken);
        }
    }

    /// <summary>Deletes rows of the event's partition (replies, a journal); one already gone is no error. Returns how many this call deleted.</summary>
    public async Task<int> DeleteRowsAsync(string eventId, IEnumerable<string> rowKeys, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var deleted = 0;
        foreach (var rowKey in rowKeys)
        {
            if (await table.TryDeleteAsync(eventId, rowKey, ETag.All, cancellationToken))
            {
                deleted++;
            }
        }

        return deleted;
    }
}

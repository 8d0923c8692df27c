using System.Globalization;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

/// <summary>
/// One pending check-in in the due index, at <see cref="Schedule.CheckInRecord.NextAttemptAt"/>: when the
/// dispatcher should next look at it (its due time, until a retry or quiet hours move it on).
/// </summary>
/// <remarks>
/// <see cref="ClientId"/> is the client app whose event it is, so that a scheduler can share a burst
/// between clients; rows written before it was kept, and entries made without it, have none.
/// </remarks>
public sealed record DueEntry(string EventId, string CheckInId, DateTimeOffset NextAttemptAt, string? ClientId = null);

/// <summary>
/// A due-index row as the scheduler sees it: the entry, and until when a message for it is on the send
/// queue (null: never enqueued, or written again since).
/// </summary>
public sealed record DueRow(DueEntry Entry, DateTimeOffset? EnqueuedUntil, ETag ETag);

/// <summary>
/// The secondary index that makes "everything due now" cheap. A row per pending check-in, in one of
/// <see cref="Shards"/> partitions (spreading writes), with a row key that starts with the due instant
/// in ticks so that rows sort by time. A dispatch run asks each shard for row keys below "now", so it
/// reads only due rows however many are scheduled later, and however long ago they became due. A
/// row leaves the index when its check-in is finished.
/// </summary>
public sealed class DueCheckInIndex(AppTables tables)
{
    public const int Shards = 4;
    private const string EnqueuedUntil = "EnqueuedUntil";
    private const int MaxBatch = 100;

    public static string Partition(string checkInId)
    {
        // FNV-1a: a stable hash (string.GetHashCode differs between processes).
        var hash = 2166136261u;
        foreach (var c in checkInId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return "due-" + (hash % Shards).ToString(CultureInfo.InvariantCulture);
    }

    public static string RowKey(DueEntry entry) =>
        TimeKeys.Row(entry.NextAttemptAt, entry.EventId, entry.CheckInId);

    /// <summary>Writes the rows, one transaction per shard and hundred; safe to repeat.</summary>
    public async Task AddAsync(IEnumerable<DueEntry> entries, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.DueCheckIns, cancellationToken);
        foreach (var shard in entries.GroupBy(e => Partition(e.CheckInId)))
        {
            foreach (var chunk in shard.Chunk(MaxBatch))
            {
                var actions = chunk.Select(e => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(e))).ToList();
                await table.SubmitTransactionAsync(actions, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Every row due at or before <paramref name="now"/>, oldest first across all shards (the shards'
    /// ordered streams are merged), so that a backlog in one shard never starves the others.
    /// </summary>
    public async IAsyncEnumerable<DueEntry> ReadDueAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var row in ReadDueRowsAsync(now, cancellationToken))
        {
            yield return row.Entry;
        }
    }

    /// <summary>The same rows as <see cref="ReadDueAsync"/>, with until when each is enqueued.</summary>
    public async IAsyncEnumerable<DueRow> ReadDueRowsAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.DueCheckIns, cancellationToken);

        var shards = new List<IAsyncEnumerator<TableEntity>>();
        try
        {
            for (var shard = 0; shard < Shards; shard++)
            {
                var partition = "due-" + shard.ToString(CultureInfo.InvariantCulture);
                var filter = TimeKeys.DueBy(partition, now);
                var rows = table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
                if (await rows.MoveNextAsync())
                {
                    shards.Add(rows);
                }
                else
                {
                    await rows.DisposeAsync();
                }
            }

            while (shards.Count > 0)
            {
                var oldest = shards.MinBy(r => r.Current.RowKey, StringComparer.Ordinal)!;
                yield return new DueRow(ToEntry(oldest.Current), oldest.Current.GetDateTimeOffset(EnqueuedUntil), oldest.Current.ETag);
                if (!await oldest.MoveNextAsync())
                {
                    shards.Remove(oldest);
                    await oldest.DisposeAsync();
                }
            }
        }
        finally
        {
            foreach (var rows in shards)
            {
                await rows.DisposeAsync();
            }
        }
    }

    // The time comes from the row key, exactly as written (a stored date may lose precision).
    private static DueEntry ToEntry(TableEntity entity) =>
        new(entity.GetString("EventId"), entity.GetString("CheckInId"), new DateTimeOffset(long.Parse(entity.RowKey.AsSpan(0, 19), CultureInfo.InvariantCulture), TimeSpan.Zero), entity.GetString("ClientId"));

    /// <summary>
    /// Records that a message for the row is on the send queue until <paramref name="until"/>, unless the
    /// row changed since it was read (another scheduler marked it, or it was written again). False then,
    /// or if the row is gone: the message sent meanwhile is a duplicate the claim makes harmless.
    /// </summary>
    public async Task<bool> MarkEnqueuedAsync(DueRow row, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.DueCheckIns, cancellationToken);
        try
        {
            var entity = new TableEntity(Partition(row.Entry.CheckInId), RowKey(row.Entry)) { [EnqueuedUntil] = until };
            await table.UpdateEntityAsync(entity, row.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            return false;
        }
    }

    public async Task RemoveAsync(DueEntry entry, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.DueCheckIns, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(Partition(entry.CheckInId), RowKey(entry), ETag.All, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            // Another run removed it first.
        }
    }


    // The time is in the row key alone. Rows written before carry a DueAt column too, which nothing reads.
    // Written again (UpsertReplace), a row loses its EnqueuedUntil and is enqueued once more: harmless.
    private static TableEntity ToEntity(DueEntry e) => new(Partition(e.CheckInId), RowKey(e))
    {
        ["EventId"] = e.EventId,
        ["CheckInId"] = e.CheckInId,
        ["ClientId"] = e.ClientId,
    };
}

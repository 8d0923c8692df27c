using System.Globalization;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

/// <summary>One event in the purge index: when to look at it next.</summary>
public sealed record PurgeEntry(string EventId, DateTimeOffset DueAt, ETag ETag = default);

/// <summary>
/// Which event's content may be deleted when, so that a purge run costs what is due, not what is
/// stored: rows keyed by the due instant in ticks (then the event id), and a run asks for row keys
/// below "now". One row per event, written at registration; when it comes due, <c>Privacy.EventPurge</c>
/// either deletes the content or moves the row to a later time (a PATCH may have moved the last
/// check-in, which is why PATCH itself never has to touch this index). One partition: one write per
/// registration is far below a partition's limits.
/// </summary>
public sealed class PurgeIndex(AppTables tables)
{
    /// <summary>The moment after which nothing more of the event happens: its end or its last check-in's latest time.</summary>
    public static DateTimeOffset LastActivity(EventRecord record, IEnumerable<CheckInRecord> checkIns)
    {
        ArgumentNullException.ThrowIfNull(record);
        var last = record.EndsAtUtc;
        foreach (var c in checkIns)
        {
            last = Later(last, Later(c.DueAt, Later(c.NextAttemptAt, c.SentAt ?? c.DueAt)));
        }

        return last;
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private const string Partition = "purge";

    public async Task AddAsync(PurgeEntry entry, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.PurgeIndex, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(Partition, RowKey(entry)) { ["EventId"] = entry.EventId }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Every row due at or before <paramref name="now"/>, oldest first, each with its ETag.</summary>
    public async IAsyncEnumerable<PurgeEntry> ReadDueAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.PurgeIndex, cancellationToken);
        var filter = TimeKeys.DueBy(Partition, now);
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return new PurgeEntry(
                row.GetString("EventId"),
                new DateTimeOffset(long.Parse(row.RowKey.AsSpan(0, 19), CultureInfo.InvariantCulture), TimeSpan.Zero),
                row.ETag);
        }
    }

    /// <summary>
    /// Removes the row if nobody changed it since it was read (with its ETag); true if this call removed
    /// it. Another run that removed or rewrote it first wins, harmlessly.
    /// </summary>
    public async Task<bool> RemoveAsync(PurgeEntry entry, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.PurgeIndex, cancellationToken);
        try
        {
            return await table.TryDeleteAsync(Partition, RowKey(entry), entry.ETag == default ? ETag.All : entry.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return false;
        }
    }

    /// <summary>The new row first, then the old one: a crash in between leaves two rows, and the earlier one only looks again.</summary>
    public async Task MoveAsync(PurgeEntry from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await AddAsync(new PurgeEntry(from.EventId, to), cancellationToken);
        await RemoveAsync(from, cancellationToken);
    }

    private static string RowKey(PurgeEntry entry) => TimeKeys.Row(entry.DueAt, entry.EventId);

}

using System.Globalization;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

/// <summary>
/// One row of a client's event index: which event starts when, and whose it is, as address keys (the
/// hash <see cref="AddressKeys.For"/> makes), never the address. <see cref="WrittenAt"/> says how
/// old the row is, so that a row a registration or a PATCH wrote a moment ago is not taken for stale.
/// </summary>
public sealed record ClientEventEntry(
    string ClientId,
    string EventId,
    DateTimeOffset StartsAt,
    string? OrganizerSms,
    string? OrganizerEmail,
    DateTimeOffset WrittenAt,
    ETag ETag = default)
{
    public string RowKey => ClientEventIndex.RowKey(StartsAt, EventId);
}

/// <summary>
/// Every event of a client in start order, so that <c>GET /api/events</c> is one range query
/// (partition: the client id; row key: the start instant in ticks, <c>_</c>, the event id). Events live
/// in a partition each, so without this a list would scan the whole table. Written before the event
/// (registration) or before it moves (a PATCH writes the new row, then the event, then deletes the old
/// row), so an event always has its row; a row whose event does not exist, was purged, or starts at
/// another time is skipped when read, and deleted once it is older than <see cref="StaleAfter"/> (a
/// younger one may belong to a registration or a change still being written). The purge deletes an
/// event's row; erasure of its organiser's address rewrites it without that address's key. Events
/// stored before this index existed get their rows once per client (<see cref="BackfillMarker"/>).
/// </summary>
public sealed class ClientEventIndex(AppTables tables, TimeProvider time)
{
    /// <summary>The row that says the client's events stored before this index have their rows; sorts after every event row.</summary>
    public const string BackfillMarker = "~backfilled";

    /// <summary>Every event row sorts below this (they start with digits), the marker above.</summary>
    private const string RowsEnd = "~";

    private const int MaxBatch = 100;

    /// <summary>A row younger than this that disagrees with its event may be a write still in progress: it is skipped, not deleted.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(15);

    /// <summary>The row key of an event starting at <paramref name="startsAt"/>, to the millisecond the Events table keeps, so that a row made from an event in memory and one made from it as stored agree.</summary>
    public static string RowKey(DateTimeOffset startsAt, string eventId) => TimeKey(StoredTime.WholeMilliseconds(startsAt)) + "_" + eventId;

    /// <summary>The lowest row key of an event that starts after <paramref name="instant"/>, exclusive: every row of a later start sorts above it, every row of that instant below.</summary>
    public static string AfterKey(DateTimeOffset instant) => TimeKey(instant) + "_~";

    /// <summary>Whether <paramref name="rowKey"/> has the shape of an event row (the start in ticks, <c>_</c>, an event id).</summary>
    public static bool IsRowKey(string rowKey) =>
        rowKey.Length > 20
        && rowKey[19] == '_'
        && !rowKey.AsSpan(0, 19).ContainsAnyExcept("0123456789")
        && Ids.IsEventId(rowKey[20..]);

    /// <summary>The row for the event as it is (its start, its organiser's address keys), written over whatever that row held.</summary>
    public async Task AddAsync(EventRecord record, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        await table.UpsertEntityAsync(ToEntity(record), TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Rows for many events of one client, in transactions of a hundred.</summary>
    public async Task AddManyAsync(string clientId, IEnumerable<EventRecord> records, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        foreach (var chunk in records.Where(r => r.ClientId == clientId).Chunk(MaxBatch))
        {
            await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(r))), cancellationToken);
        }
    }

    /// <summary>The event's row at the start it has in <paramref name="record"/>, with its ETag; null if there is none.</summary>
    public async Task<ClientEventEntry?> GetAsync(EventRecord record, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(record.ClientId, RowKey(record.StartsAtUtc, record.Id), cancellationToken: cancellationToken);
        return found.HasValue ? ToEntry(found.Value!) : null;
    }

    /// <summary>Deletes the event's row at the start it has in <paramref name="record"/>; one already gone is no error.</summary>
    public async Task RemoveAsync(EventRecord record, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        await table.TryDeleteAsync(record.ClientId, RowKey(record.StartsAtUtc, record.Id), ETag.All, cancellationToken);
    }

    /// <summary>
    /// Deletes a row as it was read (its ETag): a row someone wrote again since (a PATCH moving the event
    /// back to that start) stays. True if this call deleted it.
    /// </summary>
    public async Task<bool> RemoveAsync(ClientEventEntry entry, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        try
        {
            return await table.TryDeleteAsync(entry.ClientId, entry.RowKey, entry.ETag == default ? ETag.All : entry.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return false;
        }
    }

    /// <summary>Writes the row again from its event (its organiser's keys as they now are), only if it is still as it was read.</summary>
    public async Task RefreshAsync(ClientEventEntry entry, EventRecord record, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        try
        {
            await table.UpdateEntityAsync(ToEntity(record), entry.ETag == default ? ETag.All : entry.ETag, TableUpdateMode.Replace, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            // Someone wrote or deleted it first: theirs is newer.
        }
    }

    /// <summary>
    /// The client's rows with a row key above <paramref name="after"/>, in start order: at most
    /// <paramref name="limit"/>, in one query request (a query page holds up to 1,000 rows), and whether
    /// more follow.
    /// </summary>
    public async Task<(IReadOnlyList<ClientEventEntry> Rows, bool More)> ReadAsync(string clientId, string after, int limit, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {clientId} and RowKey gt {after} and RowKey lt {RowsEnd}");
        var rows = new List<ClientEventEntry>();

        // One more than asked, to know whether more follow, in the same request.
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: limit + 1, cancellationToken: cancellationToken))
        {
            if (rows.Count == limit)
            {
                return (rows, true);
            }

            if (IsRowKey(row.RowKey))
            {
                rows.Add(ToEntry(row));
            }
        }

        return (rows, false);
    }

    /// <summary>Whether the client's events stored before this index have their rows (the marker is there).</summary>
    public async Task<bool> IsBackfilledAsync(string clientId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        return (await table.GetEntityIfExistsAsync<TableEntity>(clientId, BackfillMarker, cancellationToken: cancellationToken)).HasValue;
    }

    public async Task MarkBackfilledAsync(string clientId, int rows, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientEvents, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(clientId, BackfillMarker) { ["At"] = time.GetUtcNow(), ["Rows"] = rows }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The organiser's address keys (an address erased from the organiser has none).</summary>
    public static (string? Sms, string? Email) OrganizerKeys(Participant organizer) => (
        organizer.Phone is { } phone ? AddressKeys.For(Channel.Sms, phone) : null,
        organizer.Email is { } email ? AddressKeys.For(Channel.Email, email) : null);

    private TableEntity ToEntity(EventRecord record)
    {
        var (sms, email) = OrganizerKeys(record.Organizer);
        return new TableEntity(record.ClientId, RowKey(record.StartsAtUtc, record.Id))
        {
            ["EventId"] = record.Id,
            ["OrganizerSms"] = sms,
            ["OrganizerEmail"] = email,
            ["WrittenAt"] = time.GetUtcNow(),
        };
    }

    // The start comes from the row key, exactly as written (a stored date may lose precision).
    private static ClientEventEntry ToEntry(TableEntity row) => new(
        row.PartitionKey,
        row.RowKey[20..],
        new DateTimeOffset(long.Parse(row.RowKey.AsSpan(0, 19), CultureInfo.InvariantCulture), TimeSpan.Zero),
        row.GetString("OrganizerSms"),
        row.GetString("OrganizerEmail"),
        row.GetDateTimeOffset("WrittenAt") ?? DateTimeOffset.MinValue,
        row.ETag);

    private static string TimeKey(DateTimeOffset instant) => TimeKeys.Of(instant);
}

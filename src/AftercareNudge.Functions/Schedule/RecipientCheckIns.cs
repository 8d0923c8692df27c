using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

/// <summary>One check-in addressed to an address: where to find it, and whether it is armed (waits for an answer: see <see cref="AwaitedReply"/>).</summary>
public sealed record RecipientCheckIn(string EventId, string CheckInId, bool AwaitsReply = false);

/// <summary>
/// Which check-ins go to an address (partition: the address key, as in the consent tables), so that a
/// STOP can cancel what is pending for a number across every event, and a free-text reply can find
/// the check-in it answers. Written before the event, like the due index: a row whose event was never
/// written finds nothing and harms nothing.
/// </summary>
public sealed class RecipientCheckIns(AppTables tables)
{
    private const int MaxBatch = 100;

    public async Task AddAsync(EventRecord record, IEnumerable<CheckInRecord> checkIns, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.RecipientCheckIns, cancellationToken);
        var rows = checkIns
            .Select(c => (CheckIn: c, Address: record.Find(c.To)?.Address(c.Channel)))
            .Where(x => x.Address is not null)
            .Select(x => new TableEntity(AddressKeys.For(x.CheckIn.Channel, x.Address!), x.CheckIn.EventId + "_" + x.CheckIn.Id)
            {
                ["EventId"] = x.CheckIn.EventId,
                ["CheckInId"] = x.CheckIn.Id,
            });
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(MaxBatch))
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertMerge, r)), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Marks a check-in to an address as armed, so that a message from the address is first offered
    /// to it as an answer. Merged: the row may be written before or after this, in any order.
    /// </summary>
    public async Task MarkAwaitingAsync(Channel channel, string address, string eventId, string checkInId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.RecipientCheckIns, cancellationToken);
        await table.UpsertEntityAsync(
            new TableEntity(AddressKeys.For(channel, address), eventId + "_" + checkInId) { ["EventId"] = eventId, ["CheckInId"] = checkInId, ["AwaitsReply"] = true },
            TableUpdateMode.Merge,
            cancellationToken);
    }

    public async Task<IReadOnlyList<RecipientCheckIn>> ForAddressAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.RecipientCheckIns, cancellationToken);
        var found = new List<RecipientCheckIn>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AddressKeys.For(channel, address)}"), cancellationToken: cancellationToken))
        {
            found.Add(new RecipientCheckIn(row.GetString("EventId"), row.GetString("CheckInId"), row.GetBoolean("AwaitsReply") == true));
        }

        return found;
    }

    /// <summary>
    /// Forgets which of an event's check-ins went to an address (when the event is purged, or the
    /// address erased). Returns how many rows this call removed.
    /// </summary>
    public async Task<int> RemoveEventAsync(string addressKey, string eventId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.RecipientCheckIns, cancellationToken);

        // Row keys are "<event id>_<check-in id>": the event's rows sort between "<id>_" and "<id>`".
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {addressKey} and RowKey ge {eventId + "_"} and RowKey lt {eventId + "`"}");
        var removed = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (await table.TryDeleteAsync(addressKey, row.RowKey, ETag.All, cancellationToken))
            {
                removed++;
            }
        }

        return removed;
    }
}

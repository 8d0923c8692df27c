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

    /// <param name="armed">The ids of the check-ins that wait for an answer: their rows are marked (<see cref="RecipientCheckIn.AwaitsReply"/>) in the same write.</param>
    public async Task AddAsync(EventRecord record, IEnumerable<CheckInRecord> checkIns, CancellationToken cancellationToken, IReadOnlySet<string>? armed = null)
    {
        var table = await tables.GetAsync(AppTables.RecipientCheckIns, cancellationToken);
        var rows = checkIns
            .Select(c => (CheckIn: c, Address: record.Find(c.To)?.Address(c.Channel)))
            .Where(x => x.Address is not null)
            .Select(x =>
            {
                var row = new TableEntity(AddressKeys.For(x.CheckIn.Channel, x.Address!), x.CheckIn.EventId + "_" + x.CheckIn.Id)
                {
                    ["EventId"] = x.CheckIn.EventId,
                    ["CheckInId"] = x.CheckIn.Id,
                };

                // Merged, and only ever set: a row marked before (a retried registration) stays marked.
                if (armed?.Contains(x.CheckIn.Id) == true)
                {
                    row["AwaitsReply"] = true;
                }

                return row;
            });
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(MaxBatch))
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertMerge, r)), cancellationToken);
            }
        }
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

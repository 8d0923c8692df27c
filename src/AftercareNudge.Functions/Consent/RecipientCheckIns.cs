using AftercareNudge.Events;
using AftercareNudge.Storage;
using Azure.Data.Tables;

namespace AftercareNudge.Consent;

/// <summary>One check-in addressed to an address: where to find it.</summary>
public sealed record RecipientCheckIn(string EventId, string CheckInId);

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
            .Select(x => new TableEntity(ConsentStore.AddressKey(x.CheckIn.Channel, x.Address!), x.CheckIn.EventId + "_" + x.CheckIn.Id)
            {
                ["EventId"] = x.CheckIn.EventId,
                ["CheckInId"] = x.CheckIn.Id,
            });
        foreach (var partition in rows.GroupBy(r => r.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(MaxBatch))
            {
                await table.SubmitTransactionAsync(chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, r)), cancellationToken);
            }
        }
    }

    public async Task<IReadOnlyList<RecipientCheckIn>> ForAddressAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.RecipientCheckIns, cancellationToken);
        var found = new List<RecipientCheckIn>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ConsentStore.AddressKey(channel, address)}"), cancellationToken: cancellationToken))
        {
            found.Add(new RecipientCheckIn(row.GetString("EventId"), row.GetString("CheckInId")));
        }

        return found;
    }
}

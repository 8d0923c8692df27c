using System.Globalization;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Consent;

/// <summary>A slot of the daily cap that one consent request holds (its row and the ETag of the claim).</summary>
public sealed record ConsentRequestSlot(string AddressKey, string RowKey, ETag ETag);

/// <summary>
/// The cap of <see cref="ConsentStore.MaxRequestsPerDay"/> consent requests per address in 24 hours,
/// from everyone together, claimed before a request is sent. Each address has that many slot rows
/// (<c>ConsentRequestSlots</c>, partition: the address key, rows <c>slot-0</c>…); a request takes a
/// slot that is absent (an insert: a 409 means another request took it) or was claimed more than 24
/// hours ago (an update conditional on its ETag: a 412 means another took it). Only one request can
/// win each slot, whichever instance it runs on, so the cap holds under any concurrency. A request
/// whose send the provider refused (transient, permanent, opted out) gives its slot back; one that
/// may have been sent (ambiguous) keeps it.
/// </summary>
public sealed class ConsentRequestCap(AppTables tables, ConsentStore consents, TimeProvider time)
{
    private const string SlotPrefix = "slot-";

    /// <summary>A free slot for one request to this address, claimed; null when the day has none left.</summary>
    public async Task<ConsentRequestSlot?> TryClaimAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ConsentRequestSlots, cancellationToken);
        var partition = AddressKeys.For(channel, address);
        var now = time.GetUtcNow();
        var slots = await ReadAsync(table, partition, cancellationToken);
        if (slots.Count == 0 && await SeedFromLedgerAsync(table, channel, address, partition, now, cancellationToken))
        {
            slots = await ReadAsync(table, partition, cancellationToken);
        }

        for (var i = 0; i < ConsentStore.MaxRequestsPerDay; i++)
        {
            var rowKey = SlotPrefix + i.ToString(CultureInfo.InvariantCulture);
            var claim = new TableEntity(partition, rowKey) { ["ClaimedAt"] = now };
            try
            {
                if (!slots.TryGetValue(rowKey, out var slot))
                {
                    var added = await table.AddEntityAsync(claim, cancellationToken);
                    return new ConsentRequestSlot(partition, rowKey, added.Headers.ETag ?? ETag.All);
                }

                if (slot.GetDateTimeOffset("ClaimedAt") is not { } claimedAt || now - claimedAt >= TimeSpan.FromDays(1))
                {
                    var updated = await table.UpdateEntityAsync(claim, slot.ETag, TableUpdateMode.Replace, cancellationToken);
                    return new ConsentRequestSlot(partition, rowKey, updated.Headers.ETag ?? ETag.All);
                }
            }
            catch (RequestFailedException e) when (e.IsConflict() || e.IsPreconditionFailed())
            {
                // Another request took this slot a moment ago: it is in use.
            }
        }

        return null;
    }

    /// <summary>Gives a slot back: its request was not sent. A slot claimed again since (it cannot be, within the day) is left alone.</summary>
    public async Task ReleaseAsync(ConsentRequestSlot slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        var table = await tables.GetAsync(AppTables.ConsentRequestSlots, cancellationToken);
        try
        {
            await table.TryDeleteAsync(slot.AddressKey, slot.RowKey, slot.ETag, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
        }
    }

    /// <summary>Operator erasure: forgets when this address was last asked. Returns how many slot rows were deleted.</summary>
    public async Task<int> ForgetAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ConsentRequestSlots, cancellationToken);
        var partition = AddressKeys.For(channel, address);
        var forgotten = 0;
        foreach (var rowKey in (await ReadAsync(table, partition, cancellationToken)).Keys)
        {
            forgotten += await table.TryDeleteAsync(partition, rowKey, ETag.All, cancellationToken) ? 1 : 0;
        }

        return forgotten;
    }

    private static async Task<Dictionary<string, TableEntity>> ReadAsync(TableClient table, string partition, CancellationToken cancellationToken)
    {
        var slots = new Dictionary<string, TableEntity>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
        {
            slots[row.RowKey] = row;
        }

        return slots;
    }

    /// <summary>
    /// An address with no slot rows may have been asked before slots existed (the ledger's
    /// <c>requested</c> lines counted then): those requests fill slots first, with their own times, so
    /// that the cap holds across the upgrade. Two instances seeding at once write the same rows; the
    /// second one's inserts are refused and change nothing.
    /// </summary>
    private async Task<bool> SeedFromLedgerAsync(TableClient table, Channel channel, string address, string partition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var asked = await consents.RequestTimesSinceAsync(channel, address, now.AddDays(-1), cancellationToken);
        var seeded = false;
        foreach (var (at, i) in asked.Take(ConsentStore.MaxRequestsPerDay).Select((at, i) => (at, i)))
        {
            try
            {
                await table.AddEntityAsync(new TableEntity(partition, SlotPrefix + i.ToString(CultureInfo.InvariantCulture)) { ["ClaimedAt"] = at }, cancellationToken);
                seeded = true;
            }
            catch (RequestFailedException e) when (e.IsConflict())
            {
                seeded = true;
            }
        }

        return seeded;
    }
}

using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

/// <summary>What the address index knows about one address for erasure: this client's events and organisers it dealt with.</summary>
public sealed record AddressRecords(IReadOnlyList<string> EventIds, IReadOnlyList<string> OrganizerIds);

/// <summary>
/// Everything an address is part of, for erasure (partition: the address key, as in the consent
/// tables). <see cref="RecipientCheckIns"/> knows only the check-ins sent to an address; an organiser
/// or a person with no check-in on a channel is in an event too. Rows: <c>ev-&lt;event id&gt;</c> for
/// each event the address is in (deleted when the event is purged), and <c>org-&lt;organiser id&gt;</c>
/// for each organiser it was asked for, with the client, because consent rows and ledger lines name
/// only the organiser (a hash) and erasure is per client. Written at registration, before the event.
/// </summary>
public sealed class AddressIndex(AppTables tables)
{
    private const string EventPrefix = "ev-";
    private const string OrganizerPrefix = "org-";

    public async Task AddAsync(EventRecord record, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.AddressIndex, cancellationToken);
        var partitions = record.Everyone
            .SelectMany(p => p.Channels().Select(c => AddressKeys.For(c, p.Address(c)!)))
            .Distinct(StringComparer.Ordinal);
        await Task.WhenAll(partitions.Select(partition => table.SubmitTransactionAsync(
            [
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, EventPrefix + record.Id)
                {
                    ["ClientId"] = record.ClientId,
                    ["OrganizerId"] = record.OrganizerId,
                }),
                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, OrganizerPrefix + record.OrganizerId)
                {
                    ["ClientId"] = record.ClientId,
                }),
            ],
            cancellationToken)));
    }

    public async Task<AddressRecords> ForClientAsync(string addressKey, string clientId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.AddressIndex, cancellationToken);
        var events = new List<string>();
        var organizers = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {addressKey} and ClientId eq {clientId}"), cancellationToken: cancellationToken))
        {
            if (row.RowKey.StartsWith(EventPrefix, StringComparison.Ordinal))
            {
                events.Add(row.RowKey[EventPrefix.Length..]);
            }
            else if (row.RowKey.StartsWith(OrganizerPrefix, StringComparison.Ordinal))
            {
                organizers.Add(row.RowKey[OrganizerPrefix.Length..]);
            }
        }

        return new AddressRecords(events, organizers);
    }

    /// <summary>Every event the address is part of, of every client (row keys <c>ev-…</c> sort together).</summary>
    public async Task<IReadOnlyList<AddressEvent>> EventsAsync(string addressKey, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.AddressIndex, cancellationToken);
        var found = new List<AddressEvent>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {addressKey} and RowKey ge {EventPrefix} and RowKey lt {"ev."}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            found.Add(new AddressEvent(row.RowKey[EventPrefix.Length..], row.GetString("ClientId") ?? "", row.GetString("OrganizerId") ?? ""));
        }

        return found;
    }

    /// <summary>Forgets that the address was in this event; the number of rows removed (0 or 1).</summary>
    public Task<int> RemoveEventAsync(string addressKey, string eventId, CancellationToken cancellationToken) =>
        RemoveAsync(addressKey, EventPrefix + eventId, cancellationToken);

    public Task<int> RemoveOrganizerAsync(string addressKey, string organizerId, CancellationToken cancellationToken) =>
        RemoveAsync(addressKey, OrganizerPrefix + organizerId, cancellationToken);

    private async Task<int> RemoveAsync(string partition, string row, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.AddressIndex, cancellationToken);
        return await table.TryDeleteAsync(partition, row, ETag.All, cancellationToken) ? 1 : 0;
    }
}

/// <summary>One event an address is part of, with whose it is (for the client webhooks: see <c>Notifications.WebhookNotifications</c>).</summary>
public sealed record AddressEvent(string EventId, string ClientId, string OrganizerId);

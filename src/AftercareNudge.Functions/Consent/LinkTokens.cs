using System.Security.Cryptography;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Consent;

public enum LinkPurpose
{
    Consent,
    Unsubscribe,

    /// <summary>A trusted contact's page: whether they agree to be alerted (issue 23), under their consent id of its own.</summary>
    TrustedContact,
}

/// <summary>What a link token stands for.</summary>
/// <param name="EventId">For a consent link: the event it was sent for, whose aftercare plan the page shows.</param>
/// <param name="PersonKey">For a consent link: who in that event it was sent to.</param>
/// <param name="PlanVersion">The version of the plan the page shows (<see cref="AftercarePlan.Version"/>); null without a plan.</param>
/// <param name="Plan">The shared plan as it was when the link was made: what the page shows and the ledger keeps.</param>
/// <param name="Needs">What the organiser wrote about this person, as it was when the link was made.</param>
public sealed record LinkToken(
    LinkPurpose Purpose,
    Channel Channel,
    string Address,
    string? OrganizerId,
    string? OrganizerName,
    bool ToOrganizer,
    string ShownText,
    DateTimeOffset ExpiresAt,
    string? EventId = null,
    string? PersonKey = null,
    string? PlanVersion = null,
    string? Plan = null,
    string? Needs = null)
{
    /// <summary>Everything the consent page showed, as the ledger keeps it: the page's words, then the plan.</summary>
    public string LedgerText()
    {
        var text = ShownText;
        if (Plan is not null)
        {
            text += "\n\nThe aftercare plan:\n" + Plan;
        }

        if (Needs is not null)
        {
            text += $"\n\nWhat {OrganizerName ?? "the organiser"} wrote about you:\n" + Needs;
        }

        return text;
    }
}

public enum LinkTokenStatus
{
    Valid,
    Unknown,
    Expired,

    /// <summary>A consent link whose plans changed after it was sent: a newer email asks about them as they are now.</summary>
    Superseded,
}

/// <summary>
/// Tokens in the links people get by email: 256 random bits, base64url, single-purpose, expiring.
/// Only a hash of the token is stored, so the table cannot be used to forge links. A consent link's
/// (or a trusted contact's) row holds the plan and what the organiser wrote about the person, so it is also indexed (table
/// <c>LinkTokenIndex</c>) by its event and by its address: the event's purge and the address's
/// erasure delete it without scanning every token. An unsubscribe link holds only the address and a
/// fixed sentence, and is how that address opts out: it is not indexed, and lives until it expires.
/// </summary>
public sealed class LinkTokens(AppTables tables, TimeProvider time)
{
    public static readonly TimeSpan ConsentLifetime = TimeSpan.FromDays(14);

    /// <summary>Long enough to outlive any email it is in: an unsubscribe link must still work when the mail is old.</summary>
    public static readonly TimeSpan UnsubscribeLifetime = TimeSpan.FromDays(400);

    private const string Partition = "token";

    public async Task<string> CreateAsync(LinkToken token, CancellationToken cancellationToken)
    {
        var value = Base64Url(RandomNumberGenerator.GetBytes(32));
        if (token.Purpose != LinkPurpose.Unsubscribe)
        {
            // The index first, like the due index: a crash before the token leaves a row that finds nothing.
            await IndexAsync(token, Hash(value), cancellationToken);
        }

        var table = await tables.GetAsync(AppTables.LinkTokens, cancellationToken);
        await table.AddEntityAsync(
            new TableEntity(Partition, Hash(value))
            {
                ["Purpose"] = token.Purpose.ToString(),
                ["Channel"] = token.Channel.ToString(),
                ["Address"] = token.Address,
                ["OrganizerId"] = token.OrganizerId,
                ["OrganizerName"] = token.OrganizerName,
                ["ToOrganizer"] = token.ToOrganizer,
                ["ShownText"] = token.ShownText,
                ["ExpiresAt"] = token.ExpiresAt,
                ["EventId"] = token.EventId,
                ["PersonKey"] = token.PersonKey,
                ["PlanVersion"] = token.PlanVersion,
                ["Plan"] = token.Plan,
                ["Needs"] = token.Needs,
            },
            cancellationToken);
        return value;
    }

    public async Task<(LinkTokenStatus Status, LinkToken? Token)> FindAsync(string value, LinkPurpose purpose, CancellationToken cancellationToken)
    {
        if (value.Length is < 20 or > 100 || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return (LinkTokenStatus.Unknown, null);
        }

        var table = await tables.GetAsync(AppTables.LinkTokens, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Hash(value), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("Purpose") != purpose.ToString())
        {
            return (LinkTokenStatus.Unknown, null);
        }

        var e = row.Value;
        var token = new LinkToken(
            purpose,
            Enum.Parse<Channel>(e.GetString("Channel")),
            e.GetString("Address"),
            e.GetString("OrganizerId"),
            e.GetString("OrganizerName"),
            e.GetBoolean("ToOrganizer") ?? false,
            e.GetString("ShownText") ?? "",
            e.GetDateTimeOffset("ExpiresAt") ?? default,
            e.GetString("EventId"),
            e.GetString("PersonKey"),
            e.GetString("PlanVersion"),
            e.GetString("Plan"),
            e.GetString("Needs"));
        return token.ExpiresAt <= time.GetUtcNow() ? (LinkTokenStatus.Expired, token)
            : e.GetDateTimeOffset("SupersededAt") is not null ? (LinkTokenStatus.Superseded, token)
            : (LinkTokenStatus.Valid, token);
    }

    private static string Hash(string value) => Sha256Hex.OfAscii(value);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// Marks the consent links sent to this address about this event as superseded: a change made what
    /// they show out of date, and a newer email asks again. Only consent links are indexed, so an
    /// unsubscribe link keeps working.
    /// </summary>
    public async Task SupersedeAsync(Channel channel, string address, string eventId, CancellationToken cancellationToken)
    {
        var index = await tables.GetAsync(AppTables.LinkTokenIndex, cancellationToken);
        var table = await tables.GetAsync(AppTables.LinkTokens, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ByAddress(AddressKeys.For(channel, address))} and EventId eq {eventId}");
        await foreach (var row in index.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            try
            {
                await table.UpdateEntityAsync(new TableEntity(Partition, row.RowKey) { ["SupersededAt"] = time.GetUtcNow() }, ETag.All, TableUpdateMode.Merge, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // An index row whose token is gone (purged, or a crash half way): nothing to mark.
            }
        }
    }

    /// <summary>Deletes the consent links made for an event; returns how many this call deleted.</summary>
    public async Task<int> RemoveForEventAsync(string eventId, CancellationToken cancellationToken)
    {
        var index = await tables.GetAsync(AppTables.LinkTokenIndex, cancellationToken);
        var removed = 0;
        await foreach (var row in index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ByEvent(eventId)}"), cancellationToken: cancellationToken))
        {
            removed += await RemoveAsync(row.RowKey, row.GetString("AddressKey"), eventId, cancellationToken);
        }

        return removed;
    }

    /// <summary>Deletes the consent links sent to an address that <paramref name="which"/> picks (by organiser and event); returns how many this call deleted.</summary>
    public async Task<int> RemoveForAddressAsync(string addressKey, Func<string?, string?, bool> which, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(which);
        var index = await tables.GetAsync(AppTables.LinkTokenIndex, cancellationToken);
        var removed = 0;
        await foreach (var row in index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ByAddress(addressKey)}"), cancellationToken: cancellationToken))
        {
            if (which(row.GetString("OrganizerId"), row.GetString("EventId")))
            {
                removed += await RemoveAsync(row.RowKey, addressKey, row.GetString("EventId"), cancellationToken);
            }
        }

        return removed;
    }

    private async Task IndexAsync(LinkToken token, string hash, CancellationToken cancellationToken)
    {
        var index = await tables.GetAsync(AppTables.LinkTokenIndex, cancellationToken);
        var addressKey = AddressKeys.For(token.Channel, token.Address);
        await index.UpsertEntityAsync(
            new TableEntity(ByAddress(addressKey), hash) { ["OrganizerId"] = token.OrganizerId, ["EventId"] = token.EventId },
            TableUpdateMode.Replace,
            cancellationToken);
        if (token.EventId is not null)
        {
            await index.UpsertEntityAsync(new TableEntity(ByEvent(token.EventId), hash) { ["AddressKey"] = addressKey }, TableUpdateMode.Replace, cancellationToken);
        }
    }

    /// <summary>The token, then its index rows: a crash in between leaves index rows that the next purge or erasure finishes.</summary>
    private async Task<int> RemoveAsync(string hash, string? addressKey, string? eventId, CancellationToken cancellationToken)
    {
        var removed = await DeleteAsync(AppTables.LinkTokens, Partition, hash, cancellationToken);
        if (addressKey is not null)
        {
            await DeleteAsync(AppTables.LinkTokenIndex, ByAddress(addressKey), hash, cancellationToken);
        }

        if (eventId is not null)
        {
            await DeleteAsync(AppTables.LinkTokenIndex, ByEvent(eventId), hash, cancellationToken);
        }

        return removed;
    }

    private async Task<int> DeleteAsync(string tableName, string partition, string row, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(tableName, cancellationToken);
        return await table.TryDeleteAsync(partition, row, ETag.All, cancellationToken) ? 1 : 0;
    }

    private static string ByAddress(string addressKey) => "addr-" + addressKey;

    private static string ByEvent(string eventId) => "event-" + eventId;
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Events;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Consent;

/// <summary>A recipient's decision, with the evidence the ledger keeps: how it was given and the exact text shown.</summary>
/// <param name="How">Where the decision came from: <c>sms:SM…</c> (message SID), <c>web:…</c> (request id), <c>provider:twilio-21610</c>.</param>
public sealed record ConsentDecision(
    Channel Channel,
    string Address,
    string? OrganizerId,
    ConsentState State,
    string How,
    string ShownText);

/// <summary>
/// Consent per recipient address, per organiser, per channel, plus a global opt-out per address.
/// Rows are keyed by a hash of the address (<c>sms-…</c> / <c>email-…</c>), so storage keys carry no
/// phone number or email. Every decision is also appended to the ledger, which is kept: it is how an
/// opt-out is honoured.
/// </summary>
public sealed class ConsentStore(AppTables tables, TimeProvider time)
{
    private const string GlobalRow = "global";

    /// <summary>The organiser a consent is given to: one client's organiser, identified by their own address.</summary>
    public static string OrganizerId(string clientId, Participant organizer)
    {
        var address = organizer.Phone ?? organizer.Email!.ToLowerInvariant();
        return Hash(clientId + "\n" + address)[..32];
    }

    public static string AddressKey(Channel channel, string address) =>
        (channel == Channel.Sms ? "sms-" : "email-") + Hash(channel == Channel.Sms ? address : address.ToLowerInvariant());

    /// <summary>What is in force for this address and organiser: a global opt-out wins over anything given to an organiser.</summary>
    public async Task<ConsentState> GetAsync(Channel channel, string address, string organizerId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var partition = AddressKey(channel, address);
        var organizerRow = OrganizerRow(organizerId);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and (RowKey eq {GlobalRow} or RowKey eq {organizerRow})");
        var state = ConsentState.Pending;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var rowState = Enum.Parse<ConsentState>(row.GetString("State"));
            if (row.RowKey == GlobalRow)
            {
                if (rowState == ConsentState.OptedOut)
                {
                    return ConsentState.OptedOut;
                }
            }
            else
            {
                state = rowState;
            }
        }

        return state;
    }

    /// <summary>Creates the pending record for a newly named recipient; an existing decision is left alone.</summary>
    public async Task EnsurePendingAsync(Channel channel, string address, string organizerId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Consents, cancellationToken);
        try
        {
            await table.AddEntityAsync(
                new TableEntity(AddressKey(channel, address), OrganizerRow(organizerId))
                {
                    ["State"] = ConsentState.Pending.ToString(),
                    ["Channel"] = channel.ToString(),
                    ["UpdatedAt"] = time.GetUtcNow(),
                },
                cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            // Already known: whatever was decided stands.
        }
    }

    /// <summary>
    /// Records a decision: first in the ledger (append-only), then as the state in force. An opt-out with
    /// no organiser is global: it blocks the address for every organiser.
    /// </summary>
    public async Task RecordAsync(ConsentDecision decision, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var partition = AddressKey(decision.Channel, decision.Address);
        var ledger = await tables.GetAsync(AppTables.ConsentLedger, cancellationToken);
        var ledgerRow = (DateTimeOffset.MaxValue.UtcTicks - now.UtcTicks).ToString("D19", CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
        await ledger.AddEntityAsync(
            new TableEntity(partition, ledgerRow)
            {
                ["Channel"] = decision.Channel.ToString(),
                ["Address"] = decision.Address,
                ["OrganizerId"] = decision.OrganizerId,
                ["State"] = decision.State.ToString(),
                ["How"] = decision.How,
                ["ShownText"] = decision.ShownText,
                ["RecordedAt"] = now,
            },
            cancellationToken);

        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var row = decision.OrganizerId is null ? GlobalRow : OrganizerRow(decision.OrganizerId);
        await consents.UpsertEntityAsync(
            new TableEntity(partition, row)
            {
                ["State"] = decision.State.ToString(),
                ["Channel"] = decision.Channel.ToString(),
                ["UpdatedAt"] = now,
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    private static string OrganizerRow(string organizerId) => "org-" + organizerId;

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}

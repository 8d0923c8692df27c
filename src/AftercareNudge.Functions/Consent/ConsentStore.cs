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
    string ShownText,
    string? OrganizerName = null);

/// <summary>
/// One line of the consent ledger. <see cref="Action"/>: requested, granted, declined, opted-out or opted-in.
/// <see cref="OrganizerName"/>: the organiser's name as the request showed it (null when the decision
/// carried none).
/// </summary>
public sealed record ConsentLedgerEntry(
    string Address,
    Channel Channel,
    string? OrganizerId,
    string Action,
    DateTimeOffset RecordedAt,
    string How,
    string ShownText,
    string? OrganizerName = null);

/// <summary>
/// Consent per recipient address, per organiser, per channel, plus a global opt-out per address.
/// Rows are keyed by a hash of the address (<c>sms-…</c> / <c>email-…</c>), so storage keys carry no
/// phone number or email. Every decision is also appended to the ledger, which is kept: it is how an
/// opt-out is honoured.
/// </summary>
public sealed class ConsentStore(AppTables tables, TimeProvider time, Notifications.WebhookNotifications? notifications = null)
{
    /// <summary>Consent requests one address may receive in 24 hours, from every organiser together.</summary>
    public const int MaxRequestsPerDay = 3;

    private const string GlobalRow = "global";
    private const string RequestedAction = "requested";
    private const string OptedInAction = "opted-in";
    private const string OptedOutAction = "opted-out";

    /// <summary>
    /// The organiser a consent is given to: one client's organiser as the recipient saw them, by name
    /// and address. A different name (or phone, or email) is a different organiser and is asked about
    /// again: agreeing to texts from "Sam" is not agreeing to texts from "Kit's bank" on the same number.
    /// The name counts as <see cref="DisplayName"/> folds it, so "sam" and " Sam " are one organiser.
    /// </summary>
    public static string OrganizerId(string clientId, Participant organizer)
    {
        ArgumentNullException.ThrowIfNull(organizer);
        var identity = string.Join(
            "\n",
            clientId,
            organizer.Phone ?? "",
            organizer.Email?.ToLowerInvariant() ?? "",
            DisplayName(organizer.Name));
        return Hash("organizer-v2\n" + identity)[..32];
    }

    /// <summary>A name as a person reads it: compatibility forms folded (NFKC), surrounding and repeated whitespace gone, case ignored.</summary>
    public static string DisplayName(string? name) =>
        string.Join(' ', (name ?? "").Normalize(NormalizationForm.FormKC).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();

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
            var rowState = StateOf(row);
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
        var partition = AddressKey(decision.Channel, decision.Address);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var row = decision.OrganizerId is null ? GlobalRow : OrganizerRow(decision.OrganizerId);
        var state = new TableEntity(partition, row)
        {
            ["State"] = decision.State.ToString(),
            ["Channel"] = decision.Channel.ToString(),
            ["UpdatedAt"] = time.GetUtcNow(),
        };

        // Which write goes first decides what a failure between them leaves behind. An opt-out takes
        // effect first (a STOP must be honoured even if its ledger line fails); anything that allows
        // sending is evidenced first (no grant in force without its ledger line).
        if (decision.State == ConsentState.OptedOut)
        {
            await consents.UpsertEntityAsync(state, TableUpdateMode.Merge, cancellationToken);
            await AppendLedgerAsync(partition, decision.Channel, decision.Address, decision.OrganizerId, ActionOf(decision), decision.How, decision.ShownText, decision.OrganizerName, cancellationToken);
        }
        else
        {
            await AppendLedgerAsync(partition, decision.Channel, decision.Address, decision.OrganizerId, ActionOf(decision), decision.How, decision.ShownText, decision.OrganizerName, cancellationToken);
            await consents.UpsertEntityAsync(state, TableUpdateMode.Merge, cancellationToken);
        }

        // The client apps concerned are told (best effort: it never fails the decision).
        if (notifications is not null && Notifications.NotificationTypes.ForConsent(decision.State) is { } type)
        {
            await notifications.ConsentChangedAsync(decision.Channel, decision.Address, decision.OrganizerId, type, decision.How, CancellationToken.None);
        }
    }

    /// <summary>
    /// Records a consent request that went out: only a request the provider accepted can be answered
    /// by a YES. (The daily cap was claimed before it was sent: <see cref="ConsentRequestCap"/>.)
    /// </summary>
    public async Task RecordRequestAsync(
        Channel channel, string address, string organizerId, string organizerName, string how, string shownText, CancellationToken cancellationToken)
    {
        var partition = AddressKey(channel, address);
        await AppendLedgerAsync(partition, channel, address, organizerId, RequestedAction, how, shownText, organizerName, cancellationToken);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        await consents.UpsertEntityAsync(
            new TableEntity(partition, OrganizerRow(organizerId))
            {
                ["Channel"] = channel.ToString(),
                ["OrganizerName"] = organizerName,
                ["RequestedAt"] = time.GetUtcNow(),
                ["RequestText"] = shownText,
            },
            TableUpdateMode.Merge,
            cancellationToken);
    }

    /// <summary>
    /// A YES or NO by SMS: answers every request still pending for this address, and returns the names
    /// of the organisers it answered. Each ledger entry keeps the request text the person answered.
    /// </summary>
    public async Task<IReadOnlyList<string>> AnswerPendingRequestsAsync(
        Channel channel, string address, ConsentState answer, string how, string shownText, CancellationToken cancellationToken)
    {
        var partition = AddressKey(channel, address);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var pending = new List<TableEntity>();
        await foreach (var row in consents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
        {
            if (row.RowKey.StartsWith("org-", StringComparison.Ordinal)
                && StateOf(row) == ConsentState.Pending
                && row.GetDateTimeOffset("RequestedAt") is not null)
            {
                pending.Add(row);
            }
        }

        var names = new List<string>();
        foreach (var row in pending)
        {
            // What they answered is the request they were shown: that is the text the ledger keeps.
            await RecordAsync(new ConsentDecision(channel, address, row.RowKey["org-".Length..], answer, how, row.GetString("RequestText") ?? shownText, row.GetString("OrganizerName")), cancellationToken);
            names.Add(row.GetString("OrganizerName") ?? "");
        }

        return names;
    }

    /// <summary>
    /// A "yes" in other words than YES: marks every request still pending for this address as hinted,
    /// and returns the names of the organisers of those not hinted before (empty: answer nothing). One
    /// hint per request: a second "ok" gets none, a new request may get one again. Each mark is
    /// conditional on the row's ETag, so two webhooks at once hint once.
    /// </summary>
    public async Task<IReadOnlyList<string>> MarkYesHintAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var partition = AddressKey(channel, address);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var names = new List<string>();
        await foreach (var row in consents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
        {
            if (!row.RowKey.StartsWith("org-", StringComparison.Ordinal)
                || StateOf(row) != ConsentState.Pending
                || row.GetDateTimeOffset("RequestedAt") is not { } requestedAt
                || (row.GetDateTimeOffset("YesHintAt") is { } hintedAt && hintedAt >= requestedAt))
            {
                continue;
            }

            try
            {
                await consents.UpdateEntityAsync(new TableEntity(partition, row.RowKey) { ["YesHintAt"] = time.GetUtcNow() }, row.ETag, TableUpdateMode.Merge, cancellationToken);
                names.Add(row.GetString("OrganizerName") ?? "");
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                // Changed meanwhile: another message hinted, or the person answered. Either way, no hint from here.
            }
        }

        return names;
    }

    /// <summary>
    /// START after a STOP: lifts the global opt-out. Consents granted before apply again; returns the
    /// names of the organisers whose check-ins will arrive again.
    /// </summary>
    public async Task<IReadOnlyList<string>> OptInAsync(Channel channel, string address, string how, string shownText, CancellationToken cancellationToken)
    {
        var partition = AddressKey(channel, address);
        await AppendLedgerAsync(partition, channel, address, null, OptedInAction, how, shownText, null, cancellationToken);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        await consents.UpsertEntityAsync(
            new TableEntity(partition, GlobalRow)
            {
                ["State"] = nameof(ConsentState.Granted),
                ["Channel"] = channel.ToString(),
                ["UpdatedAt"] = time.GetUtcNow(),
            },
            TableUpdateMode.Merge,
            cancellationToken);
        await (notifications?.ConsentChangedAsync(channel, address, null, Notifications.NotificationTypes.ConsentOptedIn, how, CancellationToken.None) ?? Task.CompletedTask);

        var names = new List<string>();
        await foreach (var row in consents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
        {
            if (row.RowKey.StartsWith("org-", StringComparison.Ordinal) && row.GetString("State") == nameof(ConsentState.Granted))
            {
                names.Add(row.GetString("OrganizerName") ?? "");
            }
        }

        return names;
    }

    /// <summary>Every ledger entry for an address, newest first: who agreed to what, when, how, and what they were shown.</summary>
    public async Task<IReadOnlyList<ConsentLedgerEntry>> LedgerAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var ledger = await tables.GetAsync(AppTables.ConsentLedger, cancellationToken);
        var entries = new List<ConsentLedgerEntry>();
        await foreach (var row in ledger.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AddressKey(channel, address)}"), cancellationToken: cancellationToken))
        {
            entries.Add(new ConsentLedgerEntry(
                row.GetString("Address"),
                Enum.Parse<Channel>(row.GetString("Channel")),
                row.GetString("OrganizerId"),
                row.GetString("Action"),
                row.GetDateTimeOffset("RecordedAt") ?? default,
                row.GetString("How"),
                row.GetString("ShownText"),
                row.GetString("OrganizerName")));
        }

        return entries;
    }

    /// <summary>Whether the address is opted out of everything (the global row): what erasure must keep.</summary>
    public async Task<bool> IsOptedOutAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var row = await consents.GetEntityIfExistsAsync<TableEntity>(AddressKey(channel, address), GlobalRow, cancellationToken: cancellationToken);
        return row.HasValue && StateOf(row.Value!) == ConsentState.OptedOut;
    }

    /// <summary>
    /// Erasure: deletes the consent in force between this address and these organisers (one client's).
    /// The global row, which holds an opt-out, is never touched. Returns how many rows this call deleted.
    /// </summary>
    public async Task<int> EraseOrganizersAsync(Channel channel, string address, IReadOnlySet<string> organizerIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organizerIds);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var partition = AddressKey(channel, address);
        var erased = 0;
        foreach (var organizerId in organizerIds)
        {
            if (await consents.TryDeleteAsync(partition, OrganizerRow(organizerId), ETag.All, cancellationToken))
            {
                erased++;
            }
        }

        return erased;
    }

    /// <summary>
    /// Erasure: deletes the ledger lines of this address for these organisers (requests, grants,
    /// declines), except any line that records an opt-out or an opt-in. The ledger is append-only by
    /// design, as evidence of who agreed to what; an erasure request is the one exception, because the
    /// person withdrew from these organisers and asked us to forget the rest. The opt-out lines stay:
    /// they are how a STOP is honoured, and what shows it was. Returns how many lines this call deleted.
    /// </summary>
    public async Task<int> EraseLedgerAsync(Channel channel, string address, IReadOnlySet<string> organizerIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(organizerIds);
        var ledger = await tables.GetAsync(AppTables.ConsentLedger, cancellationToken);
        var partition = AddressKey(channel, address);
        var erased = 0;
        await foreach (var row in ledger.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey", "OrganizerId", "Action"], cancellationToken: cancellationToken))
        {
            var action = row.GetString("Action");
            if (action is OptedOutAction or OptedInAction || row.GetString("OrganizerId") is not { } organizerId || !organizerIds.Contains(organizerId))
            {
                continue;
            }

            if (await ledger.TryDeleteAsync(partition, row.RowKey, ETag.All, cancellationToken))
            {
                erased++;
            }
        }

        return erased;
    }

    /// <summary>
    /// The operator's erasure, asked for explicitly: deletes the global row (an opt-out, or the START
    /// that lifted one) and the ledger lines of opt-outs and opt-ins, after which the address looks new.
    /// Returns how many rows this call deleted.
    /// </summary>
    public async Task<int> EraseOptOutAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var partition = AddressKey(channel, address);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var erased = await consents.TryDeleteAsync(partition, GlobalRow, ETag.All, cancellationToken) ? 1 : 0;
        var ledger = await tables.GetAsync(AppTables.ConsentLedger, cancellationToken);
        await foreach (var row in ledger.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey", "Action"], cancellationToken: cancellationToken))
        {
            if (row.GetString("Action") is OptedOutAction or OptedInAction && await ledger.TryDeleteAsync(partition, row.RowKey, ETag.All, cancellationToken))
            {
                erased++;
            }
        }

        return erased;
    }

    /// <summary>
    /// When the consent requests recorded for this address since <paramref name="since"/> went out,
    /// newest first: what the daily cap counted before it claimed slots (see <see cref="ConsentRequestCap"/>).
    /// </summary>
    public async Task<IReadOnlyList<DateTimeOffset>> RequestTimesSinceAsync(Channel channel, string address, DateTimeOffset since, CancellationToken cancellationToken)
    {
        // Newest first: every entry since then has a row key below the key of that moment.
        var ledger = await tables.GetAsync(AppTables.ConsentLedger, cancellationToken);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {AddressKey(channel, address)} and RowKey lt {LedgerKey(since)} and Action eq {RequestedAction}");
        var times = new List<DateTimeOffset>();
        await foreach (var row in ledger.QueryAsync<TableEntity>(filter, select: ["RowKey", "RecordedAt"], cancellationToken: cancellationToken))
        {
            times.Add(row.GetDateTimeOffset("RecordedAt") ?? since);
        }

        return times;
    }

    private async Task AppendLedgerAsync(
        string partition, Channel channel, string address, string? organizerId, string action, string how, string shownText, string? organizerName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var ledger = await tables.GetAsync(AppTables.ConsentLedger, cancellationToken);
        await ledger.AddEntityAsync(
            new TableEntity(partition, LedgerKey(now) + "-" + Guid.NewGuid().ToString("N")[..12])
            {
                ["Channel"] = channel.ToString(),
                ["Address"] = address,
                ["OrganizerId"] = organizerId,
                ["OrganizerName"] = organizerName,
                ["Action"] = action,
                ["How"] = how,
                ["ShownText"] = shownText,
                ["RecordedAt"] = now,
            },
            cancellationToken);
    }

    // A row made by a request before its pending record is pending.
    private static ConsentState StateOf(TableEntity row) =>
        row.GetString("State") is { } state ? Enum.Parse<ConsentState>(state) : ConsentState.Pending;

    private static string ActionOf(ConsentDecision decision) => decision.State switch
    {
        ConsentState.Granted => "granted",
        ConsentState.Declined => "declined",
        ConsentState.OptedOut => "opted-out",
        _ => "pending",
    };

    private static string LedgerKey(DateTimeOffset instant) =>
        (DateTimeOffset.MaxValue.UtcTicks - instant.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);

    private static string OrganizerRow(string organizerId) => "org-" + organizerId;

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}

using System.Text;
using AftercareNudge.Schedule;
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

/// <summary>A consent request that went out, as the consent row and the ledger keep it.</summary>
public sealed record ConsentRequestSent(
    Channel Channel,
    string Address,
    string OrganizerId,
    string OrganizerName,
    string ClientId,
    string EventId,
    string PersonKey,
    string How,
    string ShownText);

/// <summary>
/// A consent request as its row remembers it: to which organiser (and client), about which event and
/// person. Rows written before requests carried these have null <see cref="ClientId"/>,
/// <see cref="EventId"/> and <see cref="PersonKey"/>.
/// </summary>
/// <param name="NameShared">Whether another organiser of the same name asked this address too: then the app tells them apart.</param>
public sealed record AskedRequest(string OrganizerId, string OrganizerName, string? ClientId, string? EventId, string? PersonKey, bool NameShared = false);

/// <summary>
/// What a YES or NO by SMS answered, and the next open request still waiting for an answer.
/// <see cref="Withdrawn"/>: the request's event was cancelled or purged since, so nothing was recorded.
/// </summary>
public sealed record AnsweredRequest(AskedRequest Answered, AskedRequest? Next, bool Withdrawn = false);

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
public sealed class ConsentStore(AppTables tables, TimeProvider time, IEnumerable<IConsentObserver> observers, DomainEvents<ConsentChanged> changes)
{
    /// <summary>Consent requests one address may receive in 24 hours, from every organiser together.</summary>
    public const int MaxRequestsPerDay = 3;

    /// <summary>How long a consent request can be answered by a YES or NO by SMS. (A consent link has its own lifetime.)</summary>
    public static readonly TimeSpan RequestOpenFor = TimeSpan.FromDays(7);

    private const string GlobalRow = "global";
    private const string RequestedAction = "requested";
    private const string OptedInAction = "opted-in";
    private const string OptedOutAction = "opted-out";

    /// <summary>
    /// The <see cref="ConsentDecision.How"/> of a suppression caused by a hard bounce (SendGrid's
    /// <c>bounce</c> event): the address does not accept mail. It is kept as an opt-out (nothing is sent
    /// to it, erasure keeps it) but reads as <see cref="ConsentState.Undeliverable"/>, and clients are
    /// told <c>address.undeliverable</c>: the person never said stop. Rows written before this reads so
    /// by the same <c>How</c>, on the global row or, for rows older than that column, in the ledger.
    /// </summary>
    public const string BounceHowPrefix = "sendgrid:bounce:";

    /// <summary>Whether a suppression was caused by a hard bounce (see <see cref="BounceHowPrefix"/>).</summary>
    public static bool IsBounce(string? how) => how?.StartsWith(BounceHowPrefix, StringComparison.Ordinal) == true;

    /// <summary>On the global row: the <see cref="ConsentDecision.How"/> of the decision that opted the address out.</summary>
    private const string OptedOutHowColumn = "OptedOutHow";

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


    /// <summary>What is in force for this address and organiser: a global opt-out wins over anything given to an organiser.</summary>
    public async Task<ConsentState> GetAsync(Channel channel, string address, string organizerId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var partition = AddressKeys.For(channel, address);
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
                    return await SuppressedAsync(row, cancellationToken);
                }
            }
            else
            {
                state = rowState;
            }
        }

        return state;
    }

    /// <summary>
    /// What a global opt-out is: <see cref="ConsentState.Undeliverable"/> when a hard bounce caused it
    /// (the row says which decision did; a row older than that column asks the ledger's latest opt-out),
    /// else <see cref="ConsentState.OptedOut"/>.
    /// </summary>
    private async Task<ConsentState> SuppressedAsync(TableEntity globalRow, CancellationToken cancellationToken)
    {
        var how = globalRow.GetString(OptedOutHowColumn);
        if (how is null)
        {
            var ledger = await tables.GetAsync(AppTables.ConsentLedger, cancellationToken);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {globalRow.PartitionKey} and Action eq {OptedOutAction}");
            await foreach (var entry in ledger.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["How"], cancellationToken: cancellationToken))
            {
                how = entry.GetString("How");
                break;
            }
        }

        return IsBounce(how) ? ConsentState.Undeliverable : ConsentState.OptedOut;
    }

    /// <summary>Creates the pending record for a newly named recipient; an existing decision is left alone.</summary>
    public async Task EnsurePendingAsync(Channel channel, string address, string organizerId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Consents, cancellationToken);
        try
        {
            await table.AddEntityAsync(
                new TableEntity(AddressKeys.For(channel, address), OrganizerRow(organizerId))
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
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.State == ConsentState.OptedOut && decision.OrganizerId is null)
        {
            await OptOutAsync(decision, decision.ShownText, cancellationToken);
            return;
        }

        var partition = AddressKeys.For(decision.Channel, decision.Address);
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
        if (decision.State switch { ConsentState.Granted => ConsentChange.Granted, ConsentState.Declined => ConsentChange.Declined, ConsentState.OptedOut => ConsentChange.OptedOut, _ => (ConsentChange?)null } is { } change)
        {
            await changes.RaiseAsync(new ConsentChanged(decision.Channel, decision.Address, decision.OrganizerId, change, decision.How), CancellationToken.None);
        }

        // Then what waits on a decision: it is recorded whatever they do.
        foreach (var observer in observers)
        {
            await observer.ConsentRecordedAsync(decision, CancellationToken.None);
        }
    }

    /// <summary>
    /// The global opt-out, confirmed once: returns whether this decision is the one that opted the
    /// address out (it was not opted out before), and only then are client webhooks told. Either way the
    /// ledger keeps the revocation, with <paramref name="shownTextIfAlreadyOptedOut"/> as what the person
    /// was shown when the address was already out (a repeated STOP is answered with nothing: "").
    /// </summary>
    /// <remarks>
    /// The global row flips from not-opted-out to opted-out by a write conditional on what was read (its
    /// ETag, or its absence), so of two STOPs at once exactly one is new. The row remembers which
    /// decision flipped it (<see cref="ConsentDecision.How"/>: a message SID, a SendGrid event id): a
    /// retry of that same decision, after a failure half way, is new again and gets the same answer.
    /// </remarks>
    public async Task<bool> OptOutAsync(ConsentDecision decision, string shownTextIfAlreadyOptedOut, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.State != ConsentState.OptedOut || decision.OrganizerId is not null)
        {
            throw new ArgumentException("An opt-out is global: state OptedOut, no organiser.", nameof(decision));
        }

        var partition = AddressKeys.For(decision.Channel, decision.Address);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);

        // As RecordAsync: an opt-out takes effect before its ledger line.
        var isNew = await TurnOptedOutAsync(consents, partition, decision, cancellationToken);
        await AppendLedgerAsync(partition, decision.Channel, decision.Address, null, OptedOutAction, decision.How, isNew ? decision.ShownText : shownTextIfAlreadyOptedOut, decision.OrganizerName, cancellationToken);
        if (isNew)
        {
            var change = IsBounce(decision.How) ? ConsentChange.Undeliverable : ConsentChange.OptedOut;
            await changes.RaiseAsync(new ConsentChanged(decision.Channel, decision.Address, null, change, decision.How), CancellationToken.None);
        }

        return isNew;
    }

    private async Task<bool> TurnOptedOutAsync(TableClient consents, string partition, ConsentDecision decision, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = await consents.GetEntityIfExistsAsync<TableEntity>(partition, GlobalRow, cancellationToken: cancellationToken);
            if (current.HasValue && StateOf(current.Value!) == ConsentState.OptedOut)
            {
                return current.Value!.GetString(OptedOutHowColumn) == decision.How;
            }

            var state = new TableEntity(partition, GlobalRow)
            {
                ["State"] = nameof(ConsentState.OptedOut),
                ["Channel"] = decision.Channel.ToString(),
                ["UpdatedAt"] = time.GetUtcNow(),
                [OptedOutHowColumn] = decision.How,
            };
            try
            {
                if (current.HasValue)
                {
                    await consents.UpdateEntityAsync(state, current.Value!.ETag, TableUpdateMode.Merge, cancellationToken);
                }
                else
                {
                    await consents.AddEntityAsync(state, cancellationToken);
                }

                return true;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsConflict())
            {
                // Another STOP or a START got there between our read and our write: read again.
            }
        }
    }

    /// <summary>
    /// Records a consent request that went out: only a request the provider accepted can be answered
    /// by a YES. (The daily cap was claimed before it was sent: <see cref="ConsentRequestCap"/>.) The row
    /// remembers which event and person it asked about, and for which client, so that an answer names
    /// the organiser precisely and the requests it did not answer can be asked again in turn.
    /// </summary>
    public async Task RecordRequestAsync(ConsentRequestSent request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var partition = AddressKeys.For(request.Channel, request.Address);
        await AppendLedgerAsync(partition, request.Channel, request.Address, request.OrganizerId, RequestedAction, request.How, request.ShownText, request.OrganizerName, cancellationToken);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        await consents.UpsertEntityAsync(
            new TableEntity(partition, OrganizerRow(request.OrganizerId))
            {
                ["Channel"] = request.Channel.ToString(),
                ["OrganizerName"] = request.OrganizerName,
                ["RequestedAt"] = time.GetUtcNow(),
                ["RequestText"] = request.ShownText,
                ["ClientId"] = request.ClientId,
                ["RequestEventId"] = request.EventId,
                ["RequestPersonKey"] = request.PersonKey,

                // A request recorded is open, whatever passed over or closed the one before it (on a
                // clock that has not moved since, the mark would otherwise equal RequestedAt).
                ["PassedOverAt"] = DateTimeOffset.UnixEpoch,
            },
            TableUpdateMode.Merge,
            cancellationToken);
    }

    /// <summary>
    /// A YES or NO by SMS answers exactly one request: the most recent one sent to this address that is
    /// still open (sent within <see cref="RequestOpenFor"/>) and still pending. The ledger entry keeps
    /// the request text the person answered. Returns what was answered, and the next open request still
    /// pending (to be asked again, so that it becomes the one a YES answers), or null if none was open.
    /// A request <paramref name="stillAsked"/> says no longer stands (its event was cancelled) is
    /// answered with nothing recorded: it is closed, and the answer says <see cref="AnsweredRequest.Withdrawn"/>.
    /// </summary>
    public async Task<AnsweredRequest?> AnswerLatestRequestAsync(
        Channel channel, string address, ConsentState answer, string how, Func<AskedRequest, CancellationToken, Task<bool>> stillAsked, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stillAsked);
        var open = await OpenRequestsAsync(channel, address, cancellationToken);
        if (open.Count == 0)
        {
            return null;
        }

        var (row, asked) = open[0];
        if (!await stillAsked(asked, cancellationToken))
        {
            // Closed, as a passed-over request is: a second YES must not find it open again.
            var table = await tables.GetAsync(AppTables.Consents, cancellationToken);
            await table.UpsertEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { ["PassedOverAt"] = time.GetUtcNow() }, TableUpdateMode.Merge, cancellationToken);
            return new AnsweredRequest(asked, null, Withdrawn: true);
        }

        await RecordAsync(new ConsentDecision(channel, address, asked.OrganizerId, answer, how, row.GetString("RequestText") ?? "", row.GetString("OrganizerName")), cancellationToken);

        // The other open requests are passed over: a second YES must not answer one of them unseen.
        // Each is open again once it is asked again (its RequestedAt moves past the mark).
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        foreach (var (other, _) in open.Skip(1))
        {
            await consents.UpsertEntityAsync(new TableEntity(other.PartitionKey, other.RowKey) { ["PassedOverAt"] = time.GetUtcNow() }, TableUpdateMode.Merge, cancellationToken);
        }

        return new AnsweredRequest(asked, open.Skip(1).Select(o => o.Asked).FirstOrDefault(r => r.EventId is not null));
    }

    /// <summary>
    /// Closes the request this organiser's row holds for <paramref name="eventId"/>, if it is still open:
    /// it is passed over (as a request a YES skipped is), so that a YES or NO no longer answers it until
    /// a new request is recorded (after this, on the clock: its RequestedAt moves past the mark). For a
    /// change that made its words out of date.
    /// </summary>
    public async Task CloseRequestAsync(Channel channel, string address, string organizerId, string eventId, CancellationToken cancellationToken)
    {
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var row = await consents.GetEntityIfExistsAsync<TableEntity>(AddressKeys.For(channel, address), OrganizerRow(organizerId), cancellationToken: cancellationToken);
        if (row.HasValue && row.Value!.GetString("RequestEventId") == eventId && StateOf(row.Value) == ConsentState.Pending)
        {
            await consents.UpsertEntityAsync(new TableEntity(row.Value.PartitionKey, row.Value.RowKey) { ["PassedOverAt"] = time.GetUtcNow() }, TableUpdateMode.Merge, cancellationToken);
        }
    }

    /// <summary>
    /// A "yes" in other words than YES, while a request waits: marks the request a YES would answer
    /// (see <see cref="AnswerLatestRequestAsync"/>) as hinted, and returns it if it was not hinted
    /// before (null: answer nothing). One hint per request: a second "ok" gets none, a new request may
    /// get one again. The mark is conditional on the row's ETag, so two webhooks at once hint once.
    /// </summary>
    public async Task<AskedRequest?> MarkYesHintAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var open = await OpenRequestsAsync(channel, address, cancellationToken);
        if (open.Count == 0)
        {
            return null;
        }

        var (row, asked) = open[0];
        if (row.GetDateTimeOffset("YesHintAt") is { } hintedAt && hintedAt >= row.GetDateTimeOffset("RequestedAt"))
        {
            return null;
        }

        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        try
        {
            await consents.UpdateEntityAsync(new TableEntity(row.PartitionKey, row.RowKey) { ["YesHintAt"] = time.GetUtcNow() }, row.ETag, TableUpdateMode.Merge, cancellationToken);
            return asked;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            // Changed meanwhile: another message hinted, or the person answered. Either way, no hint from here.
            return null;
        }
    }

    /// <summary>Whether a request was ever recorded for this address and organiser (a request is sent once, then held or answered).</summary>
    public async Task<bool> WasAskedAsync(Channel channel, string address, string organizerId, CancellationToken cancellationToken)
    {
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var row = await consents.GetEntityIfExistsAsync<TableEntity>(AddressKeys.For(channel, address), OrganizerRow(organizerId), select: ["RequestedAt"], cancellationToken: cancellationToken);
        return row.HasValue && row.Value!.GetDateTimeOffset("RequestedAt") is not null;
    }

    /// <summary>The request a YES from this address would answer now (see <see cref="AnswerLatestRequestAsync"/>), or null.</summary>
    public async Task<AskedRequest?> LatestOpenRequestAsync(Channel channel, string address, CancellationToken cancellationToken) =>
        await OpenRequestsAsync(channel, address, cancellationToken) is [var (_, asked), ..] ? asked : null;

    /// <summary>
    /// The requests to this address still pending and open, the most recent first, each marked with
    /// whether another organiser who asked this address has the same name.
    /// </summary>
    private async Task<List<(TableEntity Row, AskedRequest Asked)>> OpenRequestsAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var since = time.GetUtcNow() - RequestOpenFor;
        var open = new List<TableEntity>();
        var names = new List<(string OrganizerId, string Name)>();
        await foreach (var row in consents.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AddressKeys.For(channel, address)}"), cancellationToken: cancellationToken))
        {
            if (!row.RowKey.StartsWith("org-", StringComparison.Ordinal))
            {
                continue;
            }

            names.Add((row.RowKey, DisplayName(row.GetString("OrganizerName"))));
            if (StateOf(row) == ConsentState.Pending
                && row.GetDateTimeOffset("RequestedAt") is { } requestedAt
                && requestedAt >= since
                && !(row.GetDateTimeOffset("PassedOverAt") >= requestedAt))
            {
                open.Add(row);
            }
        }

        // Ties (the same instant) are broken by the row key, so every instance picks the same one.
        return open
            .OrderByDescending(r => r.GetDateTimeOffset("RequestedAt"))
            .ThenBy(r => r.RowKey, StringComparer.Ordinal)
            .Select(r => (r, Asked(r, names.Any(n => n.OrganizerId != r.RowKey && n.Name == DisplayName(r.GetString("OrganizerName"))))))
            .ToList();
    }

    private static AskedRequest Asked(TableEntity row, bool nameShared) => new(
        row.RowKey["org-".Length..],
        row.GetString("OrganizerName") ?? "",
        row.GetString("ClientId"),
        row.GetString("RequestEventId"),
        row.GetString("RequestPersonKey"),
        nameShared);

    /// <summary>
    /// START after a STOP: lifts the global opt-out. Consents granted before apply again; returns the
    /// names of the organisers whose check-ins will arrive again.
    /// </summary>
    public async Task<IReadOnlyList<string>> OptInAsync(Channel channel, string address, string how, string shownText, CancellationToken cancellationToken)
    {
        var partition = AddressKeys.For(channel, address);
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
        await changes.RaiseAsync(new ConsentChanged(channel, address, null, ConsentChange.OptedIn, how), CancellationToken.None);

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
        await foreach (var row in ledger.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {AddressKeys.For(channel, address)}"), cancellationToken: cancellationToken))
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
        var row = await consents.GetEntityIfExistsAsync<TableEntity>(AddressKeys.For(channel, address), GlobalRow, cancellationToken: cancellationToken);
        return row.HasValue && StateOf(row.Value!) == ConsentState.OptedOut;
    }

    /// <summary>
    /// Erasure: deletes the consent in force between this address and the consent ids
    /// <paramref name="erased"/> takes (one client's organisers, and the ids a trusted contact agreed
    /// under). The global row, which holds an opt-out, is never touched. Returns how many rows this call deleted.
    /// </summary>
    public async Task<int> EraseOrganizersAsync(Channel channel, string address, Func<string, bool> erased, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(erased);
        var consents = await tables.GetAsync(AppTables.Consents, cancellationToken);
        var partition = AddressKeys.For(channel, address);
        var rows = new List<string>();

        // "org." sorts right after every "org-…" key: the global row is never read.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {OrganizerRowPrefix} and RowKey lt {"org."}");
        await foreach (var row in consents.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            if (erased(row.RowKey[OrganizerRowPrefix.Length..]))
            {
                rows.Add(row.RowKey);
            }
        }

        var deleted = 0;
        foreach (var rowKey in rows)
        {
            if (await consents.TryDeleteAsync(partition, rowKey, ETag.All, cancellationToken))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>
    /// Erasure: deletes the ledger lines of this address for the consent ids <paramref name="isErased"/> takes (requests, grants,
    /// declines), except any line that records an opt-out or an opt-in. The ledger is append-only by
    /// design, as evidence of who agreed to what; an erasure request is the one exception, because the
    /// person withdrew from these organisers and asked us to forget the rest. The opt-out lines stay:
    /// they are how a STOP is honoured, and what shows it was. Returns how many lines this call deleted.
    /// </summary>
    public async Task<int> EraseLedgerAsync(Channel channel, string address, Func<string, bool> isErased, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(isErased);
        var ledger = await tables.GetAsync(AppTables.ConsentLedger, cancellationToken);
        var partition = AddressKeys.For(channel, address);
        var erased = 0;
        await foreach (var row in ledger.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey", "OrganizerId", "Action"], cancellationToken: cancellationToken))
        {
            var action = row.GetString("Action");
            if (action is OptedOutAction or OptedInAction || row.GetString("OrganizerId") is not { } organizerId || !isErased(organizerId))
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
        var partition = AddressKeys.For(channel, address);
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
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {AddressKeys.For(channel, address)} and RowKey lt {LedgerKey(since)} and Action eq {RequestedAction}");
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

    private static string LedgerKey(DateTimeOffset instant) => TimeKeys.NewestFirst(instant);

    private const string OrganizerRowPrefix = "org-";

    private static string OrganizerRow(string organizerId) => OrganizerRowPrefix + organizerId;

    private static string Hash(string value) => Sha256Hex.OfUtf8(value);
}

using System.Text.Json.Serialization;
using AftercareNudge.Consent;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Privacy;

/// <summary>How much of each kind one client's erasure deleted: that client's rows only.</summary>
/// <param name="Events">This client's events the address was taken out of (anonymised).</param>
/// <param name="CheckInsCancelled">Check-ins still waiting that were cancelled (reason <c>erased</c>).</param>
/// <param name="IndexRows">Rows that tied the address to this client's events and organisers.</param>
/// <param name="OutboxMessages">The development outbox's copies of this client's messages to the address, and of its messages to anyone that quote or name the person (<see cref="OutboxCopies"/>).</param>
public sealed record ErasedCounts(
    int Events,
    int CheckInsCancelled,
    int Replies,
    int HeldConsentRequests,
    int LinkTokens,
    int Consents,
    int LedgerEntries,
    int IndexRows,
    int OutboxMessages)
{
    [JsonIgnore]
    public int Total => Events + CheckInsCancelled + Replies + HeldConsentRequests + LinkTokens + Consents + LedgerEntries + IndexRows + OutboxMessages;

    public static ErasedCounts operator +(ErasedCounts a, ErasedCounts b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Events + b.Events, a.CheckInsCancelled + b.CheckInsCancelled, a.Replies + b.Replies, a.HeldConsentRequests + b.HeldConsentRequests, a.LinkTokens + b.LinkTokens,
            a.Consents + b.Consents, a.LedgerEntries + b.LedgerEntries, a.IndexRows + b.IndexRows, a.OutboxMessages + b.OutboxMessages);
    }
}

/// <summary>
/// The answer to a client's <c>DELETE /api/people/{address}</c>: what was erased of that client's
/// data, and nothing about anyone else's (not whether the number texted the service, nor whether it
/// opted out: those belong to no client).
/// </summary>
/// <param name="ErasedAnything">False when this client held nothing (a repeated request): the counts are all zero.</param>
public sealed record ErasureSummary(bool ErasedAnything, ErasedCounts Erased);

/// <summary>What belongs to no client, erased by the operator.</summary>
/// <param name="InboundMessages">Records of texts the number sent (kept to act once on a webhook retry), and its acknowledgement window.</param>
/// <param name="RequestSlots">When the address's daily consent requests were claimed.</param>
/// <param name="OutboxMessages">The development outbox's other copies to the address (answers to its texts).</param>
/// <param name="OptOut">The global opt-out's row, its ledger lines and unsubscribe links (only when asked to erase it).</param>
public sealed record UnownedCounts(int InboundMessages, int RequestSlots, int OutboxMessages, int OptOut)
{
    [JsonIgnore]
    public int Total => InboundMessages + RequestSlots + OutboxMessages + OptOut;
}

/// <summary>The answer to the operator's <c>DELETE /api/operator/people/{address}</c>.</summary>
/// <param name="Clients">Each client's erasure, for the clients that held anything.</param>
/// <param name="Kept">What was kept on purpose: <c>opt-out</c> when the address is opted out and the operator did not ask to erase it.</param>
public sealed record OperatorErasureSummary(bool ErasedAnything, IReadOnlyDictionary<string, ErasedCounts> Clients, UnownedCounts Unowned, IReadOnlyList<string> Kept);

/// <summary>
/// Erases what the service holds about one phone number or email address for one client: the client's
/// events it appears in are anonymised (the address removed, the name replaced by <see cref="Erased"/>,
/// needs and quiet hours removed, the messages to it emptied, its replies deleted, and what was still
/// to be sent to it cancelled; all of the event's pending check-ins if it was the organiser, since
/// they would go out in their name, and their safety nets disarmed: see <see cref="RewriteNetsAsync"/>);
/// then the held consent requests, consent links, consent states and ledger lines for the client's
/// organisers and for the trusted contact's consent ids of the client's events, the dev outbox's copies of the client's messages to the
/// address (and, event by event before its row changes, of those to others that quote or name them), and
/// last the index rows that find all this, so an erasure that dies half way is finished by the next
/// request. Another client's data is not touched, nor counted. What belongs to no client (the global
/// opt-out row and the ledger lines of opt-outs and opt-ins, unsubscribe links, the records of the
/// texts the number sent, its acknowledgement window, its daily request slots) is erased only by the
/// operator (<see cref="EraseEverywhereAsync"/>), which also erases for every client. Idempotent.
/// </summary>
public sealed class AddressErasure(
    EventStore events,
    PendingChanges pending,
    RecipientCheckIns recipients,
    AddressIndex addresses,
    ClientEventIndex clientEvents,
    HeldConsentRequests held,
    LinkTokens tokens,
    ConsentStore consents,
    ConsentRequestCap cap,
    InboundSms inbound,
    OutboxSender outbox,
    IOptions<DeliveryOptions> delivery,
    IOptions<ApiKeyOptions> apiKeys,
    ILogger<AddressErasure> logger,
    Notifications.WebhookNotifications notifications,
    Safety.SafetyCancellations safetyCancellations)
{
    public const string Erased = RemovedNames.Erased;
    public const string OptOut = "opt-out";

    private sealed record EventErasure(string OrganizerId, bool Anonymised, int Cancelled, int Replies, int OutboxMessages, IReadOnlySet<string> Keys);

    public async Task<ErasureSummary> EraseAsync(ApiClient client, Channel channel, string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var addressKey = AddressKeys.For(channel, address);
        var indexed = await addresses.ForClientAsync(addressKey, client.Id, cancellationToken);

        // The address index names its events (each registration writes it before the event); the check-ins
        // sent to the address name them too, so either way finds them all.
        var candidates = new List<string>(indexed.EventIds);
        candidates.AddRange((await recipients.ForAddressAsync(channel, address, cancellationToken)).Select(r => r.EventId));

        // Every organiser the address was asked for, or was (an organiser's id holds their name too, so
        // only the index, which every registration writes, can name them).
        var organizerIds = new HashSet<string>(indexed.OrganizerIds, StringComparer.Ordinal);

        var ours = new HashSet<string>(indexed.EventIds, StringComparer.Ordinal);
        int anonymised = 0, cancelled = 0, replies = 0, heldRemoved = 0, outboxCopies = 0;
        foreach (var eventId in candidates.Distinct(StringComparer.Ordinal))
        {
            if (await EraseFromEventAsync(client, eventId, channel, address, cancellationToken) is not { } erased)
            {
                continue;
            }

            ours.Add(eventId);
            organizerIds.Add(erased.OrganizerId);
            anonymised += erased.Anonymised ? 1 : 0;
            cancelled += erased.Cancelled;
            replies += erased.Replies;
            outboxCopies += erased.OutboxMessages;
            if (erased.Keys.Count > 0)
            {
                heldRemoved += await held.RemoveAsync(eventId, (key, _) => erased.Keys.Contains(key), cancellationToken);

                // The client's webhook notifications name the person by their key (often a name).
                await notifications.ForgetAsync(client.Id, eventId, erased.Keys, cancellationToken);
            }
        }

        var linkTokens = await tokens.RemoveForAddressAsync(
            addressKey, (organizerId, eventId) => (organizerId is not null && organizerIds.Contains(organizerId)) || (eventId is not null && ours.Contains(eventId)), cancellationToken);
        // A trusted contact's consent is under an id of its own, one per terms they were asked about
        // (SafetyLadder.ContactConsentId): every one of this client's events with the address goes.
        bool Erased(string consentId) => organizerIds.Contains(consentId) || (SafetyLadder.ParseContactConsentId(consentId) is { } contact && ours.Contains(contact.EventId));
        var consentRows = await consents.EraseOrganizersAsync(channel, address, Erased, cancellationToken);
        var ledgerLines = await consents.EraseLedgerAsync(channel, address, Erased, cancellationToken);
        var outboxRows = outboxCopies + (delivery.Value.UsesOutbox ? await ForgetOutboxAsync(client, address, ours, cancellationToken) : 0);

        // Last: these are how a repeated request finds what an interrupted one left.
        var indexRows = 0;
        foreach (var eventId in ours)
        {
            indexRows += await recipients.RemoveEventAsync(addressKey, eventId, cancellationToken);
            indexRows += await addresses.RemoveEventAsync(addressKey, eventId, cancellationToken);
        }

        foreach (var organizerId in organizerIds)
        {
            indexRows += await addresses.RemoveOrganizerAsync(addressKey, organizerId, cancellationToken);
        }

        var counts = new ErasedCounts(anonymised, cancelled, replies, heldRemoved, linkTokens, consentRows, ledgerLines, indexRows, outboxRows);
        PrivacyLog.Erased(logger, client.Id, channel, counts.Events, counts.Total);
        return new ErasureSummary(counts.Total > 0, counts);
    }

    /// <summary>
    /// The operator's erasure: every client's (each configured client, and any other the address
    /// index names), then what belongs to no client: the records of the texts the number sent and its
    /// acknowledgement window, its daily request slots, the outbox's other copies, and, only when
    /// <paramref name="includeOptOut"/>, the global opt-out with its ledger lines and unsubscribe links
    /// (after which the number looks new, and the next registration texts it).
    /// </summary>
    public async Task<OperatorErasureSummary> EraseEverywhereAsync(Channel channel, string address, bool includeOptOut, CancellationToken cancellationToken)
    {
        var addressKey = AddressKeys.For(channel, address);
        var clientIds = new SortedSet<string>(apiKeys.Value.Keys.Keys, StringComparer.Ordinal);
        clientIds.UnionWith((await addresses.EventsAsync(addressKey, cancellationToken)).Select(e => e.ClientId).Where(c => c.Length > 0));
        var byClient = new Dictionary<string, ErasedCounts>(StringComparer.Ordinal);
        foreach (var clientId in clientIds)
        {
            var erased = await EraseAsync(new ApiClient(clientId), channel, address, cancellationToken);
            if (erased.ErasedAnything)
            {
                byClient[clientId] = erased.Erased;
            }
        }

        var inboundRows = channel == Channel.Sms ? await inbound.ForgetAsync(address, cancellationToken) : 0;
        var slots = await cap.ForgetAsync(channel, address, cancellationToken);
        var outboxRows = delivery.Value.UsesOutbox ? await outbox.ForgetAsync(address, _ => Task.FromResult(true), cancellationToken) : 0;
        var optOutRows = 0;
        if (includeOptOut)
        {
            optOutRows += await consents.EraseOptOutAsync(channel, address, cancellationToken);
            optOutRows += await tokens.RemoveForAddressAsync(addressKey, (_, _) => true, cancellationToken);
        }

        var unowned = new UnownedCounts(inboundRows, slots, outboxRows, optOutRows);
        var optedOut = await consents.IsOptedOutAsync(channel, address, cancellationToken);
        var total = byClient.Values.Sum(c => c.Total) + unowned.Total;
        PrivacyLog.OperatorErased(logger, channel, byClient.Count, total, optedOut);
        return new OperatorErasureSummary(total > 0, byClient, unowned, optedOut ? [OptOut] : []);
    }

    /// <summary>
    /// Takes the address out of one event of this client; null if the event is another client's or
    /// does not exist. The check-ins and replies first, the event's row last: until that last write
    /// the event still names the address, so a repeated request finds what is left to do.
    /// </summary>
    private async Task<EventErasure?> EraseFromEventAsync(ApiClient client, string eventId, Channel channel, string address, CancellationToken cancellationToken)
    {
        var rows = await events.GetRowsAsync(eventId, cancellationToken);
        if (rows is null || rows.Event.ClientId != client.Id)
        {
            // Another client's event is not this erasure's to touch, not even to finish its change.
            return null;
        }

        if (rows is { Event.PendingChange: not null })
        {
            // A change cut off half way may add check-ins to this address: finish it first.
            await pending.RollForwardAsync(eventId, cancellationToken);
            rows = await events.GetRowsAsync(eventId, cancellationToken);
        }

        if (rows is null || rows.Event.ClientId != client.Id)
        {
            return null;
        }

        var record = rows.Event;
        var keys = record.Everyone.Where(p => Matches(p, channel, address)).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return new EventErasure(record.OrganizerId, false, 0, 0, 0, keys);
        }

        var organizerErased = keys.Contains(Participant.OrganizerKey);

        // A person's key is often their name: an erased person gets a neutral one, as a purge gives.
        var renamed = record.People
            .Select((p, i) => (p.Key, New: "erased." + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Where(k => keys.Contains(k.Key))
            .ToDictionary(k => k.Key, k => k.New, StringComparer.Ordinal);
        // After a duress answer the event must read as after any answer (Safety.DuressMask): an alert still
        // held then is cancelled as an answer leaves the others, reason answered, not erased.
        var duressNets = rows.Awaited.Where(a => a.DuressAt is not null).Select(a => a.CheckInId).ToHashSet(StringComparer.Ordinal);
        var cancelled = 0;
        foreach (var checkIn in rows.CheckIns)
        {
            var toThem = keys.Contains(checkIn.To);

            // An all-clear is the news an alerted contact waits for, and so is the news that the check-in was
            // cancelled: each goes, naming nobody, even when the organiser is erased.
            if (!toThem && !(organizerErased && checkIn.Status == CheckInStatus.Scheduled && checkIn.Kind is not (CheckInKind.AllClear or CheckInKind.SafetyCancelled)))
            {
                continue;
            }

            var cancelledThis = false;
            await events.ChangeCheckInAsync(eventId, checkIn.Id, current =>
            {
                // One a dispatch run holds is left to it: it finds the address gone, or the consent gone, and does not send.
                cancelledThis = current.Status == CheckInStatus.Scheduled;
                var empty = toThem && current.Status != CheckInStatus.Sending && current.Message.Length > 0;
                var newTo = current.Status != CheckInStatus.Sending ? renamed.GetValueOrDefault(current.To) : null;
                return cancelledThis || empty || newTo is not null
                    ? current with
                    {
                        Status = cancelledThis ? CheckInStatus.Cancelled : current.Status,
                        Reason = !cancelledThis ? current.Reason
                            : !toThem && current.Kind == CheckInKind.Alert && current.RelatesTo is { } armed && duressNets.Contains(armed) ? CheckInReasons.Answered
                            : CheckInReasons.Erased,
                        Message = empty ? "" : current.Message,
                        To = newTo ?? current.To,
                    }
                    : null;
            }, cancellationToken);
            cancelled += cancelledThis ? 1 : 0;
        }

        // Replies are texts the address sent, kept with the check-in sent to that address.
        var sentToThem = rows.CheckIns.Where(c => record.Find(c.To) is { } p && c.Channel == channel && Matches(p, channel, address)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var replies = await events.DeleteRowsAsync(eventId, rows.Replies.Where(r => sentToThem.Contains(r.CheckInId)).Select(r => r.RowKey), cancellationToken);

        // The outbox's copies sent to others (a relay quoting them, a notice naming them), while the event still names them.
        var copies = 0;
        if (delivery.Value.UsesOutbox)
        {
            var about = new OutboxCopies(
                address,
                record.Everyone.Where(p => keys.Contains(p.Key)).Select(p => p.Name),
                keys.Concat(renamed.Values).ToHashSet(StringComparer.Ordinal),
                rows.CheckIns);
            copies = await outbox.ForgetOfEventAsync(eventId, about.IsCopy, cancellationToken);
        }

        if (rows.Awaited.Count > 0)
        {
            await RewriteNetsAsync(eventId, renamed, organizerErased, cancellationToken);
        }

        var changed = await events.ChangeEventAsync(eventId, e => e.PurgedAt is null && e.Everyone.Any(p => Matches(p, channel, address))
            ? e with
            {
                Organizer = Erase(e.Organizer, channel, address),
                People = e.People.Select(p => Erase(p, channel, address) is var erased && erased != p && renamed.TryGetValue(p.Key, out var key) ? erased with { Key = key } : erased).ToList(),
            }
            : null, cancellationToken);
        if (changed is not null && rows.Awaited.Count > 0)
        {
            // Again after the event's row: an alert committed in between names the contact by the old key.
            await RewriteNetsAsync(eventId, renamed, organizerErased, cancellationToken);
            if (organizerErased)
            {
                // Disarmed as a cancellation would: contacts already alerted are told, once (only this write
                // changed the event), and the message names nobody.
                await safetyCancellations.TellContactsAsync(changed, CancellationToken.None);
            }
        }

        if (organizerErased && changed is not null)
        {
            // The client's list keeps the organiser's address key to filter by: the erased address's goes.
            await clientEvents.AddAsync(changed, cancellationToken);
        }

        return new EventErasure(record.OrganizerId, changed is not null, cancelled, replies, copies, keys);
    }

    /// <summary>
    /// The event's safety nets after an erasure: an erased contact's key renamed in <c>escalateTo</c> and
    /// in who was alerted (so that nothing names a key the event no longer has, and an answer's all-clear
    /// finds their alert, and no address); and once the organiser is erased, the note and the duress word
    /// gone at once, not at the purge (their pending rungs were cancelled with the check-ins). Safe to
    /// repeat. Returns the nets as they are now.
    /// </summary>
    private async Task<IReadOnlyList<AwaitedReply>> RewriteNetsAsync(string eventId, IReadOnlyDictionary<string, string> renamed, bool organizerErased, CancellationToken cancellationToken)
    {
        var nets = await events.GetAwaitedForEventAsync(eventId, cancellationToken);
        foreach (var net in nets)
        {
            await events.ChangeAwaitedAsync(
                eventId,
                net.CheckInId,
                a =>
                {
                    var escalateTo = a.Net.EscalateTo.Select(k => renamed.GetValueOrDefault(k, k)).ToList();
                    var alerted = a.Alerted?.Select(k => renamed.GetValueOrDefault(k, k)).ToList();
                    var changed = !escalateTo.SequenceEqual(a.Net.EscalateTo, StringComparer.Ordinal)
                        || (alerted is not null && !alerted.SequenceEqual(a.Alerted!, StringComparer.Ordinal))
                        || (organizerErased && (a.Net.Note ?? a.Net.DuressWord) is not null);
                    return changed
                        ? a with
                        {
                            Net = a.Net with { EscalateTo = escalateTo, Note = organizerErased ? null : a.Net.Note, DuressWord = organizerErased ? null : a.Net.DuressWord },
                            Alerted = alerted,
                        }
                        : null;
                },
                cancellationToken);
        }

        return await events.GetAwaitedForEventAsync(eventId, cancellationToken);
    }

    private async Task<int> ForgetOutboxAsync(ApiClient client, string address, IReadOnlySet<string> ours, CancellationToken cancellationToken)
    {
        var clientOf = new Dictionary<string, bool>(StringComparer.Ordinal);
        return await outbox.ForgetAsync(address, async eventId =>
        {
            // A message with no event (an answer to a text the number sent) is no client's.
            if (eventId is null)
            {
                return false;
            }

            if (ours.Contains(eventId))
            {
                return true;
            }

            if (!clientOf.TryGetValue(eventId, out var isOurs))
            {
                clientOf[eventId] = isOurs = (await events.GetEventAsync(eventId, cancellationToken))?.ClientId == client.Id;
            }

            return isOurs;
        }, cancellationToken);
    }

    private static bool Matches(Participant person, Channel channel, string address) =>
        channel == Channel.Sms ? person.Phone == address : string.Equals(person.Email, address, StringComparison.OrdinalIgnoreCase);

    private static Participant Erase(Participant person, Channel channel, string address) => Matches(person, channel, address)
        ? person with
        {
            Name = Erased,
            Phone = channel == Channel.Sms ? null : person.Phone,
            Email = channel == Channel.Email ? null : person.Email,
            Needs = null,
            QuietHours = null,
            QuietHoursFromRecipient = false,

            // A trusted contact's agreement goes with the ledger lines that are its evidence: asked again if ever.
            AgreedAlerts = null,
            AlertsInQuietHours = null,
        }
        : person;
}

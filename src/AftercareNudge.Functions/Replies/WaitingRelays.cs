using AftercareNudge.Consent;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Replies;

/// <summary>
/// Replies kept for an organiser who has confirmed no channel yet. Consent first holds for the
/// organiser too, so such a relay is not sent, and not dropped either: the dispatcher parks it (still
/// <c>scheduled</c>, reason <see cref="CheckInReasons.AwaitingOrganizer"/>, out of the due index) and
/// it is released, due a minute later, as soon as the organiser confirms their own number or address
/// (<see cref="ConsentRecordedAsync"/>). Parked relays are listed by organiser (table
/// <c>WaitingRelays</c>: partition the organiser id, row <c>&lt;event id&gt;_&lt;relay id&gt;</c>), written
/// before the relay is parked so that none is ever out of reach.
/// </summary>
public sealed class WaitingRelays(AppTables tables, EventStore events, DueCheckInIndex dueIndex, RecipientCheckIns recipients, TimeProvider time, ILogger<WaitingRelays> logger)
    : IConsentObserver
{
    /// <summary>A released relay is due this long after the grant: past the dispatcher's look-ahead, so no run finds its index row before its row says so.</summary>
    public static readonly TimeSpan ReleaseDelay = TimeSpan.FromMinutes(1);

    /// <summary>Whether <paramref name="relay"/> waited here before it was released: its writer is told once it goes.</summary>
    public static bool Waited(CheckInRecord relay)
    {
        ArgumentNullException.ThrowIfNull(relay);
        return relay.Kind == CheckInKind.Relay && relay.Reason == CheckInReasons.AwaitingOrganizer;
    }

    /// <summary>Parks a claimed relay: listed under its organiser first, then marked, then out of the due index. False if the claim was lost.</summary>
    internal async Task<bool> ParkAsync(EventRecord record, DueEntry entry, CheckInRecord claimed)
    {
        var table = await tables.GetAsync(AppTables.WaitingRelays, CancellationToken.None);
        await table.UpsertEntityAsync(new TableEntity(record.OrganizerId, Row(claimed)) { ["EventId"] = claimed.EventId, ["RelayId"] = claimed.Id }, TableUpdateMode.Replace, CancellationToken.None);
        try
        {
            await events.UpdateCheckInAsync(
                claimed with { Status = CheckInStatus.Scheduled, ClaimedUntil = null, Attempts = claimed.Attempts - 1, Reason = CheckInReasons.AwaitingOrganizer },
                CancellationToken.None);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return false;
        }

        await dueIndex.RemoveAsync(entry, CancellationToken.None);
        WaitingRelaysLog.Parked(logger, claimed.EventId, claimed.Id);
        return true;
    }

    /// <summary>
    /// A grant by an organiser of their own address releases every relay parked for them, by the
    /// channel they chose for replies if it is confirmed, else by the one just confirmed.
    /// </summary>
    public async Task ConsentRecordedAsync(ConsentDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (decision.State != ConsentState.Granted || decision.OrganizerId is not { } organizerId)
        {
            return;
        }

        var table = await tables.GetAsync(AppTables.WaitingRelays, cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {organizerId}"), cancellationToken: cancellationToken))
        {
            var record = await events.GetEventAsync(row.GetString("EventId"), cancellationToken);
            var relay = record is null ? null : await events.GetCheckInAsync(record.Id, row.GetString("RelayId"), cancellationToken);
            if (record is null || relay is null || !relay.AwaitsOrganizer)
            {
                // Released or finished meanwhile, or the event is gone: nothing waits on this row.
                await table.TryDeleteAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                continue;
            }

            if (record.Organizer.Address(decision.Channel) is not { } own || AddressKeys.For(decision.Channel, own) != AddressKeys.For(decision.Channel, decision.Address))
            {
                // Someone else agreed to this organiser: that is not the organiser confirming.
                continue;
            }

            await ReleaseAsync(record, relay, decision.Channel, cancellationToken);
            await table.TryDeleteAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
    }

    private async Task ReleaseAsync(EventRecord record, CheckInRecord relay, Channel confirmed, CancellationToken cancellationToken)
    {
        // Their choice first: the relay keeps its channel unless only the other one is confirmed now.
        var channel = relay.Channel;
        if (channel != confirmed)
        {
            channel = confirmed;
            await recipients.AddAsync(record, [relay with { Channel = channel }], cancellationToken);
        }

        var next = new DueEntry(relay.EventId, relay.Id, StoredTime.WholeMilliseconds(time.GetUtcNow() + ReleaseDelay), record.ClientId);
        await dueIndex.AddAsync([next], cancellationToken);
        try
        {
            // The reason stays until it is sent: it tells the dispatcher to let the replier know.
            await events.UpdateCheckInAsync(relay with { Channel = channel, NextAttemptAt = next.NextAttemptAt }, cancellationToken);
            WaitingRelaysLog.Released(logger, relay.EventId, relay.Id, channel);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            // Changed meanwhile (released by another grant, or cancelled): that one stands.
            await dueIndex.RemoveAsync(next, cancellationToken);
        }
    }

    private static string Row(CheckInRecord relay) => relay.EventId + "_" + relay.Id;
}

/// <summary>Waiting relay log messages (event ids 270-279): ids and channels only.</summary>
internal static partial class WaitingRelaysLog
{
    [LoggerMessage(EventId = 270, Level = LogLevel.Information, Message = "Relay {EventId}/{RelayId} waits for the organiser to confirm a channel")]
    public static partial void Parked(ILogger logger, string eventId, string relayId);

    [LoggerMessage(EventId = 271, Level = LogLevel.Information, Message = "Relay {EventId}/{RelayId} released by the organiser's confirmation, by {Channel}")]
    public static partial void Released(ILogger logger, string eventId, string relayId, Channel channel);
}

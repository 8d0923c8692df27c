using AftercareNudge.Schedule;
using AftercareNudge.Security;

namespace AftercareNudge.Events;

// GET /api/events: a page of the client's events, in start order, from its event index.
public sealed partial class EventService
{
    /// <summary>Index rows one page reads per event it may return (the organiser filter passes over rows without reading their events).</summary>
    public const int IndexRowsPerEvent = 10;

    /// <summary>The most index rows one page reads: one query request.</summary>
    public const int MaxIndexRowsPerPage = 1000;

    /// <summary>Events one page reads per event it may return (a status filter passes over events that do not match).</summary>
    public const int EventReadsPerEvent = 2;

    /// <summary>Events read at once.</summary>
    private const int ReadsAtOnce = 10;

    /// <summary>
    /// A page of the client's events in start order (then by id), each as <see cref="GetAsync"/> shows it.
    /// The work is bounded: one query of at most <see cref="IndexRowsPerEvent"/> × page size index rows
    /// (at most <see cref="MaxIndexRowsPerPage"/>), and at most <see cref="EventReadsPerEvent"/> × page size
    /// events read; where that stops short, the page is short (or empty) and its token continues from
    /// there. Index rows that find no event, a purged one, or a start the event no longer has are skipped
    /// (and deleted once old enough to be no write in progress).
    /// </summary>
    public async Task<EventList> ListAsync(ApiClient client, EventListQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(query);
        await backfill.EnsureAsync(client.Id, cancellationToken);

        var after = query.ContinueAfter ?? "";
        if (query.StartsAfter is { } startsAfter && string.CompareOrdinal(ClientEventIndex.AfterKey(startsAfter), after) > 0)
        {
            after = ClientEventIndex.AfterKey(startsAfter);
        }

        var (rows, more) = await clientEvents.ReadAsync(client.Id, after, Math.Min(MaxIndexRowsPerPage, query.PageSize * IndexRowsPerEvent), cancellationToken);
        var smsKey = query.OrganizerPhone is { } phone ? AddressKeys.For(Channel.Sms, phone) : null;
        var emailKey = query.OrganizerEmail is { } email ? AddressKeys.For(Channel.Email, email) : null;

        // The organiser filter on the index's own columns, so that another organiser's events are not read.
        var candidates = rows.Where(r => (smsKey is null || r.OrganizerSms == smsKey) && (emailKey is null || r.OrganizerEmail == emailKey)).ToList();
        var events = new List<EventView>();
        var readsLeft = query.PageSize * EventReadsPerEvent;
        var consumed = 0;
        var position = after;
        while (consumed < candidates.Count && events.Count < query.PageSize && readsLeft > 0)
        {
            var chunk = candidates.Skip(consumed).Take(Math.Min(Math.Min(query.PageSize - events.Count, ReadsAtOnce), readsLeft)).ToList();
            readsLeft -= chunk.Count;
            var listed = await Task.WhenAll(chunk.Select(row => ListedAsync(client, row, query, cancellationToken)));
            for (var i = 0; i < chunk.Count && events.Count < query.PageSize; i++)
            {
                consumed++;
                position = chunk[i].RowKey;
                if (listed[i] is { } view)
                {
                    events.Add(view);
                }
            }
        }

        if (consumed == candidates.Count && rows.Count > 0)
        {
            // Every row read was looked at, those the organiser filter passed over too.
            position = rows[^1].RowKey;
        }
        else
        {
            more = true;
        }

        return new EventList(events, more && position.Length > 0 ? EventListQuery.Token(position) : null);
    }

    /// <summary>The event an index row finds, as GET shows it, if it is listed and matches the query; null otherwise.</summary>
    private async Task<EventView?> ListedAsync(ApiClient client, ClientEventEntry row, EventListQuery query, CancellationToken cancellationToken)
    {
        var found = await store.GetRowsAsync(row.EventId, cancellationToken);
        if (found is { Event.PendingChange: not null } && await pending.RollForwardAsync(row.EventId, cancellationToken))
        {
            found = await store.GetRowsAsync(row.EventId, cancellationToken);
        }

        if (found is not { } f || f.Event.ClientId != client.Id || f.Event.PurgedAt is not null || ClientEventIndex.RowKey(f.Event.StartsAtUtc, f.Event.Id) != row.RowKey)
        {
            // No event (yet), or a purged one, or a start it no longer has. A young row may be a
            // registration or a PATCH still being written; a purged event is never listed again.
            var final = found is { } gone && (gone.Event.PurgedAt is not null || gone.Event.ClientId != client.Id);
            if ((final || time.GetUtcNow() - row.WrittenAt > ClientEventIndex.StaleAfter) && await clientEvents.RemoveAsync(row, cancellationToken))
            {
                EventsLog.StaleIndexRowRemoved(logger, row.EventId, client.Id);
            }

            return null;
        }

        var record = f.Event;
        if (ClientEventIndex.OrganizerKeys(record.Organizer) != (row.OrganizerSms, row.OrganizerEmail))
        {
            // The organiser's address was erased since the row was written: the row forgets its key too.
            await clientEvents.RefreshAsync(row, record, cancellationToken);
        }

        // The event itself decides, not the row's columns.
        if ((query.OrganizerPhone is { } phone && record.Organizer.Phone != phone)
            || (query.OrganizerEmail is { } email && !string.Equals(record.Organizer.Email, email, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        if (query.Status is { } wanted)
        {
            // Cancelled, completed and ended need no consent read to tell; the others do.
            var known = StatusWithoutConsent(record, f.CheckIns);
            if ((known is not null && known != wanted) || (known is null && wanted is EventStatus.Cancelled or EventStatus.Completed or EventStatus.Ended))
            {
                return null;
            }
        }

        var view = await ViewAsync(record, f.CheckIns, EventStore.RepliesOf(f), f.Awaited, cancellationToken);
        return query.Status is null || view.Status == query.Status ? view : null;
    }
}

/// <summary>Event list log messages (event ids 507-509): ids and counts only.</summary>
internal static partial class EventsLog
{
    [LoggerMessage(EventId = 507, Level = LogLevel.Information, Message = "Client {ClientId}: {RowCount} events stored before the event index was given their rows")]
    public static partial void IndexBackfilled(ILogger logger, string clientId, int rowCount);

    [LoggerMessage(EventId = 508, Level = LogLevel.Information, Message = "Event {EventId}: a stale row of client {ClientId}'s event index was deleted")]
    public static partial void StaleIndexRowRemoved(ILogger logger, string eventId, string clientId);
}

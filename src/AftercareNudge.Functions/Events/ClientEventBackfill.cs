using System.Collections.Concurrent;
using AftercareNudge.Schedule;

namespace AftercareNudge.Events;

/// <summary>
/// Gives the events a client stored before <see cref="ClientEventIndex"/> existed their rows, once per
/// client, on its first list: a scan of the Events table for the client's event rows (the table is
/// partitioned by event, so this reads every event row of every client, server side, about a thousand
/// per request), their rows upserted a hundred to a transaction, then the marker. Two lists racing both
/// fill, harmlessly (the rows are the same). Once the marker is seen, this process does not ask again.
/// </summary>
public sealed class ClientEventBackfill(ClientEventIndex index, EventStore store, ILogger<ClientEventBackfill> logger)
{
    private readonly ConcurrentDictionary<string, bool> _done = new(StringComparer.Ordinal);

    /// <summary>True when this call filled the index (the client's first list).</summary>
    public async Task<bool> EnsureAsync(string clientId, CancellationToken cancellationToken)
    {
        if (_done.ContainsKey(clientId))
        {
            return false;
        }

        if (await index.IsBackfilledAsync(clientId, cancellationToken))
        {
            _done[clientId] = true;
            return false;
        }

        var records = new List<EventRecord>();
        await foreach (var record in store.ScanClientEventsAsync(clientId, cancellationToken))
        {
            // A purged event is not listed: it gets no row.
            if (record.PurgedAt is null)
            {
                records.Add(record);
            }
        }

        await index.AddManyAsync(clientId, records, cancellationToken);
        await index.MarkBackfilledAsync(clientId, records.Count, cancellationToken);
        _done[clientId] = true;
        EventsLog.IndexBackfilled(logger, clientId, records.Count);
        return true;
    }
}

using AftercareNudge.Consent;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Privacy;

/// <summary>What one purge run did: events whose content was deleted, rows moved later, rows dropped, failures.</summary>
public sealed record PurgeReport(int Purged, int Postponed, int Cleaned, int Errored)
{
    public override string ToString() => $"purged {Purged}, postponed {Postponed}, index rows cleaned {Cleaned}, errors {Errored}";
}

public enum PurgeOutcome
{
    Purged,
    Postponed,
    Cleaned,
    Busy,
}

/// <summary>
/// Deletes an event's content <see cref="PrivacyOptions.RetainEventContentFor"/> after its last
/// check-in (or its end, if later; a cancelled check-in's time counts too), once nothing of it is
/// still to be sent. What goes: the title (<see cref="Deleted"/>), the kind (<c>other</c>: "therapy"
/// or "scene" is content), the aftercare plan, every person's name, addresses, needs and quiet hours,
/// the people's keys (<c>person.1</c>, <c>person.2</c>…: keys are often names), every check-in's
/// message, every reply, the consent links made for the event, and the index rows that tie its
/// addresses to it, and its row in the client's event list. What stays: the event's id, client, organiser id (a hash), times and zone, and
/// each check-in's recipient key, channel, times, status and reason, so GET still answers with the
/// statuses and <c>"purged": true</c>. The consent ledger is not touched. The event row is written
/// last, conditional on its ETag, so a run that dies half way, or two runs at once, only repeat
/// deletes that are harmless to repeat.
/// </summary>
public sealed class EventPurge(
    PurgeIndex index,
    EventStore events,
    PendingChanges pending,
    RecipientCheckIns recipients,
    AddressIndex addresses,
    LinkTokens tokens,
    ClientEventIndex clientEvents,
    IOptions<PrivacyOptions> options,
    TimeProvider time,
    ILogger<EventPurge> logger)
{
    public const string Deleted = RemovedNames.Deleted;

    /// <summary>A run stops taking new events after this long, well inside the host's function timeout.</summary>
    public static readonly TimeSpan RunBudget = TimeSpan.FromMinutes(4);

    /// <summary>An event with something still to send is looked at again after this long.</summary>
    public static readonly TimeSpan RecheckUnfinishedAfter = TimeSpan.FromDays(1);

    private const int MaxTries = 3;

    public async Task<PurgeReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        int purged = 0, postponed = 0, cleaned = 0, errored = 0;
        await foreach (var entry in index.ReadDueAsync(now, cancellationToken))
        {
            if (time.GetElapsedTime(started) > RunBudget)
            {
                // The rest is still due next hour: nothing is lost by stopping.
                break;
            }

            try
            {
                switch (await ProcessAsync(entry, now, cancellationToken))
                {
                    case PurgeOutcome.Purged: purged++; break;
                    case PurgeOutcome.Postponed: postponed++; break;
                    case PurgeOutcome.Cleaned: cleaned++; break;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The row stays: the next run tries again.
                errored++;
                PrivacyLog.PurgeFailed(logger, e, entry.EventId);
            }
        }

        var report = new PurgeReport(purged, postponed, cleaned, errored);
        PrivacyLog.PurgeRun(logger, purged, postponed, cleaned, errored);
        return report;
    }

    /// <summary>One due row: purge the event, or move the row to when it may be purged, or drop a row that finds nothing.</summary>
    internal async Task<PurgeOutcome> ProcessAsync(PurgeEntry entry, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxTries; attempt++)
        {
            var rows = await events.GetRowsAsync(entry.EventId, cancellationToken);
            if (rows is null || rows.Event.PurgedAt is not null)
            {
                // Never written (registration died after the index row), or purged by another run (which
                // may have died before the client's list forgot it).
                if (rows is not null)
                {
                    await clientEvents.RemoveAsync(rows.Event, cancellationToken);
                }

                await index.RemoveAsync(entry, cancellationToken);
                return PurgeOutcome.Cleaned;
            }

            if (rows.Event.PendingChange is not null)
            {
                // A change cut off half way may add or move check-ins: finish it, then judge.
                await pending.RollForwardAsync(entry.EventId, cancellationToken);
                continue;
            }

            // Computed now, not at registration: a PATCH may have moved the last check-in, a retry or a
            // fallback may have come later.
            var purgeAt = PurgeIndex.LastActivity(rows.Event, rows.CheckIns) + options.Value.RetainEventContentFor;
            // A reply kept for an organiser who never confirmed is kept only as long as the content.
            if (rows.CheckIns.Any(c => !c.IsFinished && !c.AwaitsOrganizer))
            {
                purgeAt = Max(purgeAt, now + RecheckUnfinishedAfter);
            }

            if (purgeAt > now)
            {
                await index.MoveAsync(entry, purgeAt, cancellationToken);
                return PurgeOutcome.Postponed;
            }

            if (await PurgeAsync(rows, now, cancellationToken))
            {
                // A purged event is not listed: the client's list forgets it after the event is marked,
                // so that it is listed until then.
                await clientEvents.RemoveAsync(rows.Event, cancellationToken);
                await index.RemoveAsync(entry, cancellationToken);
                PrivacyLog.Purged(logger, entry.EventId, rows.CheckIns.Count, rows.Replies.Count);
                return PurgeOutcome.Purged;
            }
        }

        // Someone kept changing the event: the row stays, and the next run looks again.
        return PurgeOutcome.Busy;
    }

    /// <summary>The deletes first, the event's own row last (ETag-conditional). False if the event changed meanwhile.</summary>
    private async Task<bool> PurgeAsync(EventRows rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var record = rows.Event;
        var keys = new Dictionary<string, string>(StringComparer.Ordinal) { [Participant.OrganizerKey] = Participant.OrganizerKey };
        for (var i = 0; i < record.People.Count; i++)
        {
            // A '.' is not allowed in a client's key, so a new key never collides with an old one, and
            // a run repeated after a half-done purge recognises what it renamed before.
            keys[record.People[i].Key] = "person." + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var addressKeys = record.Everyone
            .SelectMany(p => p.Channels().Select(c => AddressKeys.For(c, p.Address(c)!)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var addressKey in addressKeys)
        {
            await recipients.RemoveEventAsync(addressKey, record.Id, cancellationToken);
            await addresses.RemoveEventAsync(addressKey, record.Id, cancellationToken);
        }

        await tokens.RemoveForEventAsync(record.Id, cancellationToken);
        foreach (var relay in rows.CheckIns.Where(c => c.AwaitsOrganizer))
        {
            // Its reply goes with the content: it will never be passed on.
            await events.UpdateCheckInAsync(relay with { Status = CheckInStatus.Cancelled, Reason = CheckInReasons.ReplyErased }, cancellationToken);
        }

        await events.ScrubCheckInsAsync(record.Id, rows.CheckIns.Select(c => (c.Id, keys.GetValueOrDefault(c.To, c.To))).ToList(), cancellationToken);
        await events.DeleteRowsAsync(record.Id, rows.Replies.Select(r => r.RowKey).Concat(rows.ChangeRows).Concat(rows.Awaited.Select(a => EventStore.AwaitRowKey(a.CheckInId))), cancellationToken);

        try
        {
            await events.UpdateEventAsync(
                record with
                {
                    Title = Deleted,
                    Kind = "other",
                    Plan = null,
                    Organizer = Scrubbed(record.Organizer, Participant.OrganizerKey),
                    People = record.People.Select(p => Scrubbed(p, keys[p.Key])).ToList(),
                    PurgedAt = now,
                },
                cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed())
        {
            return false;
        }
    }

    private static Participant Scrubbed(Participant person, string key) => new(key, Deleted, null, null, person.TimeZone);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}

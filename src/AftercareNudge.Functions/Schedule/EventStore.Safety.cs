using System.Text.Json;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

// An armed check-in's safety net (AwaitedReply): a row beside the check-in in the event's partition.
public sealed partial class EventStore
{
    private const string AwaitRowPrefix = "await-";

    /// <summary>The row key of a check-in's safety net: the purge deletes it with the event's content.</summary>
    public static string AwaitRowKey(string checkInId) => AwaitRowPrefix + checkInId;

    /// <summary>A check-in's safety net, or null when it is not armed.</summary>
    public async Task<AwaitedReply?> GetAwaitedAsync(string eventId, string checkInId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(eventId, AwaitRowKey(checkInId), cancellationToken: cancellationToken);
        return response.HasValue ? ToAwaitedReply(response.Value!) : null;
    }

    /// <summary>Every armed check-in's safety net in the event, in one range query of its partition.</summary>
    public async Task<IReadOnlyList<AwaitedReply>> GetAwaitedForEventAsync(string eventId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var found = new List<AwaitedReply>();

        // "await." sorts right after every "await-…" key.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {eventId} and RowKey ge {AwaitRowPrefix} and RowKey lt {"await."}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            found.Add(ToAwaitedReply(row));
        }

        return found;
    }

    /// <summary>
    /// Reads a safety net and writes what <paramref name="change"/> makes of it (null: leave it),
    /// conditional on the ETag; if it changed in between, reads it again and asks again (a few times:
    /// an answer, a reminder and an alert may all be at it at once). Returns the net as written, or
    /// null when there is none or nothing was changed.
    /// </summary>
    public async Task<AwaitedReply?> ChangeAwaitedAsync(string eventId, string checkInId, Func<AwaitedReply, AwaitedReply?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var awaited = await GetAwaitedAsync(eventId, checkInId, cancellationToken);
            if (awaited is null || change(awaited) is not { } changed)
            {
                return null;
            }

            try
            {
                var response = await table.UpdateEntityAsync(ToEntity(changed), awaited.ETag, TableUpdateMode.Replace, cancellationToken);
                return changed with { ETag = response.Headers.ETag ?? default };
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() && attempt < 5)
            {
                // Changed since we read it: look again, the change may no longer apply.
            }
        }
    }

    private static TableEntity ToEntity(AwaitedReply a) => new(a.EventId, AwaitRowKey(a.CheckInId))
    {
        ["Net"] = JsonSerializer.Serialize(a.Net, Json),
        ["DueAt"] = a.DueAt,
        ["State"] = a.State.ToString(),
        ["AnsweredAt"] = a.AnsweredAt,
        ["AnsweredBy"] = a.AnsweredBy,
        ["StoppedAt"] = a.StoppedAt,
        ["RemindedAt"] = a.RemindedAt,
        ["EscalatedAt"] = a.EscalatedAt,
        ["Alerted"] = a.Alerted is { Count: > 0 } alerted ? string.Join(",", alerted) : null,
        ["DuressAt"] = a.DuressAt,
        ["ExtendedBySeconds"] = a.ExtendedBy == default ? null : (long)a.ExtendedBy.TotalSeconds,
        ["ExtendedWith"] = a.ExtendedWith,
    };

    private static AwaitedReply ToAwaitedReply(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey[AwaitRowPrefix.Length..],
        JsonSerializer.Deserialize<SafetyNet>(e.GetString("Net"), Json)!,
        e.GetDateTimeOffset("DueAt")!.Value,
        Enum.Parse<AwaitState>(e.GetString("State")),
        e.GetDateTimeOffset("AnsweredAt"),
        e.GetString("AnsweredBy"),
        e.GetDateTimeOffset("StoppedAt"),
        e.GetDateTimeOffset("RemindedAt"),
        e.GetDateTimeOffset("EscalatedAt"),
        e.GetString("Alerted") is { Length: > 0 } alerted ? alerted.Split(',') : null,
        e.GetDateTimeOffset("DuressAt"),
        TimeSpan.FromSeconds(e.GetInt64("ExtendedBySeconds") ?? 0),
        e.GetString("ExtendedWith"),
        e.ETag);
}

using System.Text.Json;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

/// <summary>
/// Events and their check-ins, one partition per event (<c>PartitionKey</c> = event id), so an event
/// and all its check-ins are written in one transaction.
/// </summary>
public sealed partial class EventStore(AppTables tables, DueCheckInIndex dueIndex)
{
    private const string EventRow = "event";
    private const string CheckInRowPrefix = "checkin-";
    private const string ReplyRowPrefix = "reply-";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The due index first, then the event: if the second write fails, the index holds rows for an event
    /// that does not exist, which the dispatcher drops when they come due. The other order could leave
    /// a check-in that nothing would ever find. The event, its check-ins (a safety ladder's rows among
    /// them) and the safety nets of its armed check-ins (<paramref name="awaited"/>) are one partition
    /// transaction: no check-in is ever armed without its ladder, nor a ladder written without its net.
    /// </summary>
    public async Task CreateAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, CancellationToken cancellationToken, IReadOnlyList<AwaitedReply>? awaited = null)
    {
        await dueIndex.AddAsync(checkIns.Select(c => new DueEntry(c.EventId, c.Id, c.NextAttemptAt, record.ClientId)), cancellationToken);
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, ToEntity(record)) };
        actions.AddRange(checkIns.Select(c => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(c))));
        actions.AddRange((awaited ?? []).Select(a => new TableTransactionAction(TableTransactionActionType.Add, ToEntity(a))));
        await table.SubmitTransactionAsync(actions, cancellationToken);
    }

    /// <summary>The event, its check-ins and the replies to them, in one partition query; null if there is no such event.</summary>
    public async Task<(EventRecord Event, IReadOnlyList<CheckInRecord> CheckIns, IReadOnlyList<CheckInReply> Replies)?> GetAsync(string eventId, CancellationToken cancellationToken) =>
        await GetRowsAsync(eventId, cancellationToken) is { } rows
            ? (rows.Event, rows.CheckIns, RepliesOf(rows))
            : null;

    /// <summary>The replies of an event's rows, oldest first.</summary>
    public static IReadOnlyList<CheckInReply> RepliesOf(EventRows rows) =>
        rows.Replies.Select(r => new CheckInReply(r.CheckInId, r.Body, r.ReceivedAt, r.RowKey[ReplyRowPrefix.Length..])).OrderBy(r => r.ReceivedAt).ToList();

    /// <summary>A free-text reply to a check-in, kept with its event (and deleted with it).</summary>
    public async Task AddReplyAsync(string eventId, CheckInReply reply, string messageId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var row = new TableEntity(eventId, ReplyRowPrefix + messageId)
        {
            ["CheckInId"] = reply.CheckInId,
            ["Body"] = reply.Body,
            ["ReceivedAt"] = reply.ReceivedAt,
        };
        await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<EventRecord?> GetEventAsync(string eventId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(eventId, EventRow, cancellationToken: cancellationToken);
        return response.HasValue ? ToEventRecord(response.Value!) : null;
    }

    /// <summary>
    /// Every event of one client: a scan of the whole table (events live in a partition each, and only
    /// the event row names its client), for filling <see cref="ClientEventIndex"/> once per client.
    /// </summary>
    public async IAsyncEnumerable<EventRecord> ScanClientEventsAsync(string clientId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {EventRow} and ClientId eq {clientId}"), cancellationToken: cancellationToken))
        {
            yield return ToEventRecord(entity);
        }
    }

    public async Task<CheckInRecord?> GetCheckInAsync(string eventId, string checkInId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(eventId, CheckInRowPrefix + checkInId, cancellationToken: cancellationToken);
        return response.HasValue ? ToCheckInRecord(response.Value!) : null;
    }

    /// <summary>Replaces the event row only if it still has <paramref name="record"/>'s ETag (412 otherwise).</summary>
    public async Task<EventRecord> UpdateEventAsync(EventRecord record, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var response = await table.UpdateEntityAsync(ToEntity(record), record.ETag, TableUpdateMode.Replace, cancellationToken);
        return record with { ETag = response.Headers.ETag ?? default };
    }

    /// <summary>
    /// Reads the event and writes what <paramref name="change"/> makes of it (null: leave it), conditional
    /// on the ETag; if someone changed it in between, reads it again and asks once more. Returns the
    /// event as written, or null when there is no such event or nothing was changed.
    /// </summary>
    public async Task<EventRecord?> ChangeEventAsync(string eventId, Func<EventRecord, EventRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 1; ; attempt++)
        {
            var record = await GetEventAsync(eventId, cancellationToken);
            if (record is null || change(record) is not { } changed)
            {
                return null;
            }

            try
            {
                return await UpdateEventAsync(changed, cancellationToken);
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() && attempt < 3)
            {
                // Changed since we read it: look again, the change may no longer apply.
            }
        }
    }

    /// <summary>
    /// Replaces a check-in only if nobody changed it since it was read (its ETag); a
    /// <see cref="RequestFailedException"/> with status 412 means someone else got there first.
    /// </summary>
    public async Task<CheckInRecord> UpdateCheckInAsync(CheckInRecord checkIn, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var response = await table.UpdateEntityAsync(ToEntity(checkIn), checkIn.ETag, TableUpdateMode.Replace, cancellationToken);
        return checkIn with { ETag = response.Headers.ETag ?? default };
    }

    /// <summary>
    /// Reads a check-in and writes what <paramref name="change"/> makes of it (null: leave it as it is),
    /// conditional on the ETag; if someone changed it in between, reads it again and asks once more.
    /// Returns whether the check-in changed; false too when there is no such check-in.
    /// </summary>
    public async Task<bool> ChangeCheckInAsync(string eventId, string checkInId, Func<CheckInRecord, CheckInRecord?> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        for (var attempt = 1; ; attempt++)
        {
            var checkIn = await GetCheckInAsync(eventId, checkInId, cancellationToken);
            if (checkIn is null || change(checkIn) is not { } changed)
            {
                return false;
            }

            try
            {
                await UpdateCheckInAsync(changed, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() && attempt == 1)
            {
                // Changed since we read it: look again, the change may no longer apply.
            }
        }
    }

    private static TableEntity ToEntity(EventRecord e) => new(e.Id, EventRow)
    {
        ["ClientId"] = e.ClientId,
        ["OrganizerId"] = e.OrganizerId,
        ["Title"] = e.Title,
        ["Kind"] = e.Kind,
        ["TimeZone"] = e.TimeZone,
        ["StartsAtLocal"] = e.StartsAtLocal,
        ["EndsAtLocal"] = e.EndsAtLocal,
        // The instants' columns keep the names the first rows were written with.
        ["StartsAt"] = e.StartsAtUtc,
        ["EndsAt"] = e.EndsAtUtc,
        ["Organizer"] = JsonSerializer.Serialize(e.Organizer, Json),
        ["People"] = JsonSerializer.Serialize(e.People, Json),
        ["CreatedAt"] = e.CreatedAt,
        ["CancelledAt"] = e.CancelledAt,
        ["Plan"] = e.Plan,
        ["PendingChange"] = e.PendingChange,
        ["PurgedAt"] = e.PurgedAt,
    };

    private static EventRecord ToEventRecord(TableEntity e) => new(
        e.PartitionKey,
        e.GetString("ClientId"),
        e.GetString("OrganizerId"),
        e.GetString("Title"),
        e.GetString("Kind"),
        e.GetString("TimeZone"),
        e.GetString("StartsAtLocal"),
        e.GetString("EndsAtLocal"),
        e.GetDateTimeOffset("StartsAt")!.Value,
        e.GetDateTimeOffset("EndsAt")!.Value,
        JsonSerializer.Deserialize<Participant>(e.GetString("Organizer"), Json)!,
        JsonSerializer.Deserialize<List<Participant>>(e.GetString("People"), Json)!,
        e.GetDateTimeOffset("CreatedAt")!.Value,
        e.GetDateTimeOffset("CancelledAt"),
        e.ETag,
        e.GetString("Plan"),
        PendingChange: e.GetString("PendingChange"),
        PurgedAt: e.GetDateTimeOffset("PurgedAt"));

    private static TableEntity ToEntity(CheckInRecord c) => new(c.EventId, CheckInRowPrefix + c.Id)
    {
        ["Position"] = c.Position,
        ["To"] = c.To,
        ["Channel"] = c.Channel.ToString(),
        ["Message"] = c.Message,
        ["Timing"] = JsonSerializer.Serialize(c.Timing, Json),
        ["DueAt"] = c.DueAt,
        ["NextAttemptAt"] = c.NextAttemptAt,
        ["Status"] = c.Status.ToString(),
        ["Reason"] = c.Reason,
        ["Attempts"] = c.Attempts,
        ["ClaimedUntil"] = c.ClaimedUntil,
        ["SentAt"] = c.SentAt,
        ["ProviderMessageId"] = c.ProviderMessageId,
        ["Kind"] = c.Kind.ToString(),
        ["RelatesTo"] = c.RelatesTo,
        ["PendingDelivery"] = c.PendingDelivery is null ? null : JsonSerializer.Serialize(c.PendingDelivery, Json),
        ["MovedAt"] = c.MovedAt,

        // Written only when armed: every other row keeps the columns it had.
        ["AwaitsReply"] = c.AwaitsReply ? true : null,
    };

    private static CheckInRecord ToCheckInRecord(TableEntity e) => new(
        e.PartitionKey,
        e.RowKey[CheckInRowPrefix.Length..],
        e.GetInt32("Position") ?? 0,
        e.GetString("To"),
        Enum.Parse<Channel>(e.GetString("Channel")),
        e.GetString("Message"),
        JsonSerializer.Deserialize<CheckInTiming>(e.GetString("Timing"), Json)!,
        e.GetDateTimeOffset("DueAt")!.Value,
        e.GetDateTimeOffset("NextAttemptAt")!.Value,
        Enum.Parse<CheckInStatus>(e.GetString("Status")),
        e.GetString("Reason"),
        e.GetInt32("Attempts") ?? 0,
        e.GetDateTimeOffset("ClaimedUntil"),
        e.GetDateTimeOffset("SentAt"),
        e.GetString("ProviderMessageId"),
        e.ETag,
        e.GetString("Kind") is { } kind ? Enum.Parse<CheckInKind>(kind) : CheckInKind.CheckIn,
        e.GetString("RelatesTo"),
        e.GetString("PendingDelivery") is { } pending ? JsonSerializer.Deserialize<DeliveryReport>(pending, Json) : null,
        MovedAt: e.GetDateTimeOffset("MovedAt"),
        AwaitsReply: e.GetBoolean("AwaitsReply") == true);
}

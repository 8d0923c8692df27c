using AftercareNudge.Storage;
using Azure.Data.Tables;

namespace AftercareNudge.Schedule;

// Reading one reply back: a relay and a client notification are worded from it when they are sent
// (so that erasure and the purge, which delete the reply, leave none in what is still to send).
public sealed partial class EventStore
{
    /// <summary>The reply kept for inbound message <paramref name="messageId"/>, or null (never received, erased or purged).</summary>
    public async Task<CheckInReply?> GetReplyAsync(string eventId, string messageId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(eventId, ReplyRowPrefix + messageId, cancellationToken: cancellationToken);
        return response.HasValue && response.Value is { } row
            ? new CheckInReply(row.GetString("CheckInId"), row.GetString("Body") ?? "", row.GetDateTimeOffset("ReceivedAt") ?? default, messageId)
            : null;
    }
}

using AftercareNudge.Storage;
using Azure.Data.Tables;

namespace AftercareNudge.Events;

// What the client webhooks need of the Events table: one reply's words, read when its notification
// is sent (so that erasure and the purge, which delete the reply, leave none in a pending notification).
public sealed partial class EventStore
{
    /// <summary>The text of the reply kept under this message id, or null if there is none (any more).</summary>
    public async Task<string?> GetReplyTextAsync(string eventId, string messageId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.Events, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(eventId, ReplyRowPrefix + messageId, select: ["Body"], cancellationToken: cancellationToken);
        return response.HasValue ? response.Value!.GetString("Body") : null;
    }
}

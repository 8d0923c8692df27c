using AftercareNudge.Storage;
using Azure.Data.Tables;

namespace AftercareNudge.Messaging.Outbox;

/// <summary>One message the development outbox "sent" instead of a provider.</summary>
/// <param name="Body">The text (an email's plain-text part).</param>
/// <param name="Url">An email's HTML, as it would have been sent, to open in a browser (<c>GET /api/dev/outbox/{id}</c>); null for a text.</param>
public sealed record OutboxMessage(
    string Id,
    string Channel,
    string To,
    string? Subject,
    string Body,
    string Kind,
    string? EventId,
    string? CheckInId,
    DateTimeOffset CreatedAt,
    Uri? Url = null);

/// <summary>
/// Stands in for Twilio and SendGrid when neither is configured: every message is stored (newest first)
/// and printed to the console marked as not delivered. It is a whole delivery path, so the dispatcher
/// treats an outbox write exactly like a provider's acceptance.
/// </summary>
public sealed class OutboxSender(AppTables tables, TimeProvider time, ILogger<OutboxSender> logger) : ISmsSender, IEmailSender
{
    private const string Partition = "outbox";

    public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken) =>
        StoreAsync(new OutboxMessage("", "sms", message.To, null, message.Body, message.Kind, message.EventId, message.CheckInId, time.GetUtcNow()), null, cancellationToken);

    public Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken) =>
        StoreAsync(new OutboxMessage("", "email", message.To, message.Subject, message.Text, message.Kind, message.EventId, message.CheckInId, time.GetUtcNow()), message.Html, cancellationToken);

    public async Task<IReadOnlyList<OutboxMessage>> ListAsync(int take, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.DevOutbox, cancellationToken);
        var messages = new List<OutboxMessage>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: Math.Min(take, 1000), cancellationToken: cancellationToken))
        {
            messages.Add(Read(entity));
            if (messages.Count >= take)
            {
                break;
            }
        }

        return messages;
    }

    /// <summary>The HTML of the email with this id, as it would have been sent; null when the outbox holds no such email.</summary>
    public async Task<string?> FindHtmlAsync(string id, CancellationToken cancellationToken)
    {
        if (!OutboxHtml.IsId(id))
        {
            return null;
        }

        var table = await tables.GetAsync(AppTables.DevOutbox, cancellationToken);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        return row.HasValue ? OutboxHtml.Read(row.Value!) : null;
    }

    /// <summary>
    /// Erasure in outbox mode: deletes what was "sent" to <paramref name="address"/> that
    /// <paramref name="which"/> picks by event id. Reads the whole outbox: it exists only on a
    /// developer's machine. Returns how many messages were deleted.
    /// </summary>
    public async Task<int> ForgetAsync(string address, Func<string?, Task<bool>> which, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(which);
        var table = await tables.GetAsync(AppTables.DevOutbox, cancellationToken);
        var forgotten = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, select: ["RowKey", "To", "EventId"], cancellationToken: cancellationToken))
        {
            if (!string.Equals(entity.GetString("To"), address, StringComparison.OrdinalIgnoreCase) || !await which(entity.GetString("EventId")))
            {
                continue;
            }

            if (await table.TryDeleteAsync(Partition, entity.RowKey, Azure.ETag.All, cancellationToken))
            {
                forgotten++;
            }
        }

        return forgotten;
    }

    /// <summary>
    /// Erasure in outbox mode: deletes the messages of the event <paramref name="eventId"/>, to
    /// anyone, that <paramref name="which"/> picks by what they say and to whom (a relay to the
    /// organiser quotes the person who replied). Returns how many messages were deleted.
    /// </summary>
    public async Task<int> ForgetOfEventAsync(string eventId, Func<OutboxMessage, bool> which, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(which);
        var table = await tables.GetAsync(AppTables.DevOutbox, cancellationToken);
        var forgotten = 0;
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and EventId eq {eventId}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            if (which(Read(entity)) && await table.TryDeleteAsync(Partition, entity.RowKey, Azure.ETag.All, cancellationToken))
            {
                forgotten++;
            }
        }

        return forgotten;
    }

    private static OutboxMessage Read(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("Channel"),
        entity.GetString("To"),
        entity.GetString("Subject"),
        entity.GetString("Body"),
        entity.GetString("Kind"),
        entity.GetString("EventId"),
        entity.GetString("CheckInId"),
        entity.GetDateTimeOffset("CreatedAt") ?? default);

    private async Task<SendResult> StoreAsync(OutboxMessage message, string? html, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.DevOutbox, cancellationToken);

        // Newest first: row keys count down in time.
        var rowKey = TimeKeys.NewestFirst(message.CreatedAt) + "-" + Guid.NewGuid().ToString("N")[..12];
        var row = new TableEntity(Partition, rowKey)
        {
            ["Channel"] = message.Channel,
            ["To"] = message.To,
            ["Subject"] = message.Subject,
            ["Body"] = message.Body,
            ["Kind"] = message.Kind,
            ["EventId"] = message.EventId,
            ["CheckInId"] = message.CheckInId,
            ["CreatedAt"] = message.CreatedAt,
        };
        OutboxHtml.Write(row, html);
        await table.AddEntityAsync(row, cancellationToken);

        // The one place message text is ever printed, and only in outbox mode.
        OutboxLog.NotDelivered(logger, message.Channel, message.To, message.Subject ?? "", message.Body);
        return SendResult.Sent("outbox-" + rowKey);
    }

}

/// <summary>Development outbox log messages (event ids 300-319).</summary>
internal static partial class OutboxLog
{
    // The one log line with personal data and message text: it exists only in outbox mode, which a
    // deployed app refuses to start in (see DeliveryOptions).
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "[dev outbox] NOT DELIVERED ({Channel}) to {To} {Subject}: {Body}")]
    public static partial void NotDelivered(ILogger logger, string channel, string to, string subject, string body);
}

public static class OutboxExtensions
{
    internal static IServiceCollection AddOutbox(this IServiceCollection services)
    {
        services.AddSingleton<OutboxSender>();
        return services;
    }
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using AftercareNudge.Hosting;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Notifications;

/// <summary>What one notification says, as the receiver gets it.</summary>
public sealed record NotificationPayload(string Id, string Type, DateTimeOffset CreatedAt, NotificationPayloadData Data);

/// <summary>The facts of a notification: ids, the person's key in the event, never an address.</summary>
public sealed record NotificationPayloadData(
    string EventId,
    string? CheckInId,
    string PersonKey,
    Channel Channel,
    string? Kind,
    string? Status,
    string? Reason,
    string? Text);

/// <summary>What one delivery run did, in counts.</summary>
public sealed record WebhookDeliveryReport(int Delivered, int Failed, int GaveUp, int Cleaned);

/// <summary>
/// Sends the notifications that are due to their client's webhook (the <c>DeliverWebhookNotifications</c>
/// timer, every minute): a signed JSON POST (<see cref="WebhookSignature"/>). A 2xx answer delivers it;
/// anything else (another status, a timeout, no connection) is tried again later, 1 minute after the
/// first try and doubling to at most an hour, until 24 hours after the notification was made, when it
/// is given up and logged. A run also takes what falls due within <see cref="WebhookOptions.LookAhead"/>
/// and waits for it, so that a retry goes at its time, not at the next run after it. Each attempt is claimed first with an ETag-conditional write that already
/// moves the next attempt on, so two instances never both send the same attempt, and a run that dies
/// mid-send leaves the notification to be tried again at its next time. The HTTP client does not
/// retry: this backoff is the retry. Delivered and given-up rows are kept a week (so a fact told again
/// is still recognised), then deleted.
/// </summary>
public sealed class WebhookDelivery(
    AppTables tables,
    EventStore events,
    IHttpClientFactory http,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookDelivery> logger)
{
    public const string HttpClientName = "webhooks";
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromHours(1);
    public static readonly TimeSpan GiveUpAfter = TimeSpan.FromHours(24);
    public static readonly TimeSpan KeepFor = TimeSpan.FromDays(7);
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private const int Concurrency = 4;
    private const int MaxPerRun = 500;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new UtcInstantConverter() },
    };

    private readonly WebhookOptions _options = options.Value;

    /// <summary>The wait after the given failed attempt (1 is the first): 1, 2, 4, … minutes, at most an hour.</summary>
    public static TimeSpan RetryDelay(int attempt)
    {
        var delay = FirstRetryDelay * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        return delay > MaxRetryDelay ? MaxRetryDelay : delay;
    }

    public async Task<WebhookDeliveryReport> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var table = await tables.GetAsync(AppTables.WebhookNotifications, cancellationToken);
        int delivered = 0, failed = 0, gaveUp = 0;

        // What is due, and what falls due within the look-ahead (WebhookOptions.LookAhead), soonest
        // first, so that a worker waiting for one never holds up one due sooner.
        var due = await table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"Delivery eq {WebhookNotifications.Pending} and NextAttemptAt le {now + _options.LookAhead}"),
            maxPerPage: 100,
            cancellationToken: cancellationToken).Take(MaxPerRun).ToListAsync(cancellationToken);
        await Parallel.ForEachAsync(
            due.OrderBy(row => row.GetDateTimeOffset("NextAttemptAt") ?? now),
            new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken },
            async (row, token) =>
            {
                // A wait cut short (shutdown) has claimed nothing: the next run takes the notification.
                await time.WaitUntilAsync(row.GetDateTimeOffset("NextAttemptAt") ?? now, token);
                try
                {
                    switch (await AttemptAsync(table, row))
                    {
                        case Attempt.Delivered: Interlocked.Increment(ref delivered); break;
                        case Attempt.Failed: Interlocked.Increment(ref failed); break;
                        case Attempt.GaveUp: Interlocked.Increment(ref gaveUp); break;
                        default: break;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // One notification's trouble is logged and left for the next run; it never stops the others.
                    NotificationsLog.Errored(logger, e, row.PartitionKey, row.RowKey);
                }
            });

        var cleaned = await CleanAsync(table, now, cancellationToken);
        NotificationsLog.Run(logger, delivered, failed, gaveUp, cleaned);
        return new WebhookDeliveryReport(delivered, failed, gaveUp, cleaned);
    }

    /// <summary>One notification, if it is still waiting and its time has come (see <see cref="WebhookAtOnce"/>).</summary>
    public async Task DeliverOneAsync(string clientId, string id, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.WebhookNotifications, cancellationToken);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(clientId, id, cancellationToken: cancellationToken);
        if (found.HasValue && found.Value!.GetString("Delivery") == WebhookNotifications.Pending
            && found.Value.GetDateTimeOffset("NextAttemptAt") <= time.GetUtcNow())
        {
            await AttemptAsync(table, found.Value);
        }
    }

    private enum Attempt
    {
        Busy,
        Delivered,
        Failed,
        GaveUp,
    }

    // Once claimed, an attempt runs to its end: the claim already set its next time.
    private async Task<Attempt> AttemptAsync(TableClient table, TableEntity row)
    {
        var clientId = row.PartitionKey;
        var id = row.RowKey;
        var now = time.GetUtcNow();
        var attempt = (row.GetInt32("Attempts") ?? 0) + 1;
        var createdAt = row.GetDateTimeOffset("CreatedAt") ?? now;
        ETag claim;
        try
        {
            var response = await table.UpdateEntityAsync(
                new TableEntity(clientId, id) { ["Attempts"] = attempt, ["NextAttemptAt"] = now + RetryDelay(attempt), ["LastAttemptAt"] = now },
                row.ETag,
                TableUpdateMode.Merge,
                CancellationToken.None);
            claim = response.Headers.ETag ?? ETag.All;
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            return Attempt.Busy;
        }

        string result;
        var webhook = _options.For(clientId);
        if (webhook is null)
        {
            result = "no-webhook";
        }
        else
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(await PayloadAsync(row), Json);
            result = await PostAsync(webhook, id, body);
            if (result.Length == 3 && result[0] == '2')
            {
                await FinishAsync(table, clientId, id, claim, WebhookNotifications.Delivered, result, now);
                NotificationsLog.Delivered(logger, clientId, id, attempt, int.Parse(result, CultureInfo.InvariantCulture));
                return Attempt.Delivered;
            }
        }

        if (webhook is null || now - createdAt >= GiveUpAfter)
        {
            await FinishAsync(table, clientId, id, claim, WebhookNotifications.GaveUp, result, now);
            NotificationsLog.GaveUp(logger, clientId, id, row.GetString("Type") ?? "", attempt, now - createdAt, result);
            return Attempt.GaveUp;
        }

        await TryMergeAsync(table, new TableEntity(clientId, id) { ["LastResult"] = result }, claim);
        NotificationsLog.Retrying(logger, clientId, id, attempt, result, now + RetryDelay(attempt));
        return Attempt.Failed;
    }

    /// <summary>The notification as sent; a reply's words are read now, so an erased or purged reply sends none.</summary>
    private async Task<NotificationPayload> PayloadAsync(TableEntity row)
    {
        var eventId = row.GetString("EventId") ?? "";
        var text = row.GetString("ReplyId") is { } replyId ? (await events.GetReplyAsync(eventId, replyId, CancellationToken.None))?.Body : null;
        return new NotificationPayload(
            row.RowKey,
            row.GetString("Type") ?? "",
            row.GetDateTimeOffset("CreatedAt") ?? default,
            new NotificationPayloadData(
                eventId,
                row.GetString("CheckInId"),
                row.GetString("PersonKey") ?? "",
                Enum.TryParse<Channel>(row.GetString("Channel"), out var channel) ? channel : Channel.Sms,
                row.GetString("Kind"),
                row.GetString("Status"),
                row.GetString("Reason"),
                text));
    }

    /// <summary>One signed POST; the status code as text, or why there was none (<c>timeout</c>, <c>network</c>).</summary>
    private async Task<string> PostAsync(ClientWebhook webhook, string id, byte[] body)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, id);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Sign(webhook.Key, id, timestamp, body));
        try
        {
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None);
            return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (TaskCanceledException)
        {
            return "timeout";
        }
        catch (HttpRequestException)
        {
            return "network";
        }
    }

    private static Task FinishAsync(TableClient table, string clientId, string id, ETag claim, string delivery, string result, DateTimeOffset now) =>
        TryMergeAsync(table, new TableEntity(clientId, id) { ["Delivery"] = delivery, ["LastResult"] = result, ["DoneAt"] = now, ["ExpiresAt"] = now + KeepFor }, claim);

    private static async Task TryMergeAsync(TableClient table, TableEntity entity, ETag claim)
    {
        try
        {
            await table.UpdateEntityAsync(entity, claim, TableUpdateMode.Merge, CancellationToken.None);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            // Claimed again by another run after ours ran past its next time (or erased): that run decides.
        }
    }

    private static async Task<int> CleanAsync(TableClient table, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cleaned = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"Delivery ne {WebhookNotifications.Pending} and ExpiresAt lt {now}"),
            select: ["PartitionKey", "RowKey"],
            cancellationToken: cancellationToken))
        {
            if (await table.TryDeleteAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken))
            {
                cleaned++;
            }
        }

        return cleaned;
    }
}

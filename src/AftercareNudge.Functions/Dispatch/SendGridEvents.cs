using System.Text.Json;
using System.Text.Json.Serialization;
using AftercareNudge.Consent;
using AftercareNudge.Messaging.Email;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Dispatch;

/// <summary>What a batch came to: events handled now, and events already handled by an earlier delivery.</summary>
public sealed record SendGridEventsResult(int Processed, int Duplicates);

/// <summary>One event of SendGrid's event webhook, as far as it is read: its fields, and the custom args our emails carry (SendGrid sends more).</summary>
internal sealed record SendGridEvent(
    [property: JsonPropertyName(SendGridEvent.KindField)] string? Kind,
    [property: JsonPropertyName(SendGridEvent.EmailField)] string? Email,
    [property: JsonPropertyName(SendGridEvent.SgEventIdField)] string? SgEventId,
    [property: JsonPropertyName(SendGridEvent.BounceTypeField)] string? BounceType,
    [property: JsonPropertyName(SendGridEvent.EventIdField)] string? EventId,
    [property: JsonPropertyName(SendGridEvent.CheckInIdField)] string? CheckInId,
    [property: JsonPropertyName(SendGridEvent.SgMessageIdField)] string? SgMessageId = null)
{
    internal const string KindField = "event";
    internal const string EmailField = "email";
    internal const string SgEventIdField = "sg_event_id";
    internal const string BounceTypeField = "type";
    internal const string EventIdField = "eventId";
    internal const string CheckInIdField = "checkInId";
    internal const string SgMessageIdField = "sg_message_id";
}

/// <summary>
/// <c>POST /api/sendgrid/events</c>: SendGrid's signed event webhook. Unsubscribes and spam reports opt
/// the address out of email everywhere; bounces and drops fail the check-in they belong to (and a hard
/// bounce marks the address undeliverable); <c>delivered</c> marks the check-in delivered. The check-in
/// is the one our <c>eventId</c>/<c>checkInId</c> custom args name, and only if <c>sg_message_id</c>
/// names the message it went out as; delivery reports follow the same rules as Twilio's (see
/// <see cref="DeliveryReports"/>: never backwards, first final word stays, a report while sending waits,
/// a failure makes its fallback or notice). SendGrid retries a batch for 24 hours until it gets a 2xx,
/// so every event is deduplicated on <c>sg_event_id</c> and marked handled only after its effect, and
/// every effect is safe to repeat.
/// </summary>
public sealed class SendGridEvents(
    IOptions<SendGridOptions> options,
    TimeProvider time,
    OptOuts optOuts,
    DeliveryReports reports,
    AppTables tables,
    ILogger<SendGridEvents> logger)
{
    private const string DedupePartition = "sendgrid";

    public async Task<Results<Ok<SendGridEventsResult>, ProblemHttpResult>> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (ok, body) = await SendGridSignature.ReadVerifiedBodyAsync(request, options.Value, time, logger, cancellationToken);
        if (!ok)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The SendGrid signature is missing or wrong.");
        }

        if (Parse(body) is not { } batch)
        {
            SendGridEventsLog.NotAnArray(logger, body.Length);
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not a JSON array of SendGrid events.");
        }

        var dedupe = await tables.GetAsync(AppTables.WebhookEvents, cancellationToken);
        var processed = 0;
        var duplicates = 0;
        foreach (var item in batch)
        {
            var rowKey = item.SgEventId is null ? null : DedupeKey(item.SgEventId);
            if (rowKey is not null
                && (await dedupe.GetEntityIfExistsAsync<TableEntity>(DedupePartition, rowKey, ["RowKey"], cancellationToken)).HasValue)
            {
                SendGridEventsLog.Duplicate(logger, item.SgEventId!);
                duplicates++;
                continue;
            }

            await ApplyAsync(item, cancellationToken);
            processed++;

            if (rowKey is not null)
            {
                try
                {
                    await dedupe.AddEntityAsync(
                        new TableEntity(DedupePartition, rowKey) { ["SgEventId"] = item.SgEventId, ["Event"] = item.Kind, ["HandledAt"] = time.GetUtcNow() },
                        cancellationToken);
                }
                catch (RequestFailedException e) when (e.IsConflict())
                {
                    // A retry of the same batch raced us: handled twice, to the same effect.
                }
            }
        }

        SendGridEventsLog.Batch(logger, batch.Count, processed, duplicates);
        return TypedResults.Ok(new SendGridEventsResult(processed, duplicates));
    }

    /// <summary>The events in the verified bytes, or null when they are not a JSON array. Elements that are not objects are dropped.</summary>
    internal static List<SendGridEvent>? Parse(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            return document.RootElement.EnumerateArray()
                .Where(e => e.ValueKind == JsonValueKind.Object)
                .Select(e => new SendGridEvent(
                    Text(e, SendGridEvent.KindField),
                    Text(e, SendGridEvent.EmailField),
                    Text(e, SendGridEvent.SgEventIdField),
                    Text(e, SendGridEvent.BounceTypeField),
                    Text(e, SendGridEvent.EventIdField),
                    Text(e, SendGridEvent.CheckInIdField),
                    Text(e, SendGridEvent.SgMessageIdField)))
                .ToList();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;

    // sg_event_id is SendGrid's and may hold characters a row key cannot ('/' in Base64): hash it.
    private static string DedupeKey(string sgEventId) => Sha256Hex.OfUtf8(sgEventId);

    private Task ApplyAsync(SendGridEvent item, CancellationToken cancellationToken) => item.Kind switch
    {
        "unsubscribe" or "group_unsubscribe" or "spamreport" => OptOutAsync(item, "The recipient unsubscribed or reported the email as spam (SendGrid event webhook).", cancellationToken),
        "bounce" => BounceAsync(item, cancellationToken),
        "dropped" => MarkAsync(item, CheckInStatus.Failed, CheckInReasons.Dropped, cancellationToken),
        "delivered" => MarkAsync(item, CheckInStatus.Delivered, null, cancellationToken),
        _ => Ignore(item),
    };

    private async Task BounceAsync(SendGridEvent item, CancellationToken cancellationToken)
    {
        await MarkAsync(item, CheckInStatus.Failed, CheckInReasons.Bounced, cancellationToken);

        // A hard bounce is a dead address: stop sending to it. "blocked" is the receiving server
        // refusing for now (reputation, content), which says nothing about the address.
        if (item.BounceType == "bounce")
        {
            await OptOutAsync(item, "The address does not exist (hard bounce reported by SendGrid).", cancellationToken);
        }
    }

    private async Task OptOutAsync(SendGridEvent item, string shownText, CancellationToken cancellationToken)
    {
        if (item.Email is null)
        {
            SendGridEventsLog.NoAddress(logger, item.Kind!, item.SgEventId);
            return;
        }

        await optOuts.OptOutAsync(Channel.Email, item.Email, "sendgrid:" + item.Kind + ":" + (item.SgEventId ?? "no-event-id"), shownText, cancellationToken);
        SendGridEventsLog.OptedOut(logger, item.Kind!, item.SgEventId);
    }

    private async Task MarkAsync(SendGridEvent item, CheckInStatus status, string? reason, CancellationToken cancellationToken)
    {
        if (!Ids.IsEventId(item.EventId) || !Ids.IsCheckInId(item.CheckInId))
        {
            // A consent request or another email that is not a check-in.
            SendGridEventsLog.NoCheckIn(logger, item.Kind!, item.SgEventId);
            return;
        }

        switch (await reports.RecordAsync(item.EventId!, item.CheckInId!, new DeliveryReport(status, reason, item.SgMessageId), cancellationToken))
        {
            case DeliveryReportOutcome.Recorded:
                SendGridEventsLog.CheckInMarked(logger, item.Kind!, item.SgEventId, item.EventId!, item.CheckInId!, status);
                break;
            case DeliveryReportOutcome.Pending:
                SendGridEventsLog.CheckInPending(logger, item.Kind!, item.SgEventId, item.EventId!, item.CheckInId!);
                break;
            case DeliveryReportOutcome.OtherMessage:
                SendGridEventsLog.OtherMessage(logger, item.Kind!, item.SgEventId, item.EventId!, item.CheckInId!);
                break;
            default:
                SendGridEventsLog.CheckInUnchanged(logger, item.Kind!, item.SgEventId, item.EventId!, item.CheckInId!);
                break;
        }
    }

    private Task Ignore(SendGridEvent item)
    {
        SendGridEventsLog.Ignored(logger, item.Kind ?? "(none)", item.SgEventId);
        return Task.CompletedTask;
    }
}

/// <summary>SendGrid event webhook log messages (event ids 460-479): event kinds and ids only, never addresses or bodies.</summary>
internal static partial class SendGridEventsLog
{
    [LoggerMessage(EventId = 460, Level = LogLevel.Information, Message = "SendGrid event batch: {Count} events, {Processed} handled, {Duplicates} already handled before")]
    public static partial void Batch(ILogger logger, int count, int processed, int duplicates);

    [LoggerMessage(EventId = 461, Level = LogLevel.Warning, Message = "SendGrid event webhook refused: the signed body ({BodyLength} bytes) is not a JSON array of events")]
    public static partial void NotAnArray(ILogger logger, int bodyLength);

    [LoggerMessage(EventId = 462, Level = LogLevel.Debug, Message = "SendGrid event {SgEventId} was already handled")]
    public static partial void Duplicate(ILogger logger, string sgEventId);

    [LoggerMessage(EventId = 463, Level = LogLevel.Information, Message = "SendGrid {Event} {SgEventId}: the address is opted out of email")]
    public static partial void OptedOut(ILogger logger, string @event, string? sgEventId);

    [LoggerMessage(EventId = 464, Level = LogLevel.Warning, Message = "SendGrid {Event} {SgEventId} carries no email address; ignored")]
    public static partial void NoAddress(ILogger logger, string @event, string? sgEventId);

    [LoggerMessage(EventId = 465, Level = LogLevel.Information, Message = "SendGrid {Event} {SgEventId}: check-in {EventId}/{CheckInId} is now {Status}")]
    public static partial void CheckInMarked(ILogger logger, string @event, string? sgEventId, string eventId, string checkInId, CheckInStatus status);

    [LoggerMessage(EventId = 466, Level = LogLevel.Information, Message = "SendGrid {Event} {SgEventId}: check-in {EventId}/{CheckInId} left as it is (unknown, or no longer sent)")]
    public static partial void CheckInUnchanged(ILogger logger, string @event, string? sgEventId, string eventId, string checkInId);

    [LoggerMessage(EventId = 467, Level = LogLevel.Debug, Message = "SendGrid {Event} {SgEventId} names no check-in; nothing to mark")]
    public static partial void NoCheckIn(ILogger logger, string @event, string? sgEventId);

    [LoggerMessage(EventId = 468, Level = LogLevel.Debug, Message = "SendGrid {Event} {SgEventId} ignored")]
    public static partial void Ignored(ILogger logger, string @event, string? sgEventId);

    [LoggerMessage(EventId = 469, Level = LogLevel.Information, Message = "SendGrid {Event} {SgEventId}: check-in {EventId}/{CheckInId} is still being sent; the report waits for the dispatcher")]
    public static partial void CheckInPending(ILogger logger, string @event, string? sgEventId, string eventId, string checkInId);

    [LoggerMessage(EventId = 470, Level = LogLevel.Warning, Message = "SendGrid {Event} {SgEventId} names check-in {EventId}/{CheckInId}, which was sent as another message; ignored")]
    public static partial void OtherMessage(ILogger logger, string @event, string? sgEventId, string eventId, string checkInId);
}

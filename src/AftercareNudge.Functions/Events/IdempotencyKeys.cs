using System.Text.Json;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Events;

/// <summary>What a request's <c>Idempotency-Key</c> stands for when it arrives.</summary>
public enum IdempotencyState
{
    /// <summary>Never used, expired, or claimed by an attempt that died: this request may claim it.</summary>
    Free,

    /// <summary>Used with this body, and the event was registered: answer it again.</summary>
    Done,

    /// <summary>Used with this body by a request still running.</summary>
    InFlight,

    /// <summary>Used, within the day, with another body.</summary>
    OtherBody,
}

/// <summary>A key as read: its state, the event it registers, and the row's ETag for a takeover (null when there is no row).</summary>
public sealed record IdempotencyLookup(IdempotencyState State, string? EventId, ETag? ETag, DateTimeOffset? FirstUsedAt = null);

/// <summary>
/// <c>Idempotency-Key</c> on <c>POST /api/events</c>
/// (draft-ietf-httpapi-idempotency-key-header). A key is one client's (partition = client, row =
/// SHA-256 of the key) for 24 hours from its first use. The first request claims the key with an
/// insert-if-absent, naming the event id it is about to register, so two instances racing agree on
/// one winner; when the event is registered the row says so, and a repeat is answered with that event.
/// A claim older than <see cref="ClaimTimeout"/> whose request never finished (its process died) may be
/// taken over, ETag-conditionally, by a repeat, which registers under the same event id: the event's
/// rows are inserted, never replaced, so if the first attempt did get as far as writing the event, the
/// second finds it there and answers it instead of making another.
/// </summary>
public sealed class IdempotencyKeys(AppTables tables, TimeProvider time)
{
    public const string HeaderName = "Idempotency-Key";
    public const int MaxKeyLength = 255;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
    public static readonly TimeSpan ClaimTimeout = TimeSpan.FromMinutes(1);

    private const string Claimed = "claimed";
    private const string Registered = "registered";

    /// <summary>1 to 255 visible ASCII characters (no spaces, no controls).</summary>
    public static bool IsWellFormed(string key) => key.Length is >= 1 and <= MaxKeyLength && key.All(c => c is >= '!' and <= '~');

    /// <summary>
    /// The hash a repeat must match: of the JSON as parsed, with every object's members in ordinal
    /// order and no insignificant whitespace, so that a client re-serialising the same body is not
    /// refused. Numbers and strings are compared as written.
    /// </summary>
    public static string BodyHash(ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteCanonical(writer, document.RootElement);
        }

        return Sha256Hex.Of(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    public async Task<IdempotencyLookup> FindAsync(string clientId, string key, string bodyHash, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.IdempotencyKeys, cancellationToken);
        var found = await table.GetEntityIfExistsAsync<TableEntity>(clientId, RowKey(key), cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return new IdempotencyLookup(IdempotencyState.Free, null, null);
        }

        var row = found.Value!;
        var now = time.GetUtcNow();
        var firstUsed = row.GetDateTimeOffset("FirstUsedAt") ?? DateTimeOffset.MinValue;
        if (now - firstUsed >= Lifetime)
        {
            // Expired: the key is new again, for a new event.
            return new IdempotencyLookup(IdempotencyState.Free, null, row.ETag);
        }

        if (row.GetString("BodyHash") != bodyHash)
        {
            return new IdempotencyLookup(IdempotencyState.OtherBody, null, null);
        }

        var eventId = row.GetString("EventId");
        if (row.GetString("State") == Registered)
        {
            return new IdempotencyLookup(IdempotencyState.Done, eventId, row.ETag);
        }

        var claimedAt = row.GetDateTimeOffset("ClaimedAt") ?? DateTimeOffset.MinValue;
        return now - claimedAt < ClaimTimeout
            ? new IdempotencyLookup(IdempotencyState.InFlight, eventId, null)
            : new IdempotencyLookup(IdempotencyState.Free, eventId, row.ETag, firstUsed);
    }

    /// <summary>
    /// Claims a free key for an event id (the stale claim's own, when taking one over). Null when
    /// another request claimed it first: look again.
    /// </summary>
    public async Task<IdempotencyClaim?> ClaimAsync(string clientId, string key, string bodyHash, IdempotencyLookup lookup, string newEventId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.IdempotencyKeys, cancellationToken);
        var now = time.GetUtcNow();
        var takingOver = lookup.EventId is not null;
        var eventId = lookup.EventId ?? newEventId;
        var row = new TableEntity(clientId, RowKey(key))
        {
            ["BodyHash"] = bodyHash,
            ["EventId"] = eventId,
            ["State"] = Claimed,
            ["ClaimedAt"] = now,
        };
        try
        {
            Response response;
            if (lookup.ETag is { } etag)
            {
                // A takeover keeps the day the key was first used; an expired key starts a new one.
                row["FirstUsedAt"] = takingOver ? lookup.FirstUsedAt ?? now : now;
                response = await table.UpdateEntityAsync(row, etag, TableUpdateMode.Replace, cancellationToken);
            }
            else
            {
                row["FirstUsedAt"] = now;
                response = await table.AddEntityAsync(row, cancellationToken);
            }

            return new IdempotencyClaim(clientId, row.RowKey, eventId, takingOver, response.Headers.ETag ?? ETag.All);
        }
        catch (RequestFailedException e) when (e.IsConflict() || e.IsPreconditionFailed() || e.IsNotFound())
        {
            return null;
        }
    }

    /// <summary>Records that the claimed key registered its event. A claim taken over meanwhile is left to its new owner.</summary>
    public async Task CompleteAsync(IdempotencyClaim claim, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.IdempotencyKeys, cancellationToken);
        var row = new TableEntity(claim.ClientId, claim.RowKey) { ["State"] = Registered, ["CompletedAt"] = time.GetUtcNow() };
        try
        {
            await table.UpdateEntityAsync(row, claim.ETag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsNotFound())
        {
            // Taken over by a repeat, which registers (or finds) the same event id and completes it.
        }
    }

    /// <summary>
    /// Removes keys first used more than a day ago (the purge runs it hourly). Rows hold no personal
    /// data (two hashes and an event id), but there is no reason to keep them: an expired key is free on read anyway.
    /// </summary>
    public async Task<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.IdempotencyKeys, cancellationToken);
        var cutoff = time.GetUtcNow() - Lifetime;
        var removed = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"FirstUsedAt lt {cutoff}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (await table.TryDeleteAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken))
            {
                removed++;
            }
        }

        return removed;
    }

    private static string RowKey(string key) => Sha256Hex.OfAscii(key);

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}

/// <summary>A key this request holds, for the event id it registers.</summary>
public sealed record IdempotencyClaim(string ClientId, string RowKey, string EventId, bool TakenOver, ETag ETag);

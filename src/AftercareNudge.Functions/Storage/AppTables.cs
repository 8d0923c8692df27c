using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Storage;

/// <summary>
/// The app's tables, each created on first use (once per process) so that start-up stays fast, as the
/// Functions host expects an answer within seconds.
/// </summary>
public sealed class AppTables(TableServiceClient service, string prefix)
{
    public const string Events = "Events";
    public const string DueCheckIns = "DueCheckIns";
    public const string Consents = "Consents";
    public const string ConsentLedger = "ConsentLedger";
    public const string DevOutbox = "DevOutbox";
    public const string RecipientCheckIns = "RecipientCheckIns";
    public const string InboundMessages = "InboundMessages";
    public const string LinkTokens = "LinkTokens";
    public const string HeldConsentRequests = "HeldConsentRequests";
    public const string ConsentRequestSlots = "ConsentRequestSlots";
    public const string WebhookEvents = "WebhookEvents";
    public const string PurgeIndex = "PurgeIndex";
    public const string AddressIndex = "AddressIndex";
    public const string LinkTokenIndex = "LinkTokenIndex";
    public const string WebhookNotifications = "WebhookNotifications";
    public const string IdempotencyKeys = "IdempotencyKeys";
    public const string ReplyChoices = "ReplyChoices";
    public const string WaitingRelays = "WaitingRelays";
    public const string ClientQuotas = "ClientQuotas";
    public const string ClientEvents = "ClientEvents";

    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new();

    public TableServiceClient Service => service;

    /// <summary>The table, once created; a caller within a <see cref="StorageBudget"/> waits for it no longer than its budget.</summary>
    public Task<TableClient> GetAsync(string name, CancellationToken cancellationToken = default) =>
        StorageBudget.WaitAsync(_tables.GetOrAdd(name, n => new Lazy<Task<TableClient>>(() => CreateAsync(n))).Value, cancellationToken);

    // Shared by every caller, so no one caller's cancellation or budget may cut it short.
    private async Task<TableClient> CreateAsync(string name)
    {
        using var shared = StorageBudget.Suspend();
        var table = service.GetTableClient(prefix + name);
        try
        {
            await table.CreateIfNotExistsAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            // Let the next caller try again rather than caching a failure.
            _tables.TryRemove(name, out _);
            throw;
        }

        return table;
    }
}

/// <summary>Table Storage habits in one place: the status codes that mean something to us.</summary>
public static class TableErrors
{
    public static bool IsNotFound(this RequestFailedException e) => e.Status == 404;

    public static bool IsConflict(this RequestFailedException e) => e.Status == 409;

    /// <summary>Someone else changed the entity first (ETag mismatch).</summary>
    public static bool IsPreconditionFailed(this RequestFailedException e) => e.Status == 412;

    /// <summary>
    /// Deletes one entity; true only if this call deleted it. The SDK answers a delete of a missing
    /// entity with a 404 response, not an exception, so "someone else deleted it first" must be read
    /// from the status. An ETag mismatch still throws (412).
    /// </summary>
    public static async Task<bool> TryDeleteAsync(this TableClient table, string partitionKey, string rowKey, ETag ifMatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        try
        {
            var response = await table.DeleteEntityAsync(partitionKey, rowKey, ifMatch, cancellationToken);
            return response.Status != 404;
        }
        catch (RequestFailedException e) when (e.IsNotFound())
        {
            return false;
        }
    }
}

using System.Globalization;
using AftercareNudge.Hosting;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Security;

/// <summary>
/// <c>Api__Quotas__NewAddressesPerDay</c> and <c>Api__Quotas__MessagesPerDay</c>: what one client may
/// do in a UTC day, whatever its request rate, so that no client can use the service to text numbers
/// by the thousand (SMS pumping).
/// </summary>
public sealed class QuotaOptions
{
    /// <summary>Addresses (phones and emails) a client may name for the first time in a day.</summary>
    public int NewAddressesPerDay { get; set; } = 1000;

    /// <summary>Messages sent on a client's behalf in a day: consent requests, check-ins, reminders, fallbacks, notices, relays.</summary>
    public int MessagesPerDay { get; set; } = 10000;

    public IEnumerable<string> Problems()
    {
        if (NewAddressesPerDay < 1)
        {
            yield return "Api:Quotas:NewAddressesPerDay must be at least 1: the addresses one client may name for the first time in a UTC day.";
        }

        if (MessagesPerDay < 1)
        {
            yield return "Api:Quotas:MessagesPerDay must be at least 1: the messages sent for one client in a UTC day.";
        }
    }
}

public enum Quota
{
    NewAddresses,
    Messages,
}

/// <summary>A quota a request would exceed: which, its daily limit, and when the day's count starts again.</summary>
/// <param name="RefusedAt">When the quota said no: <c>Retry-After</c> counts from it.</param>
public sealed record QuotaRefusal(Quota Quota, int Limit, DateTimeOffset ResetsAt, DateTimeOffset RefusedAt)
{
    public string Name => Quota == Quota.NewAddresses ? "new addresses per day" : "messages per day";

    /// <summary>Whole seconds until the count starts again, at least one: what <c>Retry-After</c> says.</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling((ResetsAt - RefusedAt).TotalSeconds));
}

/// <summary>
/// Per-client daily counters (table <c>ClientQuotas</c>: partition the client id, row
/// <c>&lt;yyyy-MM-dd&gt;:&lt;quota&gt;:&lt;shard&gt;</c>). A take reads the day's shards, refuses if the
/// sum would pass the limit, then adds to one shard chosen at random with an ETag-conditional write, so
/// many instances count without losing a take. Sharded so that a client's sends do not all contend for
/// one row; the price is that takes in flight at the same moment may together pass the limit by as
/// many as are in flight.
/// </summary>
public sealed class ClientQuotas(AppTables tables, IOptions<QuotaOptions> options, TimeProvider time)
{
    private const int Shards = 8;

    /// <summary>Takes <paramref name="count"/> from the client's day of <paramref name="quota"/>; null if taken, the refusal if it would exceed the limit.</summary>
    public async Task<QuotaRefusal?> TryTakeAsync(string clientId, Quota quota, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (count <= 0)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var limit = quota == Quota.NewAddresses ? options.Value.NewAddressesPerDay : options.Value.MessagesPerDay;
        var prefix = Prefix(now, quota);
        var table = await tables.GetAsync(AppTables.ClientQuotas, cancellationToken);
        var used = 0L;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {clientId} and RowKey ge {prefix} and RowKey lt {prefix + "~"}"), select: ["Count"], cancellationToken: cancellationToken))
        {
            used += row.GetInt64("Count") ?? 0;
        }

        if (used + count > limit)
        {
            return new QuotaRefusal(quota, limit, NextDay(now), now);
        }

        await AddAsync(table, clientId, prefix, count, cancellationToken);
        return null;
    }

    /// <summary>
    /// Gives back what a take counted for a use that did not happen (a send the provider refused for its
    /// rate, which goes again): the day's sum goes down by <paramref name="count"/>, on one shard as a take does.
    /// </summary>
    public async Task GiveBackAsync(string clientId, Quota quota, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        if (count > 0)
        {
            var table = await tables.GetAsync(AppTables.ClientQuotas, cancellationToken);
            await AddAsync(table, clientId, Prefix(time.GetUtcNow(), quota), -count, cancellationToken);
        }
    }

    /// <summary>Adds <paramref name="count"/> (less than zero to give back) to one of the day's shards, chosen at random.</summary>
    private static async Task AddAsync(TableClient table, string clientId, string prefix, int count, CancellationToken cancellationToken)
    {
        var rowKey = prefix + Random.Shared.Next(Shards).ToString(CultureInfo.InvariantCulture);
        while (true)
        {
            var shard = await table.GetEntityIfExistsAsync<TableEntity>(clientId, rowKey, cancellationToken: cancellationToken);
            try
            {
                if (shard.HasValue)
                {
                    var current = shard.Value!;
                    await table.UpdateEntityAsync(new TableEntity(clientId, rowKey) { ["Count"] = (current.GetInt64("Count") ?? 0) + count }, current.ETag, TableUpdateMode.Merge, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(new TableEntity(clientId, rowKey) { ["Count"] = (long)count }, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed() || e.IsConflict())
            {
                // Another take counted on this shard first: read it again.
            }
        }
    }

    /// <summary>The hourly purge: counters of days before yesterday go. Returns how many rows went.</summary>
    public async Task<int> RemoveOldAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ClientQuotas, cancellationToken);
        var before = time.GetUtcNow().UtcDateTime.Date.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var removed = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey lt {before}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            if (await table.TryDeleteAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Midnight UTC after <paramref name="now"/>: when a day's counts start again.</summary>
    public static DateTimeOffset NextDay(DateTimeOffset now) => new(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);

    private static string Prefix(DateTimeOffset now, Quota quota) =>
        now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (quota == Quota.NewAddresses ? ":new-addresses:" : ":messages:");
}

public static class ClientQuotaExtensions
{
    internal static IServiceCollection AddClientQuotas(this IServiceCollection services)
    {
        services.AddValidatedOptions<QuotaOptions>((o, c) => c.GetSection("Api:Quotas").Bind(o), o => o.Problems());
        services.AddSingleton<ClientQuotas>();
        return services;
    }
}

using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Consent;

/// <summary>A consent request held back by the daily cap, to be tried again no earlier than <see cref="NotBefore"/>.</summary>
public sealed record HeldConsentRequest(string EventId, string PersonKey, Channel Channel, DateTimeOffset NotBefore);

/// <summary>
/// Consent requests that the cap of <see cref="ConsentStore.MaxRequestsPerDay"/> a day held back wait
/// here, ordered by when they may go, and the <c>SendHeldConsentRequests</c> timer sends them once the
/// address's day has room again. Nothing is sent meanwhile: the person stays <c>pending</c>.
/// </summary>
public sealed class HeldConsentRequests(AppTables tables)
{
    public static readonly TimeSpan RetryEvery = TimeSpan.FromHours(1);
    private const string Partition = "held";

    public async Task HoldAsync(HeldConsentRequest request, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        await table.UpsertEntityAsync(
            new TableEntity(Partition, TimeKeys.Row(request.NotBefore, request.EventId, request.PersonKey, request.Channel.ToString()))
            {
                ["EventId"] = request.EventId,
                ["PersonKey"] = request.PersonKey,
                ["Channel"] = request.Channel.ToString(),
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>
    /// Erasure and cancellation: drops the held requests of an event that <paramref name="which"/> picks (by person key
    /// and channel). The queue holds only requests over the daily cap, so reading it whole is cheap.
    /// </summary>
    public async Task<int> RemoveAsync(string eventId, Func<string, Channel, bool> which, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(which);
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        var removed = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and EventId eq {eventId}"), cancellationToken: cancellationToken))
        {
            if (!which(row.GetString("PersonKey"), Enum.Parse<Channel>(row.GetString("Channel"))))
            {
                continue;
            }

            if (await table.TryDeleteAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>
    /// Takes every request whose time has come: each is deleted with its ETag before it is returned, so
    /// that two instances never both send it (a crash after taking it leaves the person unasked, never
    /// asked twice).
    /// </summary>
    public async IAsyncEnumerable<HeldConsentRequest> TakeDueAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(TimeKeys.DueBy(Partition, now), cancellationToken: cancellationToken))
        {
            try
            {
                // A missing row is answered with a 404 response, not an exception: another instance took it.
                if (!await table.TryDeleteAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken))
                {
                    continue;
                }
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                continue;
            }

            yield return new HeldConsentRequest(row.GetString("EventId"), row.GetString("PersonKey"), Enum.Parse<Channel>(row.GetString("Channel")), now);
        }
    }
}

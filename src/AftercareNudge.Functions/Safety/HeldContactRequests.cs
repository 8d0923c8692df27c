using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Safety;

/// <summary>A trusted contact's request that the daily cap or a failed send held back, for these terms, to be tried again no earlier than <see cref="NotBefore"/>.</summary>
public sealed record HeldContactRequest(string EventId, string ContactKey, string Terms, DateTimeOffset NotBefore);

/// <summary>
/// Trusted contacts' requests held back wait here (the held-requests table, partition <c>held-contact</c>;
/// row key: ticks, event, contact; ids and the terms' hash only), as held consent requests do, until the
/// <c>SendSafetyNotices</c> timer tries them again (<see cref="ContactRequests.SendHeldAsync"/>).
/// </summary>
public sealed class HeldContactRequests(AppTables tables)
{
    public static readonly TimeSpan RetryEvery = TimeSpan.FromHours(1);
    private const string Partition = "held-contact";

    public async Task HoldAsync(HeldContactRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        await table.UpsertEntityAsync(
            new TableEntity(Partition, TimeKeys.Row(StoredTime.WholeMilliseconds(request.NotBefore), request.EventId, request.ContactKey))
            {
                ["EventId"] = request.EventId,
                ["PersonKey"] = request.ContactKey,
                ["Terms"] = request.Terms,
            },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>
    /// Takes every request whose time has come: each is deleted with its ETag before it is returned, so
    /// that two instances never both send it (a crash after taking it leaves the contact unasked, never
    /// asked twice).
    /// </summary>
    public async IAsyncEnumerable<HeldContactRequest> TakeDueAsync(DateTimeOffset now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.HeldConsentRequests, cancellationToken);
        await foreach (var row in table.QueryAsync<TableEntity>(TimeKeys.DueBy(Partition, now), cancellationToken: cancellationToken))
        {
            try
            {
                if (!await table.TryDeleteAsync(Partition, row.RowKey, row.ETag, cancellationToken))
                {
                    continue;
                }
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                continue;
            }

            yield return new HeldContactRequest(row.GetString("EventId"), row.GetString("PersonKey"), row.GetString("Terms"), now);
        }
    }
}

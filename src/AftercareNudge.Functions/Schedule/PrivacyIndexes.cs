using Microsoft.Extensions.Options;

namespace AftercareNudge.Schedule;

/// <summary>
/// What registration writes for privacy, before the event itself (like the due index, so nothing is
/// ever stored that these cannot find): the event's purge row, and which addresses are in it.
/// </summary>
public sealed class PrivacyIndexes(PurgeIndex purge, AddressIndex addresses, IOptions<PrivacyOptions> options)
{
    public async Task AddAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, CancellationToken cancellationToken)
    {
        await purge.AddAsync(new PurgeEntry(record.Id, PurgeIndex.LastActivity(record, checkIns) + options.Value.RetainEventContentFor), cancellationToken);
        await addresses.AddAsync(record, cancellationToken);
    }
}

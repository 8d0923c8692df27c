using System.Globalization;
using Azure.Data.Tables;

namespace AftercareNudge.Storage;

/// <summary>
/// Row keys that sort as time does, for the time-keyed queues on Table Storage (the due index, the
/// purge index, held consent requests, organisers' missing-consent notices): a row is keyed by when it
/// is due, then by what it is, and "everything due by now" is one range of a partition. The ledger's
/// newest-first keys are the same instant counted down (<see cref="NewestFirst"/>).
/// </summary>
public static class TimeKeys
{
    /// <summary>The instant as 19 digits of UTC ticks.</summary>
    public static string Of(DateTimeOffset instant) => instant.UtcTicks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>A queue's row key: the instant, then what the row is, joined by <c>_</c>.</summary>
    public static string Row(DateTimeOffset due, params string[] what) => Of(due) + "_" + string.Join('_', what);

    /// <summary>The rows of <paramref name="partition"/> due at or before <paramref name="now"/>: every key of such an instant sorts below the next tick's.</summary>
    public static string DueBy(string partition, DateTimeOffset now) =>
        TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey lt {Of(now.AddTicks(1))}");

    /// <summary>A key that sorts the newest instant first.</summary>
    public static string NewestFirst(DateTimeOffset instant) =>
        (DateTimeOffset.MaxValue.UtcTicks - instant.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
}

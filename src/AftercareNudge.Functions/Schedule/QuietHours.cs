using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace AftercareNudge.Schedule;

/// <summary>
/// The hours a recipient is not to be disturbed by anything they did not agree to at that time: a
/// retry, a message gone late because the service was down. Such a message waits for the end of the
/// quiet hours in the recipient's own zone, and is then sent; a check-in they agreed to at that hour
/// goes out on time. Default 21:00 to 08:00.
/// </summary>
public sealed record QuietHours(LocalTime From, LocalTime To)
{
    public static readonly QuietHours Default = new(new LocalTime(21, 0), new LocalTime(8, 0));

    private static readonly LocalTimePattern Pattern = LocalTimePattern.CreateWithInvariantCulture("HH':'mm");

    public static QuietHours? Parse(string? from, string? to)
    {
        var f = from is null ? null : Pattern.Parse(from) is { Success: true } a ? (LocalTime?)a.Value : null;
        var t = to is null ? null : Pattern.Parse(to) is { Success: true } b ? (LocalTime?)b.Value : null;
        return f is { } ff && t is { } tt && ff != tt ? new QuietHours(ff, tt) : null;
    }

    /// <summary>A person's quiet hours as stored (<see cref="ToString"/>: <c>HH:mm-HH:mm</c>), or the default when none are set.</summary>
    public static QuietHours Of(string? stored) => Stored(stored) ?? Default;

    /// <summary>A person's quiet hours as stored (<see cref="ToString"/>: <c>HH:mm-HH:mm</c>), or null when none are set.</summary>
    public static QuietHours? Stored(string? stored) =>
        stored is { Length: 11 } q && q[5] == '-' ? Parse(q[..5], q[6..]) : null;

    /// <summary>The start, as <c>HH:mm</c>.</summary>
    public string FromText => From.ToString("HH':'mm", CultureInfo.InvariantCulture);

    /// <summary>The end, as <c>HH:mm</c>.</summary>
    public string ToText => To.ToString("HH':'mm", CultureInfo.InvariantCulture);

    /// <summary>The stored form, <c>HH:mm-HH:mm</c>.</summary>
    public override string ToString() => FromText + "-" + ToText;

    /// <summary>When the quiet hours that <paramref name="now"/> falls in end, in <paramref name="zone"/>; null if it is not quiet.</summary>
    public DateTimeOffset? EndOfQuietAt(DateTimeOffset now, DateTimeZone zone)
    {
        var local = Instant.FromDateTimeOffset(now).InZone(zone).LocalDateTime;
        var time = local.TimeOfDay;
        var quiet = From < To ? time >= From && time < To : time >= From || time < To;
        if (!quiet)
        {
            return null;
        }

        var endDate = time < To ? local.Date : local.Date.PlusDays(1);
        return EventTime.Resolve(endDate + To, zone).ToDateTimeOffset();
    }
}

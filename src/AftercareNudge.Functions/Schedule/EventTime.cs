using System.Globalization;
using NodaTime;
using NodaTime.Text;
using NodaTime.TimeZones;

namespace AftercareNudge.Schedule;

/// <summary>
/// Wall-clock times as people enter them, resolved in an IANA zone. The stated rule for the two hours
/// a year that are odd: a local time in a DST gap (it never happens) moves forward by the length of
/// the gap (02:30 on a spring-forward night becomes 03:30); a local time in an overlap (it happens
/// twice) is the earlier of the two instants.
/// </summary>
public static class EventTime
{
    /// <summary>No time or offset a person types is longer; anything longer is not one.</summary>
    public const int MaxTextLength = 64;

    /// <summary>Longer than any offset that could still land within the year ahead an event may be planned.</summary>
    public static readonly Duration MaxOffset = Duration.FromDays(400);

    private static readonly ZoneLocalMappingResolver Resolver =
        Resolvers.CreateMappingResolver(Resolvers.ReturnEarlier, Resolvers.ReturnForwardShifted);

    private static readonly LocalDateTimePattern[] LocalPatterns =
    [
        LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mm"),
        LocalDateTimePattern.ExtendedIso,
    ];

    private static readonly OffsetDateTimePattern[] OffsetPatterns =
    [
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>"),
        OffsetDateTimePattern.ExtendedIso,
    ];

    public static DateTimeZone? FindZone(string? id) =>
        string.IsNullOrWhiteSpace(id) ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id);

    /// <summary>
    /// Parses <c>2026-12-05T19:00</c> (local in <paramref name="zone"/>, seconds optional) or a value
    /// with an explicit offset or <c>Z</c>.
    /// </summary>
    public static ZonedDateTime? ParseLocal(string? text, DateTimeZone zone)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxTextLength)
        {
            return null;
        }

        foreach (var pattern in LocalPatterns)
        {
            var local = pattern.Parse(text);
            if (local.Success)
            {
                return IsPlausible(local.Value.Year) ? zone.ResolveLocal(local.Value, Resolver) : null;
            }
        }

        foreach (var pattern in OffsetPatterns)
        {
            var offset = pattern.Parse(text);
            if (offset.Success)
            {
                return IsPlausible(offset.Value.Year) ? offset.Value.ToInstant().InZone(zone) : null;
            }
        }

        return null;
    }

    public static ZonedDateTime Resolve(LocalDateTime local, DateTimeZone zone) => zone.ResolveLocal(local, Resolver);

    // Far from the edges of what NodaTime can represent, so that no zone or offset arithmetic overflows.
    private static bool IsPlausible(int year) => year is >= 1900 and <= 2200;

    /// <summary>
    /// Parses an ISO 8601 duration that may carry a sign (<c>PT30M</c>, <c>-PT2H</c>, <c>P1D</c>, <c>P1DT2H</c>).
    /// Years and months are refused: "a month after" has no single length.
    /// </summary>
    public static Period? ParseOffset(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxTextLength)
        {
            return null;
        }

        // One sign at most, in front: "+-PT2H" or "-P-1D" are mistakes, not offsets.
        var negative = text[0] == '-';
        var body = text[0] is '+' or '-' ? text[1..] : text;
        var parsed = PeriodPattern.NormalizingIso.Parse(body);
        if (!parsed.Success || body.Length < 2 || body.Contains('-', StringComparison.Ordinal) || body.Contains('+', StringComparison.Ordinal)
            || parsed.Value.Years != 0 || parsed.Value.Months != 0)
        {
            return null;
        }

        try
        {
            var length = parsed.Value.ToDuration();
            if (length > MaxOffset || length < -MaxOffset)
            {
                return null;
            }
        }
        catch (Exception e) when (e is OverflowException or ArgumentOutOfRangeException)
        {
            return null;
        }

        return negative ? Period.Zero - parsed.Value : parsed.Value;
    }

    /// <summary>
    /// Applies an offset to an anchor: whole days move the wall-clock date (P1D is "the same time
    /// tomorrow", across a DST change too); hours and smaller are elapsed time.
    /// </summary>
    public static Instant Apply(ZonedDateTime anchor, Period offset)
    {
        var days = offset.Days + (offset.Weeks * 7);
        var shifted = days == 0 ? anchor : Resolve(anchor.LocalDateTime.PlusDays(days), anchor.Zone);
        var elapsed = Duration.FromHours(offset.Hours)
            + Duration.FromMinutes(offset.Minutes)
            + Duration.FromSeconds(offset.Seconds)
            + Duration.FromMilliseconds(offset.Milliseconds);
        return shifted.ToInstant() + elapsed;
    }

    /// <summary>How a local time is shown back: minutes, plus seconds when they are not zero.</summary>
    public static string FormatLocal(LocalDateTime local) =>
        local.ToString(local.Second == 0 && local.NanosecondOfSecond == 0 ? "uuuu'-'MM'-'dd'T'HH':'mm" : "uuuu'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);

    /// <summary>
    /// A check-in named by its time as a message to its person says it: "23:30 check-in", or "check-in at
    /// 23:30 on Sat 5 Dec" on another day than <paramref name="now"/>'s, in <paramref name="zone"/>.
    /// </summary>
    public static string CheckInAt(DateTimeOffset dueAt, DateTimeZone zone, DateTimeOffset now) =>
        Moment(dueAt, zone, now) is var moment && moment.Contains(' ', StringComparison.Ordinal) ? $"check-in at {moment}" : $"{moment} check-in";

    /// <summary>A moment as a message says it: "23:30", or "23:30 on Sat 5 Dec" on another day than <paramref name="now"/>'s, in <paramref name="zone"/>.</summary>
    public static string Moment(DateTimeOffset instant, DateTimeZone zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime;
        var today = Instant.FromDateTimeOffset(now).InZone(zone).Date;
        var at = local.TimeOfDay.ToString("HH':'mm", CultureInfo.InvariantCulture);
        return local.Date == today ? at : $"{at} on {local.Date.ToString("ddd d MMM", CultureInfo.InvariantCulture)}";
    }
}

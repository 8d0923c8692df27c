using System.Globalization;
using AftercareNudge.Schedule;

namespace AftercareNudge.Consent;

/// <summary>
/// What a consent request asks about: the messages planned for one address on one channel, in the
/// recipient's own zone, so that the request says what and how often rather than "it depends".
/// <see cref="Next"/> is the event's next message when none is planned for this address (a person
/// asked only to agree to the aftercare plan their needs are in).
/// </summary>
public sealed record ConsentSchedule(Channel Channel, IReadOnlyList<DateTimeOffset> Times, DateTimeOffset Next, string TimeZone)
{
    /// <summary>Times an SMS lists before "and N more": enough to see the pattern, short enough for two segments.</summary>
    public const int ListedInSms = 3;

    /// <summary>The planned messages to this address by this channel, earliest first; <paramref name="next"/> when there are none.</summary>
    public static ConsentSchedule Of(Channel channel, IEnumerable<DateTimeOffset> times, DateTimeOffset next, string timeZone)
    {
        var ordered = times.Order().ToList();
        return new ConsentSchedule(channel, ordered, ordered.Count > 0 ? ordered[0] : next, timeZone);
    }

    /// <summary>The messages an event plans for someone: check-ins and reminders still to go, never the service's own follow-ups.</summary>
    public static bool Counts(CheckInRecord checkIn) =>
        checkIn is { Status: CheckInStatus.Scheduled, Kind: CheckInKind.CheckIn or CheckInKind.Reminder };

    public int Count => Times.Count;

    /// <summary>"Sat 5 Dec": the day of the first message, as requests always said.</summary>
    public string NextDay => ConsentWording.When(Next, TimeZone);

    /// <summary>"1 check-in text", "3 check-in emails".</summary>
    public string Noun => $"{Count.ToString(CultureInfo.InvariantCulture)} check-in {(Channel == Channel.Sms ? "text" : "email")}{(Count == 1 ? "" : "s")}";

    /// <summary>"Sat 5 Dec 23:30, Sun 6 Dec 10:00, Mon 7 Dec 09:00 and 2 more".</summary>
    public string SmsList
    {
        get
        {
            var listed = string.Join(", ", Times.Take(ListedInSms).Select(Local));
            return Count > ListedInSms ? $"{listed} and {(Count - ListedInSms).ToString(CultureInfo.InvariantCulture)} more" : listed;
        }
    }

    /// <summary>Every planned time, one per line, with its channel: "- Sat 5 Dec 23:30, by email".</summary>
    public IEnumerable<string> Lines => Times.Select(t => $"- {Local(t)}, by {(Channel == Channel.Sms ? "text" : "email")}");

    /// <summary>A time in the recipient's zone: "Sat 5 Dec 23:30".</summary>
    public string Local(DateTimeOffset instant)
    {
        var zone = NodaTime.DateTimeZoneProviders.Tzdb.GetZoneOrNull(TimeZone) ?? NodaTime.DateTimeZone.Utc;
        return NodaTime.Instant.FromDateTimeOffset(instant).InZone(zone).ToString("ddd d MMM HH':'mm", CultureInfo.InvariantCulture);
    }
}

using System.Globalization;
using System.Text;
using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Dispatch;

/// <summary>What a reminder email is built from. Instants are UTC; every time is shown in <see cref="RecipientTimeZone"/>.</summary>
/// <param name="RecipientIsOrganizer">The organiser is sending the reminder to themself: "You asked", not "Sam asked".</param>
/// <param name="RecipientTimeZone">An IANA zone; an unknown one falls back to UTC rather than failing a send.</param>
/// <param name="Now">When the email is built (the send time): decides between "Saturday evening" and "5 December".</param>
/// <param name="Plan">The shared aftercare plan as the organiser wrote it, or null.</param>
/// <param name="Needs">The needs of each person who agreed, in the event's order; the recipient's own is shown first.</param>
/// <param name="StillToCome">The check-ins not yet sent, in any order.</param>
public sealed record ReminderEmailInput(
    string OrganizerName,
    string RecipientName,
    bool RecipientIsOrganizer,
    string RecipientTimeZone,
    DateTimeOffset Now,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string? Plan,
    IReadOnlyList<ReminderNeeds> Needs,
    IReadOnlyList<ReminderCheckIn> StillToCome)
{
    /// <summary>Whether anything was written down for afterwards: a shared plan or anyone's needs.</summary>
    public bool HasPlan => !string.IsNullOrWhiteSpace(Plan) || Needs.Any(n => !string.IsNullOrWhiteSpace(n.Needs));
}

/// <summary>What helps one person who agreed, as written.</summary>
public sealed record ReminderNeeds(string Name, string? Needs, bool IsRecipient);

/// <summary>A check-in still to come: to the recipient ("you") or to someone else, by name.</summary>
public sealed record ReminderCheckIn(string To, bool ToRecipient, Channel Channel, DateTimeOffset DueAt);

/// <param name="SenderName">The From display name: <c>Sam via AftercareNudge</c>.</param>
public sealed record ReminderEmailContent(string SenderName, string Subject, string Text, string Html);

/// <summary>
/// The reminder email: the aftercare everyone agreed, the check-ins still to come, how to stop, and that
/// this is not an emergency service. The subject says only when ("Your plan for Saturday evening"); the
/// event's title and kind are not even inputs. <see cref="ReminderEmailContent.Html"/> is the body
/// (<c>ReminderEmailBody</c>); <see cref="Consent.UnsubscribeLinks"/> puts every email's body in the email
/// layout, with the unsubscribe footer inside it.
/// </summary>
public static class ReminderEmail
{
    public const string NotAnEmergency = "AftercareNudge is not an emergency service. If anyone is in danger, call your local emergency number.";

    public const string HowToStop = "To stop these emails, use the link at the bottom. To stop texts, reply STOP to any of them.";

    public const string NothingScheduled = "Nothing else is scheduled.";

    // Further away than this, a weekday name is ambiguous; the date is used instead.
    private const int DaysNamedByWeekday = 6;


    public static ReminderEmailContent Build(ReminderEmailInput input)
    {
        ArgumentNullException.ThrowIfNull(input);

        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(input.RecipientTimeZone) ?? DateTimeZone.Utc;
        var today = InZone(input.Now, zone).Date;
        var when = When(InZone(input.StartsAt, zone), today);
        var subject = $"Your plan for {when}";

        var organizer = OneLine(input.OrganizerName);
        var recipient = OneLine(input.RecipientName);
        var plan = Tidy(input.Plan);
        var needs = input.Needs
            .Select(n => (Label: n.IsRecipient ? "You" : OneLine(n.Name), Needs: Tidy(n.Needs), n.IsRecipient))
            .Where(n => n.Needs.Length > 0)
            .OrderBy(n => n.IsRecipient ? 0 : 1) // stable: the others keep the event's order
            .ToList();
        var stillToCome = input.StillToCome
            .OrderBy(c => c.DueAt)
            .Select(c => (When: CheckInTime(InZone(c.DueAt, zone), today), What: $"{(c.Channel == Channel.Sms ? "a text" : "an email")} to {(c.ToRecipient ? "you" : OneLine(c.To))}"))
            .ToList();

        var greeting = recipient.Length == 0 ? "Hi," : $"Hi {recipient},";
        var intro = input.HasPlan
            ? $"Here's what you agreed for after {when}."
            : $"This is your reminder for {when}. No plan for afterwards was written down.";
        var eventTimes = $"When: {EventTimes(InZone(input.StartsAt, zone), InZone(input.EndsAt, zone))} ({zone.Id} time)";
        var signature = input.RecipientIsOrganizer
            ? "You asked AftercareNudge to send you this reminder."
            : $"{(organizer.Length == 0 ? "Someone" : organizer)} asked AftercareNudge to send you this reminder, as you agreed.";

        var text = new StringBuilder();
        text.Append(greeting).Append("\n\n").Append(intro).Append('\n').Append(eventTimes);
        if (plan.Length > 0)
        {
            text.Append("\n\nThe plan\n").Append(plan);
        }

        if (needs.Count > 0)
        {
            text.Append("\n\nWhat helps each of you");
            foreach (var person in needs)
            {
                text.Append("\n\n").Append(person.Label).Append(":\n").Append(person.Needs);
            }
        }

        text.Append("\n\nStill to come\n");
        text.AppendJoin('\n', stillToCome.Count == 0 ? [NothingScheduled] : stillToCome.Select(c => $"{c.When} — {c.What}"));
        text.Append("\n\nHow to stop\n").Append(HowToStop.Replace(". ", ".\n", StringComparison.Ordinal));
        text.Append("\n\n").Append(NotAnEmergency.Replace(". ", ".\n", StringComparison.Ordinal));
        text.Append("\n\n-- \n").Append(signature);

        var html = Hosting.HtmlTemplates.Render<ReminderEmailBody>(new ReminderEmailModel(
            greeting,
            intro,
            eventTimes,
            plan,
            [.. needs.Select(n => new ReminderShownNeeds(n.Label, n.Needs))],
            [.. stillToCome.Select(c => new ReminderShownCheckIn(c.When, c.What))],
            signature));

        return new ReminderEmailContent(
            $"{(organizer.Length == 0 ? "Someone" : organizer)} via AftercareNudge",
            subject,
            text.ToString(),
            html);
    }

    /// <summary>
    /// "Saturday evening"; after midnight and before 05:00 is still the night before ("Saturday night"
    /// for 01:00 on Sunday). More than <see cref="DaysNamedByWeekday"/> days away: "5 December", or
    /// "the night of 5 December".
    /// </summary>
    private static string When(LocalDateTime start, LocalDate today)
    {
        var (day, part) = start.Hour switch
        {
            < 5 => (start.Date.PlusDays(-1), "night"),
            < 12 => (start.Date, "morning"),
            < 17 => (start.Date, "afternoon"),
            < 21 => (start.Date, "evening"),
            _ => (start.Date, "night"),
        };
        var daysAway = Period.Between(today, day, PeriodUnits.Days).Days;
        if (Math.Abs(daysAway) <= DaysNamedByWeekday)
        {
            return $"{day.ToString("dddd", CultureInfo.InvariantCulture)} {part}";
        }

        var date = day.ToString("d MMMM", CultureInfo.InvariantCulture);
        return start.Hour < 5 ? $"the night of {date}" : date;
    }

    /// <summary>"Sat 23:30" within the week ahead, "Sat 12 Dec 23:30" beyond it.</summary>
    private static string CheckInTime(LocalDateTime due, LocalDate today) =>
        due.ToString(
            Math.Abs(Period.Between(today, due.Date, PeriodUnits.Days).Days) <= DaysNamedByWeekday ? "ddd HH':'mm" : "ddd d MMM HH':'mm",
            CultureInfo.InvariantCulture);

    /// <summary>"Sat 5 Dec, 19:00–23:00", or "Sat 5 Dec 22:00 – Sun 6 Dec 02:00" across midnight.</summary>
    private static string EventTimes(LocalDateTime start, LocalDateTime end) => start.Date == end.Date
        ? $"{start.ToString("ddd d MMM, HH':'mm", CultureInfo.InvariantCulture)}–{end.ToString("HH':'mm", CultureInfo.InvariantCulture)}"
        : $"{start.ToString("ddd d MMM HH':'mm", CultureInfo.InvariantCulture)} – {end.ToString("ddd d MMM HH':'mm", CultureInfo.InvariantCulture)}";

    private static LocalDateTime InZone(DateTimeOffset instant, DateTimeZone zone) =>
        Instant.FromDateTimeOffset(instant).InZone(zone).LocalDateTime;

    /// <summary>A name is one line: no newline in it can forge a heading in the plain text or a header.</summary>
    private static string OneLine(string? text) =>
        string.Join(' ', (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// What people wrote, tidied but not shortened: line endings made <c>\n</c>, trailing spaces and
    /// surrounding blank lines gone, runs of blank lines made one.
    /// </summary>
    private static string Tidy(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "";
        }

        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        var kept = new List<string>(lines.Count);
        foreach (var line in lines)
        {
            if (line.Length > 0 || (kept.Count > 0 && kept[^1].Length > 0))
            {
                kept.Add(line);
            }
        }

        return string.Join('\n', kept).Trim();
    }
}

/// <summary>What <c>ReminderEmailBody</c> shows, worded and tidied by <see cref="ReminderEmail.Build"/>.</summary>
public sealed record ReminderEmailModel(
    string Greeting,
    string Intro,
    string EventTimes,
    string Plan,
    IReadOnlyList<ReminderShownNeeds> Needs,
    IReadOnlyList<ReminderShownCheckIn> StillToCome,
    string Signature);

public sealed record ReminderShownNeeds(string Label, string Needs);

public sealed record ReminderShownCheckIn(string When, string What);

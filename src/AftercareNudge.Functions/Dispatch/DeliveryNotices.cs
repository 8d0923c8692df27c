using System.Globalization;
using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Dispatch;

/// <summary>What a notice is about: the check-in that did not arrive, as it stands when the notice goes out.</summary>
/// <param name="RecipientName">Who it was for; empty if the plan no longer names them.</param>
/// <param name="Channel">The channel it went (or would have gone) by.</param>
/// <param name="Kind">A check-in, a reminder, or a fallback (then it failed on both channels).</param>
/// <param name="DueAt">When it was promised.</param>
/// <param name="Reason">Its <c>reason</c>, as GET shows it (<c>opted-out</c>, <c>twilio-30005</c>, <c>bounced</c>…).</param>
/// <param name="OrganizerZone">The zone the organiser reads times in.</param>
/// <param name="Now">When the notice goes out.</param>
public sealed record NoticeFacts(string RecipientName, Channel Channel, CheckInKind Kind, DateTimeOffset DueAt, string? Reason, DateTimeZone OrganizerZone, DateTimeOffset Now);

/// <summary>
/// How the service's own messages about delivery read. A notice tells the organiser, in plain words, that
/// a check-in did not arrive and why: who it was for and when, never the event's title or kind and never
/// the message. Its SMS names the sender as <c>AftercareNudge:</c> alone, because the service, not the
/// organiser, is speaking (a check-in reads <c>Sam via AftercareNudge:</c>). A fallback is the check-in
/// itself on the other channel; its email says why it came by email.
/// </summary>
public static class DeliveryNotices
{
    public const string SmsSender = Hosting.Notices.SmsSender;

    public const string EmailSubject = "A check-in did not arrive";

    /// <summary>A fallback SMS for a check-in written for email: the words stay in email, the text only says it came.</summary>
    public static string FallbackSmsText(string organizerName) =>
        $"{organizerName} sent you a check-in by email, and it did not reach your inbox. Reply here if you'd like to talk.";

    public const string FallbackEmailNote = "It comes by email because the text message did not reach your phone.";

    private const string EmailFooter = "AftercareNudge tells you when a check-in you planned could not be delivered.";

    public static string Sms(NoticeFacts facts) => SmsSender + Sentence(facts);

    public static string EmailText(NoticeFacts facts) => Capitalised(Sentence(facts)) + "\n\n-- \n" + EmailFooter;

    public static string EmailHtml(NoticeFacts facts) => NoticeEmailHtml(Capitalised(Sentence(facts)), EmailFooter);

    /// <summary>A notice email's body: the sentence, and what sends it when <paramref name="footer"/> is given.</summary>
    internal static string NoticeEmailHtml(string sentence, string? footer) => Hosting.Notices.EmailHtml(sentence, footer);

    /// <summary>
    /// "your 23:30 check-in to Alex didn't arrive (Alex has opted out of texts). Nothing more will be
    /// tried." A time on another day than today (in the organiser's zone) carries its date.
    /// </summary>
    public static string Sentence(NoticeFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var name = facts.RecipientName.Trim();
        var what = facts.Kind == CheckInKind.Reminder ? "reminder" : "check-in";
        var due = Instant.FromDateTimeOffset(facts.DueAt).InZone(facts.OrganizerZone).LocalDateTime;
        var today = Instant.FromDateTimeOffset(facts.Now).InZone(facts.OrganizerZone).Date;
        var time = due.TimeOfDay.ToString("HH':'mm", CultureInfo.InvariantCulture);
        var to = name.Length == 0 ? "" : " to " + name;
        var subject = due.Date == today
            ? $"your {time} {what}{to}"
            : $"your {what}{to} at {time} on {due.Date.ToString("ddd d MMM", CultureInfo.InvariantCulture)}";

        if (DeliveryReports.IsOutcomeUnknown(facts.Reason))
        {
            // It may well have arrived: say what we know, and that it will not come twice.
            return $"{subject} may not have arrived (we could not confirm it was sent). It will not be sent again, so it cannot arrive twice.";
        }

        var how = facts.Kind == CheckInKind.Fallback ? " by text or by email" : "";
        return $"{subject} didn't arrive{how} ({Why(facts.Channel, facts.Reason, name)}). Nothing more will be tried.";
    }

    /// <summary>
    /// A reason in words a person understands. Twilio's codes change and new ones appear, so anything
    /// not listed gets a generic phrase rather than a code.
    /// </summary>
    public static string Why(Channel channel, string? reason, string recipientName)
    {
        var sms = channel == Channel.Sms;
        var name = string.IsNullOrWhiteSpace(recipientName) ? "they" : recipientName.Trim();
        var possessive = string.IsNullOrWhiteSpace(recipientName) ? "their" : name + "'s";
        var has = string.IsNullOrWhiteSpace(recipientName) ? "have" : "has";
        return reason switch
        {
            CheckInReasons.OptedOut => sms ? $"{name} {has} opted out of texts" : $"{name} {has} unsubscribed from emails",
            CheckInReasons.Declined => sms ? $"{name} said no to getting your check-in texts" : $"{name} said no to getting your check-in emails",
            CheckInReasons.NoConsent => sms ? $"{name} {has} not agreed to get texts" : $"{name} {has} not agreed to get emails",
            CheckInReasons.PlanChanged => $"{name} {has} not yet agreed to the changed aftercare plan",
            CheckInReasons.RecipientMissing => sms ? "the plan has no phone number for them" : "the plan has no email address for them",
            CheckInReasons.Bounced => "the email bounced",
            CheckInReasons.Undeliverable => $"{possessive} email address does not accept mail",
            CheckInReasons.Dropped => "the email service would not send it to that address",
            "twilio-30003" => $"{possessive} phone was unreachable",
            "twilio-30004" => "the number blocks these messages",
            "twilio-30005" => "the number is unknown or no longer in use",
            "twilio-30006" => "the number is a landline and cannot get texts",
            "twilio-30007" => "the phone network filtered it as spam",
            "twilio-21211" => "the number is not a valid phone number",
            "twilio-21614" => "the number is not a mobile and cannot get texts",
            "twilio-21610" => $"{name} {has} opted out of texts",
            "twilio-30008" or "twilio-undelivered" or "twilio-failed" => "the phone network could not deliver it",
            _ => sms ? "the text could not be delivered" : "the email could not be delivered",
        };
    }

    public static string FallbackEmailText(string organizerName, string message) =>
        CheckInWording.EmailText(organizerName, message) + "\n" + FallbackEmailNote;

    public static string FallbackEmailHtml(string organizerName, string message) =>
        CheckInWording.EmailHtml(organizerName, message, FallbackEmailNote);

    private static string Capitalised(string sentence) =>
        sentence.Length == 0 ? sentence : char.ToUpperInvariant(sentence[0]) + sentence[1..];
}

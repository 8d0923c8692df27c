using System.Globalization;

namespace AftercareNudge.Consent;

/// <summary>
/// Every word the consent side sends. Neutral by rule: nothing names the event, its kind or its
/// content; every SMS names the sender; the consent request and the YES confirmation carry the
/// frequency, HELP and STOP; the opt-out confirmation carries nothing else.
/// </summary>
public static class ConsentWording
{
    public const string Brand = Hosting.Brand.Name;

    public static string When(DateTimeOffset instant, string timeZone)
    {
        var zone = NodaTime.DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) ?? NodaTime.DateTimeZone.Utc;
        return NodaTime.Instant.FromDateTimeOffset(instant).InZone(zone).ToString("ddd d MMM", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The consent SMS: who asks, how many texts and when ("2 check-in texts: Sat 5 Dec 23:30, Sun 6 Dec
    /// 10:00", in the recipient's zone; at most <see cref="ConsentSchedule.ListedInSms"/> times, then
    /// "and N more"), and the carrier wording. Never the event's title, kind or any message's words.
    /// </summary>
    public static string SmsRequest(string organizerName, bool toOrganizer, ConsentSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        // The organiser is asked on a channel with nothing planned to them only to hear replies (see ReplyRelays).
        var what = schedule.Count == 0
            ? (toOrganizer ? ReplyRelaysTo(schedule) : "check-in messages" + $", next on {schedule.NextDay}")
            : schedule.Noun + $": {schedule.SmsList}";
        var ask = toOrganizer
            ? schedule.Count == 0
                ? $"please confirm this number {what}"
                : $"please confirm this number for your plans: the {schedule.Noun} you planned ({schedule.SmsList}), replies and notices"
            : schedule.Count == 0
                ? $"{organizerName} would like to send you {what}, around plans you made together"
                : $"{organizerName} would like to send you {schedule.Noun} around plans you made together: {schedule.SmsList}";
        return $"{organizerName} via {Brand}: {ask}. Reply YES to agree. Msg freq varies. Msg&data rates may apply. Reply HELP for help, STOP to opt out.";
    }

    /// <summary>An organiser as a person is shown them: their name as registered, and the app it came from where that tells two apart ("Sam (Kinkly)").</summary>
    public static string OrganizerLabel(string organizerName, string? app) =>
        string.IsNullOrWhiteSpace(app) ? organizerName : $"{organizerName} ({app})";

    public static string SmsGranted(IReadOnlyList<string> organizers) =>
        $"{Brand}: Thanks, you'll get the check-ins {Names(organizers)} arranged. Msg freq varies. Reply HELP for help, STOP to opt out.";

    /// <summary>The organiser's YES to confirming their own number: what it is for, not someone else's check-ins; named as the request named them.</summary>
    public static string SmsOrganizerConfirmed(string organizer) =>
        $"{Brand}: Thanks, this number is confirmed for your plans as {organizer}: what you planned for yourself, and {OrganizersOwn}. Msg freq varies. Reply HELP for help, STOP to opt out.";

    /// <summary>The organiser's NO to confirming their own number.</summary>
    public const string SmsOrganizerNotConfirmed =
        $"{Brand}: OK, nothing about your plans will be texted to this number: no check-ins, replies or notices. Reply HELP for help, STOP to opt out.";

    /// <summary>What confirming their own number or address is for, besides what an organiser planned for themself.</summary>
    public const string OrganizersOwn = "the replies and notices about your plans";

    public static string SmsDeclined(IReadOnlyList<string> organizers) =>
        $"{Brand}: OK, you won't get check-ins from {Names(organizers)}. Reply HELP for help, STOP to opt out.";

    /// <summary>A YES or NO to a request whose event was cancelled (or purged) since: nothing is recorded.</summary>
    public static string SmsRequestWithdrawn(IReadOnlyList<string> organizers) =>
        $"{Brand}: {Names(organizers)} cancelled those plans, so there is nothing to answer and nothing was recorded. Reply HELP for help, STOP to opt out.";

    public const string SmsNothingPending = $"{Brand}: There is nothing waiting for your answer. Reply HELP for help, STOP to opt out.";

    /// <summary>The one answer to "yes please", "ok" and the like after a consent request: only the word YES agrees.</summary>
    public static string SmsReplyYesToAgree(IReadOnlyList<string> organizers) =>
        $"{Brand}: To agree to check-ins from {Names(organizers)}, reply with just the word YES. Reply HELP for help, STOP to opt out.";

    /// <summary>
    /// Added to an answer that a YES or NO was taken as, while a consent request was also open: the
    /// request still waits (named as it was shown; null: the organiser's own, to confirm this number).
    /// </summary>
    public static string SmsRequestStillWaiting(string? organizer) => organizer is null
        ? "Confirming this number still waits for your YES or NO."
        : $"The request from {organizer} still waits for your YES or NO.";

    /// <summary>A trusted contact's YES: what they agreed to, and the question of their quiet hours (asked, not pre-set).</summary>
    public static string SmsContactAgreed(string organizer) =>
        $"{Brand}: Thanks, you'll be told if {organizer} does not answer a check-in, as the request said. May an alert reach you in your quiet hours? Reply NIGHT YES to allow it, or NIGHT NO to have it wait for morning. Reply STOP to opt out.";

    /// <summary>A trusted contact's NO.</summary>
    public static string SmsContactDeclined(string organizer) =>
        $"{Brand}: OK, you won't be told anything about {organizer}'s check-ins. Reply HELP for help, STOP to opt out.";

    public const string SmsOptedOut = $"{Brand}: You're opted out and will get no more messages. Reply START to undo.";

    public static string SmsOptedIn(IReadOnlyList<string> organizers) => organizers.Count == 0
        ? $"{Brand}: You're opted back in. Nothing arrives unless you agree to it. Reply HELP for help, STOP to opt out."
        : $"{Brand}: You're opted back in: {Names(organizers)} can send you check-ins again, as you agreed (none skipped while you were out will come). Msg freq varies. Reply HELP for help, STOP to opt out.";

    /// <summary>The HELP answer: who we are, how often, the cost, how to reach whoever runs the service, how to stop. One SMS with a contact of up to 40 characters.</summary>
    public static string SmsHelp(string contact) =>
        $"{Brand}: check-in texts you agreed to. Msg freq varies. Msg&data rates may apply. Help: {contact}. Reply STOP to opt out.";

    /// <summary>The HELP answer to a number that opted out: that it is, how to undo it, and the contact. One SMS with a contact of up to 40 characters.</summary>
    public static string SmsHelpOptedOut(string contact) =>
        $"{Brand}: You're opted out and get no messages from us. Reply START to opt back in. Help: {contact}.";

    public static string EmailRequestSubject(string organizerName, bool toOrganizer = false) =>
        toOrganizer ? "Please confirm your address for your check-in plans" : $"{organizerName} would like to send you check-ins";

    public static string EmailRequestText(string organizerName, bool toOrganizer, ConsentSchedule schedule, Uri consentUrl, PlanAsk plan = PlanAsk.None) =>
        RequestLead(organizerName, toOrganizer, schedule) + PlanSentence(organizerName, plan)
        + $"\n\nTo agree or decline, open:\n{consentUrl}\n\nNothing is sent unless you agree, and you can stop at any time."
        + $" If you did not expect this, ignore it.";

    /// <summary>The consent request email's body (<c>ConsentRequestEmail</c>).</summary>
    public static string EmailRequestHtml(string organizerName, bool toOrganizer, ConsentSchedule schedule, Uri consentUrl, PlanAsk plan = PlanAsk.None) =>
        Hosting.HtmlTemplates.Render<ConsentRequestEmail>(new Dictionary<string, object?>
        {
            [nameof(ConsentRequestEmail.Lead)] = RequestLead(organizerName, toOrganizer, schedule) + PlanSentence(organizerName, plan),
            [nameof(ConsentRequestEmail.ConsentUrl)] = consentUrl,
            [nameof(ConsentRequestEmail.ReadPlan)] = plan != PlanAsk.None,
        });

    private static string RequestLead(string organizerName, bool toOrganizer, ConsentSchedule schedule)
    {
        var what = schedule.Count == 0 ? "check-in emails" : schedule.Noun;
        var when = schedule.Count == 0 ? $"next on {schedule.NextDay}" : $"the first on {schedule.Local(schedule.Next)}";
        if (toOrganizer && schedule.Count == 0)
        {
            return $"Please confirm this address {ReplyRelaysTo(schedule)}, through {Brand}.";
        }

        return toOrganizer
            ? $"Please confirm this address for the {what} you planned for yourself with {Brand}, {when}, and for {OrganizersOwn}."
            : $"{organizerName} would like to send you {what} through {Brand} around plans you made together, {when}.";
    }

    // Neutral like the rest: the plan itself is only on the page, behind the link.
    private static string PlanSentence(string organizerName, PlanAsk plan) => plan switch
    {
        PlanAsk.First => $" The page shows the aftercare plan {organizerName} wrote down, so you agree to it as written.",
        PlanAsk.Changed => $" {organizerName} changed the aftercare plan since you agreed: nothing more is emailed to you until you read it and agree again.",
        _ => "",
    };

    /// <summary>
    /// The consent page's own words: what the person is shown, and what the ledger keeps. Every planned
    /// email is listed on its own line ("- Sat 5 Dec 23:30, by email"), in the recipient's zone.
    /// </summary>
    public static string PageText(string organizerName, bool toOrganizer, ConsentSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        const string Stop = "You can stop at any time with the link in every email.";
        if (schedule.Count == 0)
        {
            return toOrganizer
                ? $"Confirm this address {ReplyRelaysTo(schedule)}. Nothing else is sent to it unless you plan it. " + Stop
                : $"{organizerName} would like to send you check-in emails around plans you made together, next on {schedule.NextDay}."
                    + " No email to you is planned yet; if one is added, it is listed when you are asked. " + Stop;
        }

        var lead = toOrganizer
            ? $"Confirm this address for {OrganizersOwn}, and for the {schedule.Noun} you planned for yourself:"
            : $"{organizerName} would like to send you {schedule.Noun} around plans you made together:";
        return lead + "\n" + string.Join("\n", schedule.Lines) + $"\nTimes are in your time zone, {schedule.TimeZone}. " + Stop;
    }

    /// <summary>What an organiser with nothing planned to them on a channel is asked for: the replies to their texts, passed on.</summary>
    private static string ReplyRelaysTo(ConsentSchedule schedule) =>
        $"to get the replies to the check-in texts you planned, passed on when they arrive, from {schedule.NextDay}, and the notices about your plans";

    private static string Names(IReadOnlyList<string> organizers)
    {
        var names = organizers.Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return names.Count switch
        {
            0 => "you were asked about",
            1 => names[0],
            _ => string.Join(", ", names[..^1]) + " and " + names[^1],
        };
    }
}

/// <summary>Whether a consent email also asks to agree to an aftercare plan, and if so, for the first time or again.</summary>
public enum PlanAsk
{
    None,
    First,
    Changed,
}

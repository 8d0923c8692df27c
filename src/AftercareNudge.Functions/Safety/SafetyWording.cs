using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Safety;

/// <summary>
/// Every word the safety net sends the person it is about. Discreet like every message here (no
/// event, kind or title; the check-in named only by its time) and honest: it promises no rescue.
/// </summary>
public static class SafetyWording
{
    public const string Brand = Hosting.Brand.Name;

    /// <summary>The line added to an armed check-in: exactly what counts as an answer.</summary>
    public const string AnswerLine = "Reply with anything to let us know you're OK.";

    /// <summary>What HELP adds while an armed check-in waits on the number: what the safety net does, and does not.</summary>
    public const string HelpWhileWaiting = "Your check-in waits for your answer: reply with anything to say you're OK. If none comes, the contacts you chose are told. We are not an emergency service.";

    /// <summary>What the one confirmation of a STOP adds while an armed check-in waits on the number.</summary>
    public const string OkStillCounts = "A reply of OK still counts as your answer to your check-in.";

    /// <summary>The acknowledgement of an answer (the same for every answer, whatever it says).</summary>
    public static string Answered(IReadOnlyList<AnsweredCheckIn> answered, DateTimeOffset now) =>
        $"{Brand}: Thanks, that answers {Which(answered, now)}. This is not an emergency service: in an emergency, call your local emergency number.";

    /// <summary>Added to the answer to START (which opts back in) when it also answered an armed check-in.</summary>
    public static string AlsoAnswers(IReadOnlyList<AnsweredCheckIn> answered, DateTimeOffset now) => $"That also answers {Which(answered, now)}.";

    private static string Which(IReadOnlyList<AnsweredCheckIn> answered, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(answered);
        var first = answered[0];
        var zone = EventTime.FindZone(first.Event.Organizer.TimeZone) ?? DateTimeZone.Utc;
        return answered.Count == 1 ? $"your {EventTime.CheckInAt(first.Awaited.DueAt, zone, now)}" : "your check-ins";
    }

    /// <summary>
    /// The one reminder: no answer yet, what counts as one, and when the contacts will be told (named
    /// only as "the contacts you chose": the phone may be in someone else's hands).
    /// </summary>
    public static string Reminder(AwaitedReply net, DateTimeZone zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(net);
        return $"{Brand}: No answer yet to your {EventTime.CheckInAt(net.DueAt, zone, now)}. {AnswerLine} With no answer {By(net.AlertAt, zone, now)}, the contacts you chose will be told.";
    }

    /// <summary>
    /// The alert: who, the time they were expected to answer, whether our messages reached them, a STOP
    /// in the meantime, the note, and what to do. Never the event, its kind or title; never a promise.
    /// </summary>
    public static string AlertSms(AlertFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return $"{Brand}: {AlertBody(facts)} Reply STOP to opt out.";
    }

    public static string AlertSubject(AlertFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.DuressAt is null ? $"{facts.Name} has not answered a check-in" : $"Urgent: {facts.Name} may not be safe";
    }

    public static string AlertText(AlertFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return AlertBody(facts);
    }

    /// <summary>The all-clear: they answered, and when.</summary>
    public static string AllClear(string name, DateTimeOffset answeredAt, DateTimeZone zone, DateTimeOffset now) =>
        $"{Brand}: All clear: {name} answered their check-in {At(answeredAt, zone, now)}. Thank you for being there. Reply STOP to opt out.";

    public static string AllClearSubject(string name) => $"All clear: {name} answered";

    /// <summary>
    /// A trusted contact's consent request: who chose them, when an alert could come, word for word the
    /// alert and the all-clear, what they would be asked to do (try to reach the person), and that this
    /// is no emergency service. The organiser's name first, as every consent request.
    /// </summary>
    public static string ContactRequest(string organizer, IReadOnlyList<AwaitedReply> nets, DateTimeZone zone, DateTimeOffset now)
    {
        var (when, facts, allClear) = ContactTerms(organizer, nets, zone, now);
        var alert = AlertSms(facts);
        return $"{organizer} via {Brand}: {organizer} chose you as a trusted contact. If {organizer} does not answer a check-in, we would text you (at the earliest {when}): \"{alert}\" If they answer later: \"{allClear}\""
            + $" We are not an emergency service. Reply YES to agree, NO to decline. Msg&data rates may apply. Reply STOP to opt out.";
    }

    public static string ContactEmailSubject(string organizer) => $"{organizer} chose you as a trusted contact";

    /// <summary>
    /// A trusted contact's request by email, as their page shows it and the ledger keeps it (one
    /// paragraph a line): the same terms as <see cref="ContactRequest"/>, with the alert email and the
    /// all-clear word for word, subjects included.
    /// </summary>
    public static string ContactPageText(string organizer, IReadOnlyList<AwaitedReply> nets, DateTimeZone zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var (when, facts, allClear) = ContactTerms(organizer, nets, zone, now);
        return string.Join(
            '\n',
            $"{organizer} chose you as a trusted contact on {Brand}. If {organizer} does not answer a check-in, we would email you, at the earliest {when} (your time, {zone.Id}).",
            $"The alert would have the subject \"{AlertSubject(facts)}\" and say:",
            $"\"{AlertText(facts)}\"",
            $"If they answer later, you would get \"{AllClearSubject(organizer)}\":",
            $"\"{allClear}\"",
            $"If an alert comes, you would be asked to try to reach {organizer}. We are not an emergency service: if you think {organizer} is in danger, call your local emergency number.",
            "Nothing is sent to you unless you agree. If you agree, you also choose whether an alert may reach you in your quiet hours.");
    }

    /// <summary>The email's plain-text part: the page's words and the link to the page, where the answer is given.</summary>
    public static string ContactEmailText(string pageText, Uri pageUrl)
    {
        ArgumentNullException.ThrowIfNull(pageUrl);
        return $"{pageText.Replace("\n", "\n\n", StringComparison.Ordinal)}\n\nTo agree or decline, open this page (nothing is recorded until you choose there):\n{pageUrl.AbsoluteUri}";
    }

    /// <summary>The email's HTML part (<c>ContactRequestEmail</c>).</summary>
    public static string ContactEmailHtml(string pageText, Uri pageUrl) =>
        Hosting.HtmlTemplates.Render<ContactRequestEmail>(new Dictionary<string, object?>
        {
            [nameof(ContactRequestEmail.Text)] = pageText,
            [nameof(ContactRequestEmail.PageUrl)] = pageUrl,
        });

    /// <summary>When an alert could come, the alert's facts (the first net's) and the all-clear, in the contact's zone.</summary>
    private static (string When, AlertFacts Facts, string AllClear) ContactTerms(string organizer, IReadOnlyList<AwaitedReply> nets, DateTimeZone zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(nets);
        var first = nets[0];
        var when = string.Join(", ", nets.Select(n => EventTime.Moment(n.AlertAt, zone, now).Replace(" on ", ", ", StringComparison.Ordinal)));
        var facts = new AlertFacts(organizer, first.DueAt + first.Net.Within, zone, now, first.Net.Note, Undelivered: false, StoppedAt: null);
        return (when, facts, AllClear(organizer, first.AlertAt + TimeSpan.FromMinutes(10), zone, now));
    }

    /// <summary>The answer to LATER: the new time; and, once at the limit, that it is.</summary>
    public static string Extended(AwaitedReply net, DateTimeZone zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(net);
        var limit = net.ExtendedBy >= AwaitedReply.MaxExtension ? " That is the latest it can be." : "";
        return $"{Brand}: OK, your {EventTime.CheckInAt(net.DueAt, zone, now)} now waits for your answer until {EventTime.Moment(net.RemindAt, zone, now)}.{limit} {AnswerLine}";
    }

    /// <summary>To a contact who replied after an urgent alert: their reply was not passed on, and why.</summary>
    public static string NotPassedOnAfterUrgentAlert(string name) =>
        $"{Brand}: Your reply was not passed on to {name}: after an urgent alert we pass nothing on, in case someone else has their phone. This is not an emergency service: in an emergency, call your local emergency number.";

    /// <summary>To an alerted contact when the event is cancelled without an answer: no all-clear, but no more waiting for news.</summary>
    /// <param name="name">The person's name; null once it was erased (then nobody is named).</param>
    public static string CancelledAfterAlert(string? name) => name is null
        ? $"{Brand}: The check-in we alerted you about was cancelled, without an answer to us from the person who chose you. We will send nothing more about it. If you are still worried, try to reach them; in an emergency, call your local emergency number."
        : $"{Brand}: {name}'s check-in was cancelled after we alerted you, without an answer from {name} to us. We will send nothing more about it. If you are still worried, try to reach {name}; in an emergency, call your local emergency number.";

    public static string CancelledAfterAlertSubject(string? name) => name is null ? "The check-in we alerted you about was cancelled" : $"{name}'s check-in was cancelled";

    public const string NightAllowed = $"{Brand}: OK, an alert may reach you in your quiet hours. Reply NIGHT NO to have it wait for morning. Reply STOP to opt out.";

    public const string NightHeld = $"{Brand}: OK, an alert in your quiet hours will wait for morning. Reply NIGHT YES to allow it then. Reply STOP to opt out.";

    private static string AlertBody(AlertFacts f)
    {
        if (f.DuressAt is { } duress)
        {
            var urgentNote = string.IsNullOrWhiteSpace(f.Note) ? "" : $" Their note: \"{OneLine(f.Note)}\".";
            if (f.AlreadyAlerted)
            {
                // After the ordinary alert: the news is that they have now signalled they need help.
                return $"URGENT: {f.Name}, about whom we alerted you earlier, has now told us {At(duress, f.Zone, f.Now)}, with a word only they and we know, that they may not be safe and need help. Their phone may not be in their own hands: replies to this number are not passed on to them.{urgentNote}"
                    + $" Please try to reach {f.Name} carefully. If you think they are in danger, call your local emergency number: we are not an emergency service.";
            }

            return $"URGENT: {f.Name} told us {At(duress, f.Zone, f.Now)}, with a word only they and we know, that they may not be safe. Their phone may not be in their own hands: replies to this number are not passed on to them.{urgentNote}"
                + $" Please try to reach {f.Name} carefully. If you think they are in danger, call your local emergency number: we are not an emergency service.";
        }

        var undelivered = f.Undelivered ? " Our messages to them did not arrive." : "";
        var stopped = f.StoppedAt is { } at ? $" They stopped messages from us {At(at, f.Zone, f.Now)} without saying they were OK." : "";
        var note = string.IsNullOrWhiteSpace(f.Note) ? "" : $" Their note: \"{OneLine(f.Note)}\".";
        return $"{f.Name} asked us to tell you if they did not answer a check-in. They were expected to answer {By(f.ExpectedBy, f.Zone, f.Now)} and have not.{undelivered}{stopped}{note}"
            + $" Please try to reach {f.Name}. If you think they are in danger, call your local emergency number: we are not an emergency service.";
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    private static string By(DateTimeOffset instant, DateTimeZone zone, DateTimeOffset now) => "by " + EventTime.Moment(instant, zone, now);

    private static string At(DateTimeOffset instant, DateTimeZone zone, DateTimeOffset now) => "at " + EventTime.Moment(instant, zone, now);
}

/// <summary>What an alert says, gathered when it goes: all in the contact's zone.</summary>
/// <param name="Undelivered">The check-in (or the reminder) could not be delivered: the phone may be off or unreachable.</param>
/// <param name="DuressAt">When the person answered with the word they chose to say they are not safe: the alert is urgent.</param>
/// <param name="AlreadyAlerted">The urgent follow-up to a contact whose ordinary alert went before the duress word.</param>
public sealed record AlertFacts(string Name, DateTimeOffset ExpectedBy, DateTimeZone Zone, DateTimeOffset Now, string? Note, bool Undelivered, DateTimeOffset? StoppedAt, DateTimeOffset? DuressAt = null, bool AlreadyAlerted = false);

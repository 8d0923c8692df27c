using System.Globalization;
using AftercareNudge.Hosting;
using AftercareNudge.Schedule;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Consent;

/// <summary>
/// The pages email links open: the consent page (Agree / Decline) and the unsubscribe page (Stop, and
/// RFC 8058 one-click from mail clients). A GET only shows, because mail scanners open links; a POST
/// decides. They are reached from an email with no cookies, so there is no antiforgery token: the
/// unguessable token in the URL is the credential, which is why no page is cached, indexed or referred on.
/// The pages themselves are Razor templates beside this file (<c>ConsentPage</c>, <c>UnsubscribePage</c>,
/// <c>NoticePage</c>) in the shared <c>PageLayout</c>.
/// </summary>
public sealed partial class ConsentPages(LinkTokens tokens, ConsentStore consents, EventStore events, OptOuts optOuts, ConsentSkips skips, IOptions<ServiceOptions> service, ILogger<ConsentPages> logger)
{
    private const string Agree = "agree";
    private const string Decline = "decline";

    /// <summary>
    /// <c>GET /api/consent/{token}</c>: who asks, what and when, the aftercare plan as written and what the
    /// organiser wrote about this person, how to stop; optional quiet hours; Agree / Decline. Changes nothing.
    /// </summary>
    internal async Task<ContentHttpResult> ShowConsentAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (status, link) = await FindAsync(tokens, token, LinkPurpose.Consent, cancellationToken);
        if (link is null)
        {
            return LinkNotUsable(http, status, LinkPurpose.Consent);
        }

        var (record, person) = await FindPersonAsync(events, link, cancellationToken);
        if (Withdrawn(link, record))
        {
            return WithdrawnPage(http, StatusCodes.Status200OK, ConsentTitle(link), link);
        }

        if (PlanChanged(link, record, person))
        {
            return PlanChangedPage(http, StatusCodes.Status200OK, ConsentTitle(link), link);
        }

        var state = await consents.GetAsync(Channel.Email, link.Address, link.OrganizerId!, cancellationToken);
        var agreedToThisPlan = link.PlanVersion is null || person?.AgreedPlan == link.PlanVersion;
        var notice = state switch
        {
            ConsentState.Undeliverable =>
                "Email to this address could not be delivered before, so nothing is sent to it. "
                + "Agreeing here records your answer, but does not change that.",
            ConsentState.OptedOut =>
                $"This address is opted out of every email from {ConsentWording.Brand}, so nothing is sent to it. "
                + "Agreeing here records your answer, but does not lift the opt-out.",
            ConsentState.Granted when agreedToThisPlan =>
                $"{await AnsweredAsync(consents, link, state, cancellationToken)} You can change your answer below.",
            ConsentState.Declined =>
                $"{await AnsweredAsync(consents, link, state, cancellationToken)} You can change your answer below.",
            _ => null,
        };
        return Page<ConsentPage>(http, StatusCodes.Status200OK, new ConsentPageModel(ConsentTitle(link), link, person, Notice: notice));
    }

    /// <summary>
    /// <c>POST /api/consent/{token}</c>: records Agree or Decline for this address and organiser, with the
    /// page's words and the plan it showed. Agreeing also records, on the event, that this person agreed
    /// to this version of the plan, and the quiet hours they chose.
    /// </summary>
    internal async Task<ContentHttpResult> DecideAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (status, link) = await FindAsync(tokens, token, LinkPurpose.Consent, cancellationToken);
        if (link is null)
        {
            return LinkNotUsable(http, status, LinkPurpose.Consent);
        }

        var (record, person) = await FindPersonAsync(events, link, cancellationToken);
        if (Withdrawn(link, record))
        {
            // An answer to plans that no longer stand would be taken as consent for the organiser's next ones.
            ConsentPagesLog.Withdrawn(logger);
            return WithdrawnPage(http, StatusCodes.Status409Conflict, "These plans were cancelled", link);
        }

        if (PlanChanged(link, record, person))
        {
            // They would be agreeing to words that are no longer the plan.
            ConsentPagesLog.PlanChanged(logger);
            return PlanChangedPage(http, StatusCodes.Status409Conflict, "The plan has changed", link);
        }

        var form = await ReadFormAsync(http.Request, cancellationToken);
        var answer = form?.Decision;
        if (answer is null)
        {
            ConsentPagesLog.NoDecision(logger);
            return Page<ConsentPage>(
                http,
                StatusCodes.Status400BadRequest,
                new ConsentPageModel("Please choose Agree or Decline", link, person, Problem: "We could not tell which button was pressed, so nothing was recorded."));
        }

        QuietHours? quietHours = null;
        if (answer == ConsentState.Granted && person is not null && (form!.QuietFrom is { Length: > 0 } || form.QuietTo is { Length: > 0 }))
        {
            quietHours = QuietHours.Parse(form.QuietFrom, form.QuietTo);
            if (quietHours is null)
            {
                ConsentPagesLog.NoDecision(logger);
                return Page<ConsentPage>(
                    http,
                    StatusCodes.Status400BadRequest,
                    new ConsentPageModel(
                        "Please check your quiet hours",
                        link,
                        person,
                        Problem: "Quiet hours need a start and an end, as two different times such as 21:00 and 08:00. Nothing was recorded."));
            }
        }

        var organizerId = link.OrganizerId!;

        // A decision once started is finished even if the browser goes away: the ledger line and the
        // state in force must not part ways. Agreeing to a plan is recorded each time, with the plan's
        // words, even when this organiser was agreed to before.
        var before = await consents.GetAsync(Channel.Email, link.Address, organizerId, CancellationToken.None);
        var unchanged = before == answer && !(answer == ConsentState.Granted && link.PlanVersion is not null);
        if (!unchanged)
        {
            await consents.RecordAsync(
                new ConsentDecision(Channel.Email, link.Address, organizerId, answer.Value, "web:" + http.TraceIdentifier, link.LedgerText(), link.OrganizerName),
                CancellationToken.None);
        }

        if (answer == ConsentState.Granted && record is not null && person is not null && (link.PlanVersion is not null || quietHours is not null))
        {
            await RecordOnEventAsync(events, link, quietHours);
        }
        else if (answer == ConsentState.Declined && person?.AgreedPlan is not null)
        {
            // Declining withdraws the agreement to the plan too: their needs are no longer shared.
            await events.ChangeEventAsync(link.EventId!, e => WithPerson(e, link.PersonKey!, p => p.AgreedPlan is null ? null : p with { AgreedPlan = null }), CancellationToken.None);
        }

        if (answer == ConsentState.Declined)
        {
            // NO is heard at once: this organiser's check-in emails to the address are skipped now, not when due.
            await skips.SkipForAddressAsync(Channel.Email, link.Address, organizerId, CheckInReasons.Declined, CancellationToken.None);
        }

        ConsentPagesLog.Decided(logger, answer.Value, unchanged);
        var inForce = unchanged ? before : await consents.GetAsync(Channel.Email, link.Address, organizerId, CancellationToken.None);
        var name = link.OrganizerName ?? "Someone";
        if (inForce == ConsentState.Undeliverable)
        {
            return ShowNotice(
                http,
                StatusCodes.Status200OK,
                new NoticePageModel(
                    "Your answer is recorded",
                    ["Email to this address could not be delivered before, so nothing will be sent to it."],
                    ChangeAnswer: true));
        }

        if (inForce == ConsentState.OptedOut)
        {
            return ShowNotice(
                http,
                StatusCodes.Status200OK,
                new NoticePageModel(
                    "Your answer is recorded",
                    [$"This address is still opted out of every email from {ConsentWording.Brand}, so nothing will be sent to it."],
                    ChangeAnswer: true));
        }

        var stop = $"To stop, use the link at the bottom of any email from {ConsentWording.Brand}.";
        return answer == ConsentState.Granted
            ? ShowNotice(
                http,
                StatusCodes.Status200OK,
                new NoticePageModel(
                    link.ToOrganizer ? "Thank you, this address is confirmed" : "Thank you, you agreed",
                    [
                        link.ToOrganizer
                            ? $"This address is confirmed for your plans: what you planned for yourself, and {ConsentWording.OrganizersOwn}, can reach you here."
                            : link.PlanVersion is not null
                                ? $"You agreed to the plan as written. {name} can now send you the check-in emails and reminders you agreed to. If the plan changes, you will be asked again."
                                : $"{name} can now send you the check-in emails you agreed to.",
                        .. quietHours is null ? Array.Empty<string>() : [$"Your quiet hours are {quietHours.FromText} to {quietHours.ToText}: nothing that was not planned for that time will reach you then."],
                        stop,
                    ],
                    ChangeAnswer: true))
            : ShowNotice(
                http,
                StatusCodes.Status200OK,
                new NoticePageModel(
                    link.ToOrganizer ? "This address is not confirmed" : "You declined",
                    [link.ToOrganizer ? "Nothing about your plans will be emailed to this address: no check-ins, replies or notices." : $"You won't get check-in emails from {name}."],
                    ChangeAnswer: true));
    }

    /// <summary>The event and the person a consent link was sent for; nulls once the event or the person is gone (purged, erased).</summary>
    private static async Task<(EventRecord? Record, Participant? Person)> FindPersonAsync(EventStore events, LinkToken link, CancellationToken cancellationToken)
    {
        if (link.EventId is null || link.PersonKey is null)
        {
            return (null, null);
        }

        var record = await events.GetEventAsync(link.EventId, cancellationToken);
        return (record, record?.Find(link.PersonKey));
    }

    /// <summary>The link asked about an event that was cancelled or purged since (or is gone): there is nothing to answer.</summary>
    private static bool Withdrawn(LinkToken link, EventRecord? record) =>
        link.EventId is not null && record is not { IsOver: false };

    private static ContentHttpResult WithdrawnPage(HttpContext http, int statusCode, string title, LinkToken link) => ShowNotice(
        http,
        statusCode,
        new NoticePageModel(
            title,
            [],
            Notice: $"{link.OrganizerName ?? "The organiser"} cancelled these plans after this email was sent, so there is nothing to answer here and nothing was recorded. "
                + "If they plan something new, a new email will ask you."));

    /// <summary>The link showed a plan, and what this person would agree to is no longer what it showed.</summary>
    private static bool PlanChanged(LinkToken link, EventRecord? record, Participant? person) =>
        link.PlanVersion is not null && record is not null && (person is null || AftercarePlan.Version(record, person) != link.PlanVersion);

    private static ContentHttpResult PlanChangedPage(HttpContext http, int statusCode, string title, LinkToken link) => ShowNotice(
        http,
        statusCode,
        new NoticePageModel(
            title,
            [],
            Notice: $"{link.OrganizerName ?? "The organiser"} changed the aftercare plan after this email was sent, so nothing can be agreed here and nothing was recorded. "
                + "A newer email has the plan as it is now."));

    /// <summary>
    /// Writes the person's agreement to this version of the plan, and their quiet hours, on the event,
    /// conditional on its ETag (read again if someone changed it). A plan changed in between is not agreed to.
    /// </summary>
    private static Task<EventRecord?> RecordOnEventAsync(EventStore events, LinkToken link, QuietHours? quietHours) =>
        events.ChangeEventAsync(
            link.EventId!,
            record =>
            {
                var person = record.Find(link.PersonKey!);
                if (person is null)
                {
                    return null;
                }

                var changed = person;
                if (link.PlanVersion is not null && AftercarePlan.Version(record, person) == link.PlanVersion)
                {
                    changed = changed with { AgreedPlan = link.PlanVersion };
                }

                if (quietHours is not null && quietHours != QuietHours.Of(person.QuietHours))
                {
                    changed = changed with { QuietHours = quietHours.ToString(), QuietHoursFromRecipient = true };
                }

                return changed == person ? null : WithPerson(record, person.Key, _ => changed);
            },
            CancellationToken.None);

    /// <summary>The event with one person changed; null (nothing to write) when there is no such person or no change.</summary>
    private static EventRecord? WithPerson(EventRecord record, string key, Func<Participant, Participant?> change)
    {
        if (record.Find(key) is not { } person || change(person) is not { } changed || changed == person)
        {
            return null;
        }

        return key == Participant.OrganizerKey
            ? record with { Organizer = changed }
            : record with { People = record.People.Select(p => p.Key == key ? changed : p).ToList() };
    }

    /// <summary>
    /// <c>GET /api/unsubscribe/{token}</c>: whether the address gets emails now; a Stop button, or, once
    /// unsubscribed, a way back in (see <see cref="ResubscribePage"/>). Changes nothing.
    /// </summary>
    internal async Task<ContentHttpResult> ShowUnsubscribeAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (status, link) = await FindAsync(tokens, token, LinkPurpose.Unsubscribe, cancellationToken);
        if (link is null)
        {
            return LinkNotUsable(http, status, LinkPurpose.Unsubscribe);
        }

        if (await consents.IsOptedOutAsync(Channel.Email, link.Address, cancellationToken))
        {
            return ResubscribePage(http);
        }

        return Page<UnsubscribePage>(
            http,
            StatusCodes.Status200OK,
            new UnsubscribePageModel($"Stop emails from {ConsentWording.Brand}", SubscribedState, link.ShownText, OneClickField, OneClickValue, "Stop every email", Primary: true));
    }

    /// <summary>
    /// <c>POST /api/unsubscribe/{token}</c>: RFC 8058 one-click (<c>List-Unsubscribe=One-Click</c>) from a
    /// mail client, or the page's Stop button. Opts the address out of email for every organiser and skips
    /// what is pending for it. No cookies, no redirect; the same POST twice has the effect of once.
    /// </summary>
    internal async Task<ContentHttpResult> UnsubscribeAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (status, link) = await FindAsync(tokens, token, LinkPurpose.Unsubscribe, cancellationToken);
        if (link is null)
        {
            return LinkNotUsable(http, status, LinkPurpose.Unsubscribe);
        }

        // The body is not required: the token alone says what to stop, and a stop must never be refused
        // over the shape of a mail client's request. Once started it finishes even if the client hangs up.
        // Only the page's own "start again" form, and nothing else, means otherwise.
        if (await IsResubscribeAsync(http.Request, cancellationToken))
        {
            return await ResubscribeAsync(http, link, consents, logger);
        }

        await optOuts.OptOutAsync(Channel.Email, link.Address, "web:" + http.TraceIdentifier, link.ShownText, CancellationToken.None);
        ConsentPagesLog.OptedOut(logger);

        return ShowNotice(
            http,
            StatusCodes.Status200OK,
            new NoticePageModel(
                "You're unsubscribed",
                [$"{ConsentWording.Brand} will send no more emails to this address, from anyone. Check-in emails that were still waiting have been cancelled."]));
    }

    /// <summary>The link, if it can be used for <paramref name="purpose"/>: an email link, and for every link but an unsubscribe one, with the consent id it asks about.</summary>
    internal static async Task<(LinkTokenStatus Status, LinkToken? Link)> FindAsync(
        LinkTokens tokens, string token, LinkPurpose purpose, CancellationToken cancellationToken)
    {
        var (status, link) = await tokens.FindAsync(token, purpose, cancellationToken);
        var usable = status == LinkTokenStatus.Valid
            && link is { Channel: Channel.Email }
            && (purpose == LinkPurpose.Unsubscribe || link.OrganizerId is not null);
        return usable ? (status, link) : (status == LinkTokenStatus.Valid ? LinkTokenStatus.Unknown : status, null);
    }

    /// <summary>
    /// The page for a link that cannot be used: expired (410) or not known (404). Both end with the
    /// deployment's help contact (<see cref="ServiceOptions.Contact"/>, what HELP names): the link was
    /// the person's way in, and this page is a dead end without someone to ask.
    /// </summary>
    internal ContentHttpResult LinkNotUsable(HttpContext http, LinkTokenStatus status, LinkPurpose purpose)
    {
        ConsentPagesLog.LinkNotUsable(logger, purpose, status);
        // No full stop after it: a reader copies an address or URL to the end.
        var help = $"If you need help, contact whoever runs this service: {service.Value.ContactOrDefault}";
        if (status == LinkTokenStatus.Superseded)
        {
            return ShowNotice(
                http,
                StatusCodes.Status410Gone,
                new NoticePageModel(
                    "These plans have changed",
                    [help],
                    Notice: "The check-ins changed after this email was sent, so nothing can be agreed here and nothing was recorded. A newer email shows them as they are now."));
        }

        if (status == LinkTokenStatus.Expired)
        {
            return ShowNotice(
                http,
                StatusCodes.Status410Gone,
                new NoticePageModel(
                    "This link has expired",
                    [
                        purpose != LinkPurpose.Unsubscribe
                            ? "Nothing was recorded. If you are still wanted for these check-ins, you will be asked again with a new link."
                            : "Nothing was changed. To stop emails, use the link at the bottom of a more recent email.",
                        help,
                    ]));
        }

        return ShowNotice(
            http,
            StatusCodes.Status404NotFound,
            new NoticePageModel("This link doesn't work", ["It may have been copied incompletely: try opening it straight from the email. Nothing was changed.", help]));
    }

    private sealed record PostedForm(ConsentState? Decision, string? QuietFrom, string? QuietTo);

    /// <summary>
    /// The form fields <c>decision</c> (agree or decline; anything else, or no form at all, is no decision)
    /// and the optional <c>quietFrom</c> / <c>quietTo</c>.
    /// </summary>
    private static async Task<PostedForm?> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return null;
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // Over the form limits, malformed or cut off: no decision can be read from it.
            return null;
        }

        ConsentState? decision = form[ConsentDecisionForm.DecisionField].ToString().Trim().ToLowerInvariant() switch
        {
            Agree => ConsentState.Granted,
            Decline => ConsentState.Declined,
            _ => null,
        };
        return new PostedForm(decision, form[ConsentDecisionForm.QuietFromField].ToString().Trim(), form[ConsentDecisionForm.QuietToField].ToString().Trim());
    }

    /// <summary>"You agreed on 24 November 2026." The date is the latest such answer to this organiser in the ledger.</summary>
    private static async Task<string> AnsweredAsync(ConsentStore consents, LinkToken link, ConsentState state, CancellationToken cancellationToken)
    {
        var (verb, action) = state == ConsentState.Granted ? ("agreed", "granted") : ("declined", "declined");
        var ledger = await consents.LedgerAsync(Channel.Email, link.Address, cancellationToken);
        var latest = ledger.FirstOrDefault(e => e.OrganizerId == link.OrganizerId && e.Action == action);
        return latest is null
            ? $"You {verb}."
            : $"You {verb} on {latest.RecordedAt.UtcDateTime.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}.";
    }

    private static string ConsentTitle(LinkToken link) => link.ToOrganizer
        ? "Confirm your address for your plans"
        : $"{link.OrganizerName ?? "Someone"} would like to send you check-ins";

    /// <summary>A page of plain words, in the pages' layout and headers.</summary>
    internal static ContentHttpResult ShowNotice(HttpContext http, int statusCode, NoticePageModel model) => Pages.ShowNotice(http, statusCode, model);

    private static ContentHttpResult Page<TPage>(HttpContext http, int statusCode, object model)
        where TPage : IComponent => Pages.Show<TPage>(http, statusCode, model);
}

/// <summary>What <c>ConsentPage</c> shows: the link's words and plan, the person's quiet hours when the event is known, and a notice or a problem above.</summary>
public sealed record ConsentPageModel(string Title, LinkToken Link, Participant? Person, string? Notice = null, string? Problem = null);

/// <summary>What <c>UnsubscribePage</c> shows: the address's state, what the button does, and the one hidden field its form posts.</summary>
public sealed record UnsubscribePageModel(string Title, string State, string Text, string FieldName, string FieldValue, string Button, bool Primary);

/// <summary>Consent and unsubscribe page log messages (event ids 730-749): decisions and outcomes, never addresses, names or tokens.</summary>
internal static partial class ConsentPagesLog
{
    [LoggerMessage(EventId = 730, Level = LogLevel.Information, Message = "Consent page: {Decision} (already in force: {Unchanged})")]
    public static partial void Decided(ILogger logger, ConsentState decision, bool unchanged);

    [LoggerMessage(EventId = 731, Level = LogLevel.Information, Message = "Consent page: a POST without a valid decision was refused")]
    public static partial void NoDecision(ILogger logger);

    [LoggerMessage(EventId = 732, Level = LogLevel.Information, Message = "Unsubscribe link: email opt-out recorded")]
    public static partial void OptedOut(ILogger logger);

    [LoggerMessage(EventId = 733, Level = LogLevel.Information, Message = "A {Purpose} link was not usable: {Status}")]
    public static partial void LinkNotUsable(ILogger logger, LinkPurpose purpose, LinkTokenStatus status);

    [LoggerMessage(EventId = 734, Level = LogLevel.Information, Message = "Consent page: the plan changed after the link was sent; nothing recorded")]
    public static partial void PlanChanged(ILogger logger);

    [LoggerMessage(EventId = 735, Level = LogLevel.Information, Message = "Consent page: the event was cancelled after the link was sent; nothing recorded")]
    public static partial void Withdrawn(ILogger logger);

    [LoggerMessage(EventId = 745, Level = LogLevel.Information, Message = "Unsubscribe page: email opt-in recorded (the person started emails again)")]
    public static partial void OptedIn(ILogger logger);
}

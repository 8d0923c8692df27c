using System.Text.Json.Serialization;
using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Safety;

/// <summary>The page a trusted contact opens from their request email.</summary>
[Tags("Consent")]
public sealed class ContactPageFunctions(ContactPages pages)
{
    [Function("ShowTrustedContactPage")]
    [PersonPage]
    [RateLimited(RateLimits.Limited.Public)]
    [LinkPage]
    public Task<ContentHttpResult> ShowTrustedContactPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/safety/contact/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) =>
        pages.ShowAsync(token, request.HttpContext, cancellationToken);

    [Function("DecideTrustedContact")]
    [PersonPage]
    [RateLimited(RateLimits.Limited.Public)]
    [Accepts(typeof(ContactDecisionForm), AcceptsAttribute.Form)]
    [LinkPage]
    [ProducesPage(StatusCodes.Status400BadRequest, Description = "No decision, or Agree without the quiet-hours choice: the page again, with what is missing.")]
    [ProducesPage(StatusCodes.Status409Conflict, Description = "The plans were cancelled, or what the alert would say changed, since the page was shown: nothing was recorded.")]
    public Task<ContentHttpResult> DecideTrustedContact(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/safety/contact/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) =>
        pages.DecideAsync(token, request.HttpContext, cancellationToken);
}

/// <summary>
/// A trusted contact's page (issue 23): the words of their request email, then Agree or Decline. As
/// every page a link opens, a GET only shows (mail scanners open links) and the unguessable token in
/// the URL is the credential, so there is no cookie and no antiforgery token; a POST decides. Their
/// answer is recorded under their consent id of its own (<see cref="SafetyLadder.ContactConsentId"/>),
/// so <see cref="ContactAgreements"/> records the terms on the event as for an SMS YES; Agree also
/// records whether an alert may reach them in their quiet hours, a choice they must make.
/// </summary>
public sealed class ContactPages(LinkTokens tokens, ConsentPages consentPages, ConsentStore consents, EventStore events, ILogger<ContactPages> logger)
{
    public const string Route = "api/safety/contact/";

    /// <summary><c>GET /api/safety/contact/{token}</c>: the request's words and the form. Changes nothing.</summary>
    internal async Task<ContentHttpResult> ShowAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (status, link) = await ConsentPages.FindAsync(tokens, token, LinkPurpose.TrustedContact, cancellationToken);
        if (link is null)
        {
            return consentPages.LinkNotUsable(http, status, LinkPurpose.TrustedContact);
        }

        var (record, contact, current) = await FindContactAsync(link, cancellationToken);
        if (record is null || contact is null)
        {
            return WithdrawnPage(http, StatusCodes.Status200OK, link);
        }

        if (!current)
        {
            return ChangedPage(http, StatusCodes.Status200OK, link);
        }

        var notice = await consents.GetAsync(Channel.Email, link.Address, link.OrganizerId!, cancellationToken) switch
        {
            ConsentState.OptedOut or ConsentState.Undeliverable =>
                $"Email from {Brand.Name} does not reach this address (it was opted out, or could not be delivered), so no alert can reach you here. Agreeing records your answer, but does not change that.",
            ConsentState.Granted when contact.AgreedAlerts is not null => "You agreed. You can change your answer below.",
            ConsentState.Declined => "You declined. You can change your answer below.",
            _ => null,
        };
        return Pages.Show<ContactPage>(http, StatusCodes.Status200OK, Model(link, contact, notice: notice));
    }

    /// <summary>
    /// <c>POST /api/safety/contact/{token}</c>: Agree (with the quiet-hours choice) or Decline, recorded
    /// with the page's words. Once started it finishes even if the browser goes away.
    /// </summary>
    internal async Task<ContentHttpResult> DecideAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (status, link) = await ConsentPages.FindAsync(tokens, token, LinkPurpose.TrustedContact, cancellationToken);
        if (link is null)
        {
            return consentPages.LinkNotUsable(http, status, LinkPurpose.TrustedContact);
        }

        var (record, contact, current) = await FindContactAsync(link, cancellationToken);
        if (record is null || contact is null)
        {
            SafetyLog.NotRecorded(logger, "withdrawn");
            return WithdrawnPage(http, StatusCodes.Status409Conflict, link);
        }

        if (!current)
        {
            // They would be agreeing to an alert that no longer says what the page showed.
            SafetyLog.NotRecorded(logger, "terms-changed");
            return ChangedPage(http, StatusCodes.Status409Conflict, link);
        }

        var (decision, night) = await ReadFormAsync(http.Request, cancellationToken);
        if (decision is null)
        {
            SafetyLog.NotRecorded(logger, "no-decision");
            return Pages.Show<ContactPage>(
                http,
                StatusCodes.Status400BadRequest,
                Model(link, contact, "Please choose Agree or Decline", problem: "We could not tell which button was pressed, so nothing was recorded."));
        }

        if (decision == ConsentState.Granted && night is null)
        {
            SafetyLog.NotRecorded(logger, "no-night-choice");
            return Pages.Show<ContactPage>(
                http,
                StatusCodes.Status400BadRequest,
                Model(link, contact, "Please choose about your quiet hours", problem: "To agree, please say whether an alert may reach you in your quiet hours. Nothing was recorded."));
        }

        var before = await consents.GetAsync(Channel.Email, link.Address, link.OrganizerId!, CancellationToken.None);
        if (before != decision || (decision == ConsentState.Granted && contact.AgreedAlerts is null))
        {
            await consents.RecordAsync(
                new ConsentDecision(Channel.Email, link.Address, link.OrganizerId, decision.Value, "web:" + http.TraceIdentifier, link.ShownText, link.OrganizerName),
                CancellationToken.None);
        }

        if (decision == ConsentState.Granted)
        {
            await events.ChangeEventAsync(
                record.Id,
                e => e.People.Any(p => p.Key == contact.Key && p.IsTrustedContact() && p.AlertsInQuietHours != night)
                    ? e with { People = e.People.Select(p => p.Key == contact.Key ? p with { AlertsInQuietHours = night } : p).ToList() }
                    : null,
                CancellationToken.None);
        }

        SafetyLog.Decided(logger, decision.Value, night);
        var name = link.OrganizerName ?? "The person who chose you";
        var quiet = QuietHours.Of(contact.QuietHours);
        return decision == ConsentState.Granted
            ? Pages.ShowNotice(
                http,
                StatusCodes.Status200OK,
                new NoticePageModel(
                    "Thank you, you agreed",
                    [
                        $"If {name} does not answer a check-in, you will get the alert email you read.",
                        night == true
                            ? $"An alert may reach you in your quiet hours ({quiet.FromText} to {quiet.ToText})."
                            : $"An alert in your quiet hours ({quiet.FromText} to {quiet.ToText}) waits until {quiet.ToText}.",
                        $"To stop, use the link at the bottom of any email from {Brand.Name}.",
                    ],
                    ChangeAnswer: true))
            : Pages.ShowNotice(
                http,
                StatusCodes.Status200OK,
                new NoticePageModel("You declined", [$"You won't be told anything about {name}'s check-ins."], ChangeAnswer: true));
    }

    /// <summary>The event and the contact the link was sent for (nulls once cancelled, purged or no longer a contact), and whether the terms it showed are still the event's.</summary>
    private async Task<(EventRecord? Record, Participant? Contact, bool Current)> FindContactAsync(LinkToken link, CancellationToken cancellationToken)
    {
        if (SafetyLadder.ParseContactConsentId(link.OrganizerId) is not var (eventId, contactKey, terms)
            || await events.GetEventAsync(eventId, cancellationToken) is not { IsOver: false } record
            || record.Find(contactKey) is not { } contact
            || !contact.IsTrustedContact())
        {
            return (null, null, false);
        }

        var nets = await events.GetAwaitedForEventAsync(eventId, cancellationToken);
        return (record, contact, SafetyLadder.TermsVersion(record, nets, contactKey) == terms);
    }

    private static ContactPageModel Model(LinkToken link, Participant contact, string? title = null, string? notice = null, string? problem = null) =>
        new(title ?? SafetyWording.ContactEmailSubject(link.OrganizerName ?? "Someone"), link, QuietHours.Of(contact.QuietHours), contact.TimeZone, notice, problem);

    private static ContentHttpResult WithdrawnPage(HttpContext http, int statusCode, LinkToken link) => Pages.ShowNotice(
        http,
        statusCode,
        new NoticePageModel(
            "There is nothing to answer",
            [],
            Notice: $"{link.OrganizerName ?? "The person who chose you"} cancelled these plans, or no longer has you as a trusted contact, so there is nothing to answer here and nothing was recorded."));

    private static ContentHttpResult ChangedPage(HttpContext http, int statusCode, LinkToken link) => Pages.ShowNotice(
        http,
        statusCode,
        new NoticePageModel(
            "The plans have changed",
            [],
            Notice: $"{link.OrganizerName ?? "The person who chose you"} changed the check-ins after this email was sent, so nothing can be agreed here and nothing was recorded. A newer email shows what an alert would say now."));

    /// <summary>The fields <c>decision</c> (agree or decline) and <c>night</c> (allow or hold); anything else, or no form, is no answer.</summary>
    private static async Task<(ConsentState? Decision, bool? Night)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return (null, null);
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // Over the form limits, malformed or cut off: no decision can be read from it.
            return (null, null);
        }

        ConsentState? decision = form[ContactDecisionForm.DecisionField].ToString().Trim().ToLowerInvariant() switch
        {
            ContactDecisionForm.Agree => ConsentState.Granted,
            ContactDecisionForm.Decline => ConsentState.Declined,
            _ => null,
        };
        bool? night = form[ContactDecisionForm.NightField].ToString().Trim().ToLowerInvariant() switch
        {
            ContactDecisionForm.NightAllow => true,
            ContactDecisionForm.NightHold => false,
            _ => null,
        };
        return (decision, night);
    }
}

/// <summary>
/// <c>POST /api/safety/contact/{token}</c>: <c>decision</c> (<c>agree</c> or <c>decline</c>) and, to
/// agree, <c>night</c>: <c>allow</c> (an alert may reach them in their quiet hours) or <c>hold</c> (it waits until they end).
/// </summary>
public sealed record ContactDecisionForm(
    [property: JsonPropertyName(ContactDecisionForm.DecisionField)] string Decision,
    [property: JsonPropertyName(ContactDecisionForm.NightField)] string? Night = null)
{
    public const string DecisionField = "decision";
    public const string NightField = "night";
    public const string Agree = "agree";
    public const string Decline = "decline";
    public const string NightAllow = "allow";
    public const string NightHold = "hold";
}

/// <summary>What <c>ContactPage</c> shows: the link's words, the contact's quiet hours and zone, and a notice or a problem above.</summary>
public sealed record ContactPageModel(string Title, LinkToken Link, QuietHours QuietHours, string TimeZone, string? Notice = null, string? Problem = null);

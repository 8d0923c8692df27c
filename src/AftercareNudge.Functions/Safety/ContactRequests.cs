using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.Options;
using NodaTime;

namespace AftercareNudge.Safety;

/// <summary>
/// A trusted contact is asked, by their own consent request, before any alert can reach them: who
/// chose them, word for word the alert they could get and the all-clear, from when, what they would be
/// asked to do, and that this is no emergency service. Their answer (under an id of its own:
/// <see cref="SafetyLadder.ContactConsentId"/>) is an agreement to exactly those terms
/// (<see cref="ContactAgreements"/>); a change to the terms asks them again. A contact with a phone is
/// asked by SMS (YES or NO, then NIGHT YES or NIGHT NO); one with only an email, by an email whose link
/// opens their page (<see cref="ContactPages"/>), where they answer.
/// </summary>
public sealed class ContactRequests(
    EventStore events,
    ConsentStore consents,
    ConsentRequestCap cap,
    HeldContactRequests held,
    LinkTokens tokens,
    ISmsSender sms,
    IEmailSender email,
    IOptions<PublicOptions> publicOptions,
    TimeProvider time,
    ILogger<ContactRequests> logger)
{
    /// <summary>Asks every trusted contact of the event who has not agreed to its current terms. Returns how many were asked.</summary>
    public async Task<int> AskAsync(string eventId, CancellationToken cancellationToken)
    {
        var record = await events.GetEventAsync(eventId, cancellationToken);
        if (record is null || record.IsOver)
        {
            return 0;
        }

        var nets = await events.GetAwaitedForEventAsync(eventId, cancellationToken);
        var asked = 0;
        foreach (var contact in record.People.Where(p => p.IsTrustedContact()))
        {
            if (await AskOneAsync(record, nets, contact, null, cancellationToken) == "asked")
            {
                asked++;
            }
        }

        return asked;
    }

    /// <summary>
    /// Tries again the requests the daily cap or a failed send held back, once their time has come: each
    /// is asked only if it is still wanted (the event is neither cancelled nor over, its terms are still
    /// the held ones, the contact has neither agreed nor opted out nor been asked meanwhile). Returns how
    /// many were taken.
    /// </summary>
    public async Task<int> SendHeldAsync(CancellationToken cancellationToken)
    {
        var taken = 0;
        await foreach (var request in held.TakeDueAsync(time.GetUtcNow(), cancellationToken))
        {
            taken++;
            var record = await events.GetEventAsync(request.EventId, cancellationToken);
            var outcome = "event-gone";
            if (record is { IsOver: false } && record.Find(request.ContactKey) is { } contact && contact.IsTrustedContact())
            {
                var nets = await events.GetAwaitedForEventAsync(request.EventId, cancellationToken);
                outcome = await AskOneAsync(record, nets, contact, request.Terms, cancellationToken);
            }

            SafetyNoticeLog.HeldRequest(logger, request.EventId, request.ContactKey, outcome);
        }

        return taken;
    }

    /// <summary>
    /// Asks one contact about the event's current terms, unless there is nothing to ask: <c>asked</c>,
    /// <c>held</c> (the daily cap, or a send that surely did not go: tried again later), or why not. With
    /// <paramref name="heldTerms"/>, a held request: not asked if the terms changed since (the change asked anew).
    /// </summary>
    private async Task<string> AskOneAsync(EventRecord record, IReadOnlyList<AwaitedReply> nets, Participant contact, string? heldTerms, CancellationToken cancellationToken)
    {
        if ((contact.Phone ?? contact.Email) is null)
        {
            return "no-address";
        }

        // Both: asked by SMS, as the alert goes (the first of their channels).
        var (channel, address) = contact.Phone is { } phone ? (Channel.Sms, phone) : (Channel.Email, contact.Email!);
        var named = nets.Where(n => n.Net.EscalateTo.Contains(contact.Key, StringComparer.Ordinal)).OrderBy(n => n.PlannedAlertAt).ToList();
        var terms = SafetyLadder.TermsVersion(record, nets, contact.Key);
        if (named.Count == 0 || (heldTerms is not null && heldTerms != terms))
        {
            return "not-named";
        }

        // A held request is not worth asking once every alert it is about is past.
        if (heldTerms is not null && !named.Any(n => n.AlertAt > time.GetUtcNow()))
        {
            return "too-late";
        }

        if (contact.AgreedAlerts == terms)
        {
            return "agreed";
        }

        if (await consents.IsOptedOutAsync(channel, address, cancellationToken))
        {
            return "opted-out";
        }

        var consentId = SafetyLadder.ContactConsentId(record.Id, contact.Key, terms);
        if (await consents.WasAskedAsync(channel, address, consentId, cancellationToken))
        {
            // Asked about these very terms already: answered (a NO stands), or still open.
            return "asked-before";
        }

        if (await cap.TryClaimAsync(channel, address, cancellationToken) is not { } slot)
        {
            SafetyLog.ContactNotAsked(logger, record.Id, contact.Key, "daily-cap");
            await HoldAsync(record.Id, contact.Key, terms);
            return "held";
        }

        var zone = EventTime.FindZone(contact.TimeZone) ?? DateTimeZone.Utc;
        var (result, shown) = channel == Channel.Sms
            ? await AskBySmsAsync(record, address, named, zone, cancellationToken)
            : await AskByEmailAsync(record, contact, address, consentId, named, zone, cancellationToken);
        if (result.Outcome != SendOutcome.Sent)
        {
            await cap.ReleaseAsync(slot, CancellationToken.None);
            SafetyLog.ContactNotAsked(logger, record.Id, contact.Key, result.Reason ?? result.Outcome.ToString());

            // Only a send that surely did not go is tried again: an unknown outcome may have reached them.
            if (result.Outcome != SendOutcome.Transient)
            {
                return "not-sent";
            }

            await HoldAsync(record.Id, contact.Key, terms);
            return "held";
        }

        var how = (channel == Channel.Sms ? "sms-contact-request:" : "email-contact-request:") + record.Id;
        await consents.RecordRequestAsync(
            new ConsentRequestSent(channel, address, consentId, record.Organizer.Name, record.ClientId, record.Id, contact.Key, how, shown),
            CancellationToken.None);
        return "asked";
    }

    /// <summary>Not lost: the SendSafetyNotices timer asks again, once, for these terms.</summary>
    private Task HoldAsync(string eventId, string contactKey, string terms) =>
        held.HoldAsync(new HeldContactRequest(eventId, contactKey, terms, time.GetUtcNow() + HeldContactRequests.RetryEvery), CancellationToken.None);

    private async Task<(SendResult Result, string Shown)> AskBySmsAsync(EventRecord record, string phone, IReadOnlyList<AwaitedReply> named, DateTimeZone zone, CancellationToken cancellationToken)
    {
        var shown = SafetyWording.ContactRequest(record.Organizer.Name, named, zone, time.GetUtcNow());
        return (await sms.SendAsync(new SmsMessage(phone, shown, MessageKinds.ConsentRequest, record.Id, null), cancellationToken), shown);
    }

    /// <summary>The email shows the terms and links to the page, where they answer: a link only opens the page (mail scanners open every link).</summary>
    private async Task<(SendResult Result, string Shown)> AskByEmailAsync(
        EventRecord record, Participant contact, string address, string consentId, IReadOnlyList<AwaitedReply> named, DateTimeZone zone, CancellationToken cancellationToken)
    {
        var organizer = record.Organizer.Name;
        var pageText = SafetyWording.ContactPageText(organizer, named, zone, time.GetUtcNow());
        var token = await tokens.CreateAsync(
            new LinkToken(LinkPurpose.TrustedContact, Channel.Email, address, consentId, organizer, false, pageText, time.GetUtcNow() + LinkTokens.ConsentLifetime, record.Id, contact.Key),
            cancellationToken);
        var url = publicOptions.Value.Url(ContactPages.Route + token);
        var shown = SafetyWording.ContactEmailText(pageText, url);
        var message = new EmailMessage(address, contact.Name, SafetyWording.ContactEmailSubject(organizer), shown, SafetyWording.ContactEmailHtml(pageText, url), MessageKinds.ConsentRequest, record.Id, null);
        return (await email.SendAsync(message, cancellationToken), shown);
    }
}

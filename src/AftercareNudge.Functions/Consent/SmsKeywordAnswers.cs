using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Consent;

/// <summary>
/// What a consent keyword texted to us does, and the one answer to it: YES and NO answer the latest
/// open consent request, STOP (in any reasonable words) opts the number out of everything at once,
/// START lifts that, HELP explains. The inbound SMS edge (<c>Replies/InboundSms</c>) classifies each
/// text and hands keywords here; anything else is a reply, and is Replies' to keep and pass on.
/// </summary>
public sealed class SmsKeywordAnswers(
    ConsentStore consents,
    EventStore events,
    OptOuts optOuts,
    ConsentSkips skips,
    HeldConsentRequests held,
    IOptions<ServiceOptions> service,
    IOptions<ApiKeyOptions> clients,
    TimeProvider time)
{
    /// <summary>What a text is. Twilio's Advanced Opt-Out has the last word on what a message was, whatever its words.</summary>
    public static SmsKeyword Classify(IncomingSms sms)
    {
        ArgumentNullException.ThrowIfNull(sms);
        return sms.OptOutType switch
        {
            "STOP" => SmsKeyword.Stop,
            "START" => SmsKeyword.Start,
            "HELP" => SmsKeyword.Help,
            _ => SmsKeywords.Classify(sms.Body),
        };
    }

    /// <summary>
    /// Does what the keyword says, and returns the one SMS to answer with, or null. Safe to repeat.
    /// <paramref name="optedOutAlso"/> is a sentence the opt-out's one confirmation adds (and the ledger
    /// records as shown): what the person should still know at the moment they stop everything.
    /// </summary>
    public async Task<string?> AnswerAsync(IncomingSms sms, SmsKeyword keyword, CancellationToken cancellationToken, string? optedOutAlso = null)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var how = "sms:" + sms.MessageId;
        return keyword switch
        {
            SmsKeyword.Yes => await AnswerRequestAsync(sms.From, ConsentState.Granted, how, cancellationToken),
            SmsKeyword.No => await AnswerRequestAsync(sms.From, ConsentState.Declined, how, cancellationToken),
            SmsKeyword.Stop => await OptOutAsync(sms, how, optedOutAlso, cancellationToken),
            SmsKeyword.Start => await OptInAsync(sms, how, cancellationToken),
            SmsKeyword.Help => await HelpAsync(sms, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(keyword), keyword, "Not a keyword: a reply."),
        };
    }

    /// <summary>Whether the number opted out of texts: then it is sent nothing, not even an answer.</summary>
    public Task<bool> IsOptedOutAsync(string phone, CancellationToken cancellationToken) =>
        consents.IsOptedOutAsync(Channel.Sms, phone, cancellationToken);

    /// <summary>
    /// "Yes please", "ok" and the like are not consent, but while a request waits for this number's
    /// answer the first such message gets one hint to reply YES: its text, or null.
    /// </summary>
    public async Task<string?> YesHintAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sms);
        if (!SmsKeywords.MeansYesInPlainWords(sms.Body))
        {
            return null;
        }

        return await consents.MarkYesHintAsync(Channel.Sms, sms.From, cancellationToken) is { } hintFor
            ? ConsentWording.SmsReplyYesToAgree([Label(hintFor)])
            : null;
    }

    /// <summary>
    /// The consent request a YES from this number would answer now, named as it was shown, or null:
    /// for saying it still waits when a YES was taken as something else (an armed check-in's answer).
    /// </summary>
    public async Task<string?> StillWaitingAsync(string phone, CancellationToken cancellationToken) =>
        await consents.LatestOpenRequestAsync(Channel.Sms, phone, cancellationToken) is { } open
            ? ConsentWording.SmsRequestStillWaiting(open.PersonKey == Participant.OrganizerKey ? null : Label(open))
            : null;

    /// <summary>An organiser as a question or an answer names them: with their app where that tells two of one name apart.</summary>
    public string Label(string organizerName, string? clientId, bool nameShared) =>
        ConsentWording.OrganizerLabel(organizerName, nameShared ? clients.Value.AppShownFor(clientId) : null);

    private string Label(AskedRequest request) => Label(request.OrganizerName, request.ClientId, request.NameShared);

    /// <summary>
    /// YES or NO answers one request: the most recent still open (see
    /// <see cref="ConsentStore.AnswerLatestRequestAsync"/>). The answer names that organiser as they
    /// were shown, with their app where that tells two apart. Another request still waiting is asked
    /// again in turn, by the held-request timer within the daily cap, so that a YES is always to the
    /// request the person last saw.
    /// </summary>
    private async Task<string> AnswerRequestAsync(string from, ConsentState answer, string how, CancellationToken cancellationToken)
    {
        var answered = await consents.AnswerLatestRequestAsync(Channel.Sms, from, answer, how, StillAskedAsync, cancellationToken);
        if (answered is null)
        {
            return ConsentWording.SmsNothingPending;
        }

        if (answered.Withdrawn)
        {
            return ConsentWording.SmsRequestWithdrawn([Label(answered.Answered)]);
        }

        if (answer == ConsentState.Declined)
        {
            // NO is heard at once: that organiser's check-ins to this number are skipped now, not when due.
            await skips.SkipForAddressAsync(Channel.Sms, from, answered.Answered.OrganizerId, CheckInReasons.Declined, cancellationToken);
        }

        if (answered.Next is { EventId: { } eventId, PersonKey: { } personKey })
        {
            await held.HoldAsync(new HeldConsentRequest(eventId, personKey, Channel.Sms, time.GetUtcNow()), cancellationToken);
        }

        // A trusted contact agreed (or not) to be told: that, not check-ins.
        if (SafetyLadder.ParseContactConsentId(answered.Answered.OrganizerId) is not null)
        {
            return answer == ConsentState.Granted ? ConsentWording.SmsContactAgreed(answered.Answered.OrganizerName) : ConsentWording.SmsContactDeclined(answered.Answered.OrganizerName);
        }

        // The organiser confirming their own number is told what that is for, not that they will get someone's check-ins.
        if (answered.Answered.PersonKey == Participant.OrganizerKey)
        {
            return answer == ConsentState.Granted ? ConsentWording.SmsOrganizerConfirmed(Label(answered.Answered)) : ConsentWording.SmsOrganizerNotConfirmed;
        }

        string[] organizer = [Label(answered.Answered)];
        return answer == ConsentState.Granted ? ConsentWording.SmsGranted(organizer) : ConsentWording.SmsDeclined(organizer);
    }

    /// <summary>A request stands while its event does: not once it is cancelled or purged. (Rows older than requests naming their event stand.)</summary>
    private async Task<bool> StillAskedAsync(AskedRequest request, CancellationToken cancellationToken) =>
        request.EventId is not { } eventId
        || await events.GetEventAsync(eventId, cancellationToken) is { IsOver: false };

    private async Task<string?> OptOutAsync(IncomingSms sms, string how, string? also, CancellationToken cancellationToken)
    {
        // Confirmed once: a STOP from a number already opted out is kept in the ledger and answered
        // with nothing. And none if Twilio's Advanced Opt-Out already sent its own.
        var confirmation = also is null ? ConsentWording.SmsOptedOut : $"{ConsentWording.SmsOptedOut} {also}";
        var outcome = await optOuts.OptOutAsync(Channel.Sms, sms.From, how, sms.OptOutType == "STOP" ? ConsentWording.SmsOptedOut : confirmation, shownTextIfAlreadyOptedOut: "", cancellationToken);
        return sms.OptOutType == "STOP" || !outcome.IsNew ? null : confirmation;
    }

    /// <summary>HELP says who we are; to a number that opted out, that it is opted out and how to undo it.</summary>
    private async Task<string?> HelpAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        if (sms.OptOutType == "HELP")
        {
            return null;
        }

        var contact = service.Value.ContactOrDefault;
        return await IsOptedOutAsync(sms.From, cancellationToken) ? ConsentWording.SmsHelpOptedOut(contact) : ConsentWording.SmsHelp(contact);
    }

    private async Task<string?> OptInAsync(IncomingSms sms, string how, CancellationToken cancellationToken)
    {
        var organizers = await consents.OptInAsync(Channel.Sms, sms.From, how, ConsentWording.SmsOptedIn([]), cancellationToken);
        return sms.OptOutType == "START" ? null : ConsentWording.SmsOptedIn(organizers);
    }
}

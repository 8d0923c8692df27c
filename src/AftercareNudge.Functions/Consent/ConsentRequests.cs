using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Consent;

/// <summary>
/// Asks for consent when an event is registered, at once: one request per person and channel this
/// event will use, unless that address already agreed to this organiser, declined them, or opted out.
/// The organiser confirms their own number and email the same way.
/// </summary>
public sealed class ConsentRequests(
    ConsentStore consents,
    ConsentGate gate,
    ConsentRequestCap cap,
    LinkTokens tokens,
    HeldConsentRequests held,
    EventStore events,
    ISmsSender sms,
    IEmailSender email,
    IOptions<PublicOptions> publicOptions,
    DomainEvents<OrganizerUnconfirmed> organizerUnconfirmed,
    Security.ClientQuotas quotas,
    TimeProvider time,
    ILogger<ConsentRequests> logger)
{
    public const string PageRoute = "api/consent/";

    public async Task RequestForEventAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, CancellationToken cancellationToken)
    {
        using var scope = LogScopes.Event(logger, record.Id);

        // One request per address: the same number may stand for the organiser and a person.
        // The request lists every message planned for that address on that channel.
        var wanted = checkIns
            .GroupBy(c => (c.To, c.Channel))
            .Select(g => (Person: record.Find(g.Key.To), g.Key.Channel, Next: g.Min(c => c.DueAt), Planned: g.Where(ConsentSchedule.Counts).Select(c => c.DueAt).ToList()))
            // A trusted contact is no recipient: the alerts they may get are asked about apart (issue 23).
            .Where(w => w.Person?.Address(w.Channel) is not null && !w.Person.IsTrustedContact())
            .GroupBy(w => AddressKeys.For(w.Channel, w.Person!.Address(w.Channel)!))
            .Select(g => g.OrderBy(w => w.Next).First() with { Planned = g.SelectMany(w => w.Planned).ToList() })
            .ToList();

        // Whose needs are in the plan is asked by email too, even with no email of their own planned:
        // their needs are shared in others' reminders only once they agreed to the plan as written.
        var next = checkIns.Count == 0 ? record.StartsAtUtc : checkIns.Min(c => c.DueAt);
        wanted.AddRange(record.People
            .Where(p => AftercarePlan.MustAgree(record, p) && !string.IsNullOrEmpty(p.Needs))
            .Where(p => !wanted.Any(w => w.Channel == Channel.Email && w.Person!.Email == p.Email))
            .Select(p => ((Participant?)p, Channel.Email, next, new List<DateTimeOffset>())));
        AddReplyChannel(record, checkIns, wanted);
        await Task.WhenAll(wanted.Select(w => AskAsync(record, w.Person!, w.Channel, w.Next, w.Planned, cancellationToken)));

        // Replies wait for an organiser who has confirmed nothing: their app is told, once, so it can say so.
        if (Relaying.HasRelayedTexts(checkIns) && !await OrganizerConfirmedAnyAsync(record, cancellationToken))
        {
            await organizerUnconfirmed.RaiseAsync(new OrganizerUnconfirmed(record), CancellationToken.None);
        }
    }

    private async Task<bool> OrganizerConfirmedAnyAsync(EventRecord record, CancellationToken cancellationToken)
    {
        foreach (var channel in record.Organizer.Channels())
        {
            if (await gate.MayReachAsync(record, record.Organizer, channel, cancellationToken))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Replies to texts sent to others are passed on to the organiser on their reply channel, which
    /// needs their consent like any message: they are asked on it too, from the first such text on.
    /// </summary>
    private static void AddReplyChannel(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, List<(Participant? Person, Channel Channel, DateTimeOffset Next, List<DateTimeOffset> Planned)> wanted)
    {
        var texts = checkIns.Where(c => c.Channel == Channel.Sms && Relaying.IsRelayed(c)).ToList();
        var channel = record.Organizer.ReplyChannel();
        if (!Relaying.HasRelayedTexts(texts) || record.Organizer.Address(channel) is not { } address
            || wanted.Any(w => w.Channel == channel && w.Person!.Address(channel) == address))
        {
            return;
        }

        // They are asked to agree to relays, not to check-ins: none is planned to them on it for that.
        wanted.Add((record.Organizer, channel, texts.Min(c => c.DueAt), []));
    }

    /// <summary>
    /// A change moved or reworded check-ins to people who have not agreed yet: each is asked afresh,
    /// showing the plan as it now is, and the request they have is closed (an SMS request is passed
    /// over, so that a YES no longer answers it; a consent link says a newer email has the plans), so
    /// that no answer to the old words agrees to the new ones. Returns the people whose fresh request
    /// the daily cap (or the client's quota) held back: their organiser is told.
    /// </summary>
    public async Task<IReadOnlyList<Participant>> ReaskChangedAsync(
        EventRecord record, IReadOnlyList<CheckInRecord> checkIns, IReadOnlyCollection<(string PersonKey, Channel Channel)> changed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(checkIns);
        ArgumentNullException.ThrowIfNull(changed);
        using var scope = LogScopes.Event(logger, record.Id);
        var heldBack = new List<Participant>();
        foreach (var (personKey, channel) in changed)
        {
            if (record.Find(personKey) is not { } person || person.IsTrustedContact() || person.Address(channel) is not { } address
                || await gate.AskAsync(record, person, channel, cancellationToken) != GateAnswer.NotAgreed)
            {
                continue;
            }

            var planned = checkIns
                .Where(c => c.Channel == channel && ConsentSchedule.Counts(c) && record.Find(c.To)?.Address(c.Channel) == address)
                .Select(c => c.DueAt)
                .ToList();
            if (planned.Count == 0)
            {
                continue;
            }

            await consents.CloseRequestAsync(channel, address, record.OrganizerId, record.Id, cancellationToken);
            await tokens.SupersedeAsync(channel, address, record.Id, cancellationToken);
            if (await AskAsync(record, person, channel, planned.Min(), planned, cancellationToken, changedSchedule: true))
            {
                heldBack.Add(person);
            }
        }

        return heldBack;
    }

    /// <summary>Sends the held-back requests whose hour has come; those still over the cap are held again.</summary>
    public async Task<int> SendHeldAsync(CancellationToken cancellationToken)
    {
        var tried = 0;
        await foreach (var request in held.TakeDueAsync(time.GetUtcNow(), cancellationToken))
        {
            tried++;
            using var scope = LogScopes.Event(logger, request.EventId);
            try
            {
                var found = await events.GetAsync(request.EventId, cancellationToken);
                var person = found?.Event.Find(request.PersonKey);
                var next = found?.CheckIns
                    .Where(c => c.To == request.PersonKey && c.Channel == request.Channel && c.Status == CheckInStatus.Scheduled)
                    .Select(c => (DateTimeOffset?)c.DueAt)
                    .Min();
                if (next is null && person is not null && request.Channel == Channel.Email && AftercarePlan.MustAgree(found!.Value.Event, person) && !string.IsNullOrEmpty(person.Needs))
                {
                    // Asked only to agree to the plan their needs are in: "next" is the event's next message.
                    next = found.Value.CheckIns.Where(c => c.Status == CheckInStatus.Scheduled).Select(c => (DateTimeOffset?)c.DueAt).Min();
                }

                if (next is null && person?.Key == Participant.OrganizerKey && request.Channel == person.ReplyChannel())
                {
                    // Asked only to hear the replies to their texts to others (see AddReplyChannel).
                    next = found!.Value.CheckIns.Where(c => c.Channel == Channel.Sms && c.Status == CheckInStatus.Scheduled && Relaying.IsRelayed(c)).Select(c => (DateTimeOffset?)c.DueAt).Min();
                }

                if (found is { } f && person is not null && next is { } due && f.Event.CancelledAt is null)
                {
                    var address = person.Address(request.Channel);
                    var planned = f.CheckIns
                        .Where(c => c.Channel == request.Channel && ConsentSchedule.Counts(c) && address is not null && f.Event.Find(c.To)?.Address(c.Channel) == address)
                        .Select(c => c.DueAt);
                    await AskAsync(f.Event, person, request.Channel, due, planned, cancellationToken);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Taken off the list but not sent: put it back for the next run.
                ConsentLog.HeldRequestFailed(logger, e, request.EventId);
                await held.HoldAsync(request with { NotBefore = time.GetUtcNow() + HeldConsentRequests.RetryEvery }, CancellationToken.None);
            }
        }

        return tried;
    }

    /// <summary>Asks one person on one channel, unless the gate has nothing to ask; returns whether the daily cap or the client's quota held the request back.</summary>
    /// <param name="changedSchedule">A change moved or reworded what they are asked about: asked even about a plan version already asked.</param>
    private async Task<bool> AskAsync(EventRecord record, Participant person, Channel channel, DateTimeOffset next, IEnumerable<DateTimeOffset> planned, CancellationToken cancellationToken, bool changedSchedule = false)
    {
        var address = person.Address(channel)!;

        // Someone who agreed by email to an older version of the plan (or to none) is asked again, by
        // email; someone who said no, or opted out, is not asked again.
        var answer = await gate.AskAsync(record, person, channel, cancellationToken);
        if (!answer.WaitsForAnAnswer())
        {
            return false;
        }

        var planChanged = answer is GateAnswer.PlanNotAgreed or GateAnswer.PlanChanged;

        // A plan is asked about once per version: a PATCH's immediate ask and its safety net (a held
        // request) must not both send it.
        var planVersion = channel == Channel.Email && AftercarePlan.MustAgree(record, person) ? AftercarePlan.Version(record, person) : null;
        if (planVersion is not null && person.AskedPlan == planVersion && !changedSchedule)
        {
            return false;
        }

        // The cap's slot is claimed before the send, so that no number of registrations at once can
        // send more than the cap; a request the provider refused gives it back.
        if (await cap.TryClaimAsync(channel, address, cancellationToken) is not { } slot)
        {
            ConsentLog.RequestHeldBack(logger, record.Id, channel, ConsentStore.MaxRequestsPerDay);
            await held.HoldAsync(new HeldConsentRequest(record.Id, person.Key, channel, time.GetUtcNow() + HeldConsentRequests.RetryEvery), cancellationToken);
            return true;
        }

        // A request is a message the client sends: over its day's quota it waits for the next day.
        if (await quotas.TryTakeAsync(record.ClientId, Security.Quota.Messages, 1, cancellationToken) is { } over)
        {
            await cap.ReleaseAsync(slot, CancellationToken.None);
            ConsentLog.RequestOverQuota(logger, record.Id, channel, over.Limit);
            await held.HoldAsync(new HeldConsentRequest(record.Id, person.Key, channel, over.ResetsAt), cancellationToken);
            return true;
        }

        SendResult result;
        string shown;
        try
        {
            (result, shown) = await SendRequestAsync(record, person, channel, address, next, planned, planChanged, cancellationToken);
        }
        catch (Exception)
        {
            // Nothing reached them (a sender answers; it does not throw once it has sent).
            await cap.ReleaseAsync(slot, CancellationToken.None);
            throw;
        }

        if (result.Outcome is SendOutcome.Transient or SendOutcome.Permanent or SendOutcome.OptedOut)
        {
            await cap.ReleaseAsync(slot, CancellationToken.None);
        }

        switch (result.Outcome)
        {
            case SendOutcome.Sent:
                // Recorded once it went out: only a request that reached them can be answered by a YES.
                await consents.RecordRequestAsync(
                    new ConsentRequestSent(channel, address, record.OrganizerId, record.Organizer.Name, record.ClientId, record.Id, person.Key, (channel == Channel.Sms ? "sms-request:" : "email-request:") + record.Id, shown),
                    CancellationToken.None);
                if (planVersion is not null)
                {
                    await events.ChangeEventAsync(
                        record.Id,
                        e => e.Find(person.Key) is { } p && p.AskedPlan != planVersion
                            ? p.Key == Participant.OrganizerKey ? e with { Organizer = p with { AskedPlan = planVersion } } : e with { People = e.People.Select(x => x.Key == p.Key ? x with { AskedPlan = planVersion } : x).ToList() }
                            : null,
                        CancellationToken.None);
                }

                break;
            case SendOutcome.Transient:
                // Not lost: the SendHeldConsentRequests timer tries again.
                ConsentLog.RequestNotSent(logger, record.Id, channel, result.Outcome, result.Reason);
                await held.HoldAsync(new HeldConsentRequest(record.Id, person.Key, channel, time.GetUtcNow() + HeldConsentRequests.RetryEvery), CancellationToken.None);
                break;
            case SendOutcome.OptedOut:
                await consents.RecordAsync(new ConsentDecision(channel, address, null, ConsentState.OptedOut, "provider:" + result.Reason, ""), CancellationToken.None);
                ConsentLog.RequestNotSent(logger, record.Id, channel, result.Outcome, result.Reason);
                break;
            default:
                ConsentLog.RequestNotSent(logger, record.Id, channel, result.Outcome, result.Reason);
                break;
        }

        return false;
    }

    private async Task<(SendResult Result, string Shown)> SendRequestAsync(
        EventRecord record, Participant person, Channel channel, string address, DateTimeOffset next, IEnumerable<DateTimeOffset> planned, bool planChanged, CancellationToken cancellationToken)
    {
        var toOrganizer = person.Key == Participant.OrganizerKey;
        var organizer = record.Organizer.Name;
        var schedule = ConsentSchedule.Of(channel, planned, next, person.TimeZone);
        string shown;
        SendResult result;
        if (channel == Channel.Sms)
        {
            shown = ConsentWording.SmsRequest(organizer, toOrganizer, schedule);
            result = await sms.SendAsync(new SmsMessage(address, shown, MessageKinds.ConsentRequest, record.Id, null), cancellationToken);
        }
        else
        {
            var pageText = ConsentWording.PageText(organizer, toOrganizer, schedule);
            var withPlan = AftercarePlan.MustAgree(record, person);
            var plan = !withPlan ? PlanAsk.None : planChanged && person.AgreedPlan is not null ? PlanAsk.Changed : PlanAsk.First;
            var token = await tokens.CreateAsync(
                new LinkToken(
                    LinkPurpose.Consent,
                    channel,
                    address,
                    record.OrganizerId,
                    organizer,
                    toOrganizer,
                    pageText,
                    time.GetUtcNow() + LinkTokens.ConsentLifetime,
                    record.Id,
                    person.Key,
                    withPlan ? AftercarePlan.Version(record, person) : null,
                    withPlan ? record.Plan : null,
                    withPlan ? person.Needs : null),
                cancellationToken);
            var url = publicOptions.Value.Url(PageRoute + token);
            shown = ConsentWording.EmailRequestText(organizer, toOrganizer, schedule, url, plan);
            result = await email.SendAsync(
                new EmailMessage(address, person.Name, ConsentWording.EmailRequestSubject(organizer, toOrganizer), shown, ConsentWording.EmailRequestHtml(organizer, toOrganizer, schedule, url, plan), MessageKinds.ConsentRequest, record.Id, null),
                cancellationToken);
        }

        return (result, shown);
    }
}

/// <summary>Consent log messages (event ids 700-729): ids, channels and counts, never addresses or text.</summary>
internal static partial class ConsentLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Event {EventId}: a {Channel} consent request was held back: the address already had {Limit} requests in 24 hours")]
    public static partial void RequestHeldBack(ILogger logger, string eventId, Channel channel, int limit);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Event {EventId}: a {Channel} consent request was not sent: {Outcome} ({Reason})")]
    public static partial void RequestNotSent(ILogger logger, string eventId, Channel channel, SendOutcome outcome, string? reason);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Event {EventId}: consent requests could not all be sent")]
    public static partial void RequestsFailed(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 709, Level = LogLevel.Warning, Message = "Event {EventId}: a {Channel} consent request waits for the next day: its client sent its {Limit} messages for today")]
    public static partial void RequestOverQuota(ILogger logger, string eventId, Channel channel, int limit);

    [LoggerMessage(EventId = 706, Level = LogLevel.Warning, Message = "A held consent request for event {EventId} failed and is held again")]
    public static partial void HeldRequestFailed(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 707, Level = LogLevel.Warning, Message = "Event {EventId}: the organiser's notice about a check-in skipped by the person's answer could not be made")]
    public static partial void NoticeAfterStopFailed(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "{Count} pending check-ins skipped at once (an opt-out, a decline, or planned to an address that refused)")]
    public static partial void PendingSkipped(ILogger logger, int count);

    [LoggerMessage(EventId = 708, Level = LogLevel.Information, Message = "Opt-out by {Channel}: new {IsNew} (an address already opted out is not confirmed again)")]
    public static partial void OptedOut(ILogger logger, Channel channel, bool isNew);
}

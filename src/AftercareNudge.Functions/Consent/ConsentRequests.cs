using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Consent;

/// <summary>
/// Asks for consent when an event is registered, at once: one request per person and channel this
/// event will use, unless that address already agreed to this organiser, declined them, or opted out.
/// The organiser confirms their own number and email the same way.
/// </summary>
public sealed class ConsentRequests(
    ConsentStore consents,
    LinkTokens tokens,
    HeldConsentRequests held,
    EventStore events,
    ISmsSender sms,
    IEmailSender email,
    IOptions<PublicOptions> publicOptions,
    TimeProvider time,
    ILogger<ConsentRequests> logger)
{
    public const string PageRoute = "api/consent/";

    public async Task RequestForEventAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, CancellationToken cancellationToken)
    {
        var wanted = checkIns
            .GroupBy(c => (c.To, c.Channel))
            .Select(g => (Person: record.Find(g.Key.To), g.Key.Channel, Next: g.Min(c => c.DueAt)))
            .Where(w => w.Person?.Address(w.Channel) is not null)
            .ToList();
        await Task.WhenAll(wanted.Select(w => AskAsync(record, w.Person!, w.Channel, w.Next, cancellationToken)));
    }

    /// <summary>Sends the held-back requests whose hour has come; those still over the cap are held again.</summary>
    public async Task<int> SendHeldAsync(CancellationToken cancellationToken)
    {
        var tried = 0;
        await foreach (var request in held.TakeDueAsync(time.GetUtcNow(), cancellationToken))
        {
            tried++;
            var found = await events.GetAsync(request.EventId, cancellationToken);
            var person = found?.Event.Find(request.PersonKey);
            var next = found?.CheckIns
                .Where(c => c.To == request.PersonKey && c.Channel == request.Channel && c.Status == CheckInStatus.Scheduled)
                .Select(c => (DateTimeOffset?)c.DueAt)
                .Min();
            if (found is { } f && person is not null && next is { } due && f.Event.CancelledAt is null)
            {
                await AskAsync(f.Event, person, request.Channel, due, cancellationToken);
            }
        }

        return tried;
    }

    private async Task AskAsync(EventRecord record, Participant person, Channel channel, DateTimeOffset next, CancellationToken cancellationToken)
    {
        var address = person.Address(channel)!;
        if (await consents.GetAsync(channel, address, record.OrganizerId, cancellationToken) != ConsentState.Pending)
        {
            return;
        }

        var toOrganizer = person.Key == Participant.OrganizerKey;
        var organizer = record.Organizer.Name;
        var when = ConsentWording.When(next, person.TimeZone);
        if (channel == Channel.Sms)
        {
            var text = ConsentWording.SmsRequest(organizer, toOrganizer, when);
            if (await consents.TryRecordRequestAsync(channel, address, record.OrganizerId, organizer, "sms-request:" + record.Id, text, cancellationToken))
            {
                Report(await sms.SendAsync(new SmsMessage(address, text, MessageKinds.ConsentRequest, record.Id, null), cancellationToken), record.Id, channel);
            }
            else
            {
                await HoldAsync(record, person, channel, cancellationToken);
            }

            return;
        }

        var pageText = ConsentWording.PageText(organizer, toOrganizer, when);
        var token = await tokens.CreateAsync(
            new LinkToken(LinkPurpose.Consent, channel, address, record.OrganizerId, organizer, toOrganizer, pageText, time.GetUtcNow() + LinkTokens.ConsentLifetime),
            cancellationToken);
        var url = publicOptions.Value.Url(PageRoute + token);
        var body = ConsentWording.EmailRequestText(organizer, toOrganizer, when, url);
        if (await consents.TryRecordRequestAsync(channel, address, record.OrganizerId, organizer, "email-request:" + record.Id, body, cancellationToken))
        {
            var message = new EmailMessage(
                address,
                person.Name,
                ConsentWording.EmailRequestSubject(organizer),
                body,
                ConsentWording.EmailRequestHtml(organizer, toOrganizer, when, url),
                MessageKinds.ConsentRequest,
                record.Id,
                null);
            Report(await email.SendAsync(message, cancellationToken), record.Id, channel);
        }
        else
        {
            await HoldAsync(record, person, channel, cancellationToken);
        }
    }

    private async Task HoldAsync(EventRecord record, Participant person, Channel channel, CancellationToken cancellationToken)
    {
        ConsentLog.RequestHeldBack(logger, record.Id, channel, ConsentStore.MaxRequestsPerDay);
        await held.HoldAsync(new HeldConsentRequest(record.Id, person.Key, channel, time.GetUtcNow() + HeldConsentRequests.RetryEvery), cancellationToken);
    }

    private void Report(SendResult result, string eventId, Channel channel)
    {
        if (result.Outcome != SendOutcome.Sent)
        {
            ConsentLog.RequestNotSent(logger, eventId, channel, result.Outcome, result.Reason);
        }
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

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "Inbound SMS {MessageSid}: {Keyword}")]
    public static partial void InboundSms(ILogger logger, string? messageSid, string keyword);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "Inbound SMS {MessageSid} was already handled")]
    public static partial void InboundSmsDuplicate(ILogger logger, string? messageSid);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "Opt-out: {Count} pending check-ins skipped")]
    public static partial void PendingSkipped(ILogger logger, int count);
}

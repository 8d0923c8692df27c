using AftercareNudge.Consent;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Notifications;

/// <summary>The notification types a client webhook receives.</summary>
public static class NotificationTypes
{
    public const string ReplyReceived = "reply.received";
    public const string ConsentGranted = "consent.granted";
    public const string ConsentDeclined = "consent.declined";
    public const string ConsentOptedOut = "consent.opted-out";
    public const string ConsentOptedIn = "consent.opted-in";

    /// <summary>Email to the address hard-bounced: nothing more is sent to it (it did not opt out).</summary>
    public const string AddressUndeliverable = "address.undeliverable";

    /// <summary>At registration: the organiser has confirmed no channel, so replies to the texts to others cannot reach them yet.</summary>
    public const string OrganizerUnconfirmed = "organizer.unconfirmed";
    public const string CheckInSent = "checkin.sent";
    public const string CheckInDelivered = "checkin.delivered";
    public const string CheckInFailed = "checkin.failed";
    public const string CheckInSkipped = "checkin.skipped";

    /// <summary>An armed check-in was answered (a duress answer told exactly the same way).</summary>
    public const string CheckInAnswered = "checkin.answered";

    /// <summary>No answer came to an armed check-in in time: its one reminder went.</summary>
    public const string CheckInMissed = "checkin.missed";
    public const string EscalationSent = "escalation.sent";
    public const string EscalationCleared = "escalation.cleared";
    public const string EscalationFailed = "escalation.failed";

    /// <summary>A trusted contact of a check-in that has not closed stopped our messages or declined: they will not be told.</summary>
    public const string EscalationContactLeft = "escalation.contact-left";

    public static string? ForCheckIn(CheckInStatus status) => status switch
    {
        CheckInStatus.Sent => CheckInSent,
        CheckInStatus.Delivered => CheckInDelivered,
        CheckInStatus.Failed => CheckInFailed,
        CheckInStatus.Skipped => CheckInSkipped,
        _ => null,
    };

    public static string ForSafetyNet(SafetyNetChange change) => change switch
    {
        SafetyNetChange.Answered => CheckInAnswered,
        SafetyNetChange.Missed => CheckInMissed,
        SafetyNetChange.EscalationSent => EscalationSent,
        SafetyNetChange.EscalationCleared => EscalationCleared,
        SafetyNetChange.ContactLeft => EscalationContactLeft,
        _ => EscalationFailed,
    };

    public static string? ForConsent(ConsentState state) => state switch
    {
        ConsentState.Granted => ConsentGranted,
        ConsentState.Declined => ConsentDeclined,
        ConsentState.OptedOut => ConsentOptedOut,
        ConsentState.Undeliverable => AddressUndeliverable,
        _ => null,
    };
}

/// <summary>
/// What a notification is about: ids and the person's key in the event, never an address. A reply's
/// words are not stored here: <see cref="ReplyId"/> names the reply, read when the notification is sent.
/// </summary>
public sealed record NotificationData(
    string EventId,
    string? CheckInId,
    string PersonKey,
    Channel Channel,
    string? Status = null,
    string? Reason = null,
    string? Kind = null,
    string? ReplyId = null);

/// <summary>
/// The durable outbox of client webhook notifications (table <c>WebhookNotifications</c>: partition the
/// client id, row key the notification id). A notification is written when the fact it tells of is
/// recorded, with an id derived from that fact (its type, event, check-in and status, or the inbound
/// message SID), so the same fact told twice (a webhook retried, a run repeated after a crash) is
/// written once. <see cref="WebhookDelivery"/> sends it. Nothing is written for a client without a
/// webhook. Triggers are best effort: a notification that cannot be written never fails what it tells
/// of, and is logged by its ids.
/// </summary>
public sealed class WebhookNotifications(
    AppTables tables,
    EventStore events,
    AddressIndex addresses,
    RecipientCheckIns recipients,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookNotifications> logger,
    WebhookAtOnce? atOnce = null)
    : IHandles<CheckInFinished>, IHandles<ReplyReceived>, IHandles<OrganizerUnconfirmed>, IHandles<ConsentChanged>, IHandles<SafetyNetChanged>
{
    internal const string Pending = "pending";
    internal const string Delivered = "delivered";
    internal const string GaveUp = "gave-up";

    private readonly WebhookOptions _options = options.Value;

    /// <summary>The id a notification of this type about this fact has: <c>ntf_</c> and 32 hex digits.</summary>
    public static string IdOf(string type, string fact) =>
        "ntf_" + Sha256Hex.OfUtf8(type + "\n" + fact)[..32];

    /// <summary>
    /// Writes one notification for the client, unless it has no webhook (null) or it was written before.
    /// Returns its id.
    /// </summary>
    public async Task<string?> NotifyAsync(string clientId, string type, NotificationData data, string fact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (_options.For(clientId) is null)
        {
            return null;
        }

        var id = IdOf(type, fact);
        var now = time.GetUtcNow();
        var table = await tables.GetAsync(AppTables.WebhookNotifications, cancellationToken);
        try
        {
            await table.AddEntityAsync(
                new TableEntity(clientId, id)
                {
                    ["Type"] = type,
                    ["EventId"] = data.EventId,
                    ["CheckInId"] = data.CheckInId,
                    ["PersonKey"] = data.PersonKey,
                    ["Channel"] = data.Channel.ToString(),
                    ["Status"] = data.Status,
                    ["Reason"] = data.Reason,
                    ["Kind"] = data.Kind,
                    ["ReplyId"] = data.ReplyId,
                    ["CreatedAt"] = now,
                    ["Delivery"] = Pending,
                    ["NextAttemptAt"] = now,
                    ["Attempts"] = 0,
                },
                cancellationToken);
            NotificationsLog.Enqueued(logger, clientId, id, type, data.EventId);
            atOnce?.Kick(clientId, id);
        }
        catch (RequestFailedException e) when (e.IsConflict())
        {
            // Told before: the first notification stands.
        }

        return id;
    }

    Task IHandles<CheckInFinished>.HandleAsync(CheckInFinished domainEvent, CancellationToken cancellationToken) =>
        CheckInFinishedAsync(domainEvent.CheckIn, domainEvent.ClientId, cancellationToken);

    Task IHandles<ReplyReceived>.HandleAsync(ReplyReceived domainEvent, CancellationToken cancellationToken) =>
        ReplyReceivedAsync(domainEvent.Answered, domainEvent.MessageId, cancellationToken);

    Task IHandles<OrganizerUnconfirmed>.HandleAsync(OrganizerUnconfirmed domainEvent, CancellationToken cancellationToken) =>
        OrganizerUnconfirmedAsync(domainEvent.Event, cancellationToken);

    Task IHandles<ConsentChanged>.HandleAsync(ConsentChanged domainEvent, CancellationToken cancellationToken) => ConsentChangedAsync(
        domainEvent.Channel,
        domainEvent.Address,
        domainEvent.OrganizerId,
        domainEvent.Change switch
        {
            ConsentChange.Granted => NotificationTypes.ConsentGranted,
            ConsentChange.Declined => NotificationTypes.ConsentDeclined,
            ConsentChange.OptedOut => NotificationTypes.ConsentOptedOut,
            ConsentChange.Undeliverable => NotificationTypes.AddressUndeliverable,
            _ => NotificationTypes.ConsentOptedIn,
        },
        domainEvent.How,
        cancellationToken);

    Task IHandles<SafetyNetChanged>.HandleAsync(SafetyNetChanged domainEvent, CancellationToken cancellationToken) =>
        SafetyNetChangedAsync(domainEvent, cancellationToken);

    /// <summary>
    /// An armed check-in's safety net changed: its event's client is told, once per fact (the check-in,
    /// the type and the person), with ids and the person's key only. Best effort.
    /// </summary>
    public async Task SafetyNetChangedAsync(SafetyNetChanged change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (!_options.Any)
        {
            return;
        }

        var type = NotificationTypes.ForSafetyNet(change.Change);
        await BestEffortAsync(type, change.EventId, change.CheckInId, async () =>
        {
            if ((change.ClientId ?? (await events.GetEventAsync(change.EventId, cancellationToken))?.ClientId) is { } clientId)
            {
                await NotifyAsync(
                    clientId,
                    type,
                    new NotificationData(change.EventId, change.CheckInId, change.PersonKey, change.Channel),
                    change.EventId + "\n" + change.CheckInId + "\n" + change.PersonKey,
                    cancellationToken);
            }
        });
    }

    /// <summary>
    /// Once, at registration: replies to this event's texts to others cannot reach its organiser until
    /// they confirm a channel (they are kept meanwhile). The organiser's app is how they learn it. Best effort.
    /// </summary>
    public async Task OrganizerUnconfirmedAsync(EventRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        await BestEffortAsync(NotificationTypes.OrganizerUnconfirmed, record.Id, null, () => NotifyAsync(
            record.ClientId,
            NotificationTypes.OrganizerUnconfirmed,
            new NotificationData(record.Id, null, Participant.OrganizerKey, record.Organizer.ReplyChannel(), Reason: "replies-kept-until-confirmed"),
            record.Id,
            cancellationToken));
    }

    /// <summary>A check-in ended (sent, delivered, failed, skipped): its event's client is told. Best effort.</summary>
    public async Task CheckInFinishedAsync(CheckInRecord checkIn, string? clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        if (!_options.Any || NotificationTypes.ForCheckIn(checkIn.Status) is not { } type)
        {
            return;
        }

        await BestEffortAsync(type, checkIn.EventId, checkIn.Id, async () =>
        {
            clientId ??= (await events.GetEventAsync(checkIn.EventId, cancellationToken))?.ClientId;
            if (clientId is null)
            {
                return;
            }

            // After a duress answer the client hears only what any answer would have told it.
            if (SafetyLadder.Holds(checkIn) && checkIn.RelatesTo is { } armedId
                && Safety.DuressMask.Hides(checkIn, await events.GetAwaitedAsync(checkIn.EventId, armedId, cancellationToken)))
            {
                return;
            }

            var status = type[(type.IndexOf('.', StringComparison.Ordinal) + 1)..];
            var kind = checkIn.Kind switch
            {
                CheckInKind.Reminder => "reminder",
                CheckInKind.Fallback => "fallback",
                CheckInKind.Notice => "notice",
                CheckInKind.Relay => "relay",
                _ => "check-in",
            };
            await NotifyAsync(
                clientId,
                type,
                new NotificationData(checkIn.EventId, checkIn.Id, checkIn.To, checkIn.Channel, status, checkIn.Reason, kind),
                checkIn.EventId + "\n" + checkIn.Id + "\n" + status,
                cancellationToken);
        });
    }

    /// <summary>A reply to a check-in was kept under the inbound message's id: the event's client is told. Best effort.</summary>
    public async Task ReplyReceivedAsync(CheckInRecord answered, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(answered);
        if (!_options.Any)
        {
            return;
        }

        await BestEffortAsync(NotificationTypes.ReplyReceived, answered.EventId, answered.Id, async () =>
        {
            if ((await events.GetEventAsync(answered.EventId, cancellationToken))?.ClientId is { } clientId)
            {
                await NotifyAsync(
                    clientId,
                    NotificationTypes.ReplyReceived,
                    new NotificationData(answered.EventId, answered.Id, answered.To, answered.Channel, ReplyId: messageId),
                    messageId,
                    cancellationToken);
            }
        });
    }

    /// <summary>
    /// A consent decision was recorded for an address: for one organiser (granted, declined) or for
    /// everyone (<paramref name="organizerId"/> null: an opt-out or an opt-in). Each client is told about
    /// each of its events the decision concerns, with the person's key there: an organiser's decision
    /// concerns the events of that organiser the address is in; a global one, the events with a
    /// check-in to the address (pending or sent). Best effort.
    /// </summary>
    public async Task ConsentChangedAsync(Channel channel, string address, string? organizerId, string type, string how, CancellationToken cancellationToken)
    {
        if (!_options.Any)
        {
            return;
        }

        await BestEffortAsync(type, null, null, async () =>
        {
            var addressKey = AddressKeys.For(channel, address);
            var concerned = (await addresses.EventsAsync(addressKey, cancellationToken))
                .Where(e => (organizerId is null || e.OrganizerId == organizerId) && _options.For(e.ClientId) is not null)
                .ToList();
            if (organizerId is null && concerned.Count > 0)
            {
                var withCheckIns = (await recipients.ForAddressAsync(channel, address, cancellationToken)).Select(r => r.EventId).ToHashSet(StringComparer.Ordinal);
                concerned.RemoveAll(e => !withCheckIns.Contains(e.EventId));
            }

            foreach (var indexed in concerned)
            {
                var record = await events.GetEventAsync(indexed.EventId, cancellationToken);
                if (record is null || record.PurgedAt is not null || record.ClientId != indexed.ClientId)
                {
                    continue;
                }

                foreach (var person in record.Everyone.Where(p => SameAddress(p.Address(channel), address, channel)))
                {
                    await NotifyAsync(
                        record.ClientId,
                        type,
                        new NotificationData(record.Id, null, person.Key, channel, type[(type.IndexOf('.', StringComparison.Ordinal) + 1)..]),
                        record.Id + "\n" + person.Key + "\n" + channel + "\n" + how,
                        cancellationToken);
                }
            }
        });
    }

    /// <summary>
    /// Erasure: deletes the client's notifications (pending or already sent) about these people of this
    /// event, so that none still carries their key. Returns how many were deleted.
    /// </summary>
    public async Task<int> ForgetAsync(string clientId, string eventId, IReadOnlySet<string> personKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(personKeys);
        var table = await tables.GetAsync(AppTables.WebhookNotifications, cancellationToken);
        var forgotten = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {clientId} and EventId eq {eventId}"), select: ["RowKey", "PersonKey"], cancellationToken: cancellationToken))
        {
            if (personKeys.Contains(row.GetString("PersonKey") ?? "") && await table.TryDeleteAsync(clientId, row.RowKey, ETag.All, cancellationToken))
            {
                forgotten++;
            }
        }

        return forgotten;
    }

    private static bool SameAddress(string? a, string b, Channel channel) =>
        a is not null && (channel == Channel.Sms ? a == b : string.Equals(a, b, StringComparison.OrdinalIgnoreCase));

    /// <summary>A notification never fails what it tells of; one that could not be written is logged by its ids.</summary>
    private async Task BestEffortAsync(string type, string? eventId, string? checkInId, Func<Task> notify)
    {
        try
        {
            await notify();
        }
        catch (Exception e)
        {
            NotificationsLog.NotWritten(logger, e, type, eventId, checkInId);
        }
    }
}

/// <summary>Client webhook log messages (event ids 1100-1119): ids, types, counts and status codes only.</summary>
internal static partial class NotificationsLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Webhook notification {NotificationId} ({Type}) for client {ClientId} about event {EventId} enqueued")]
    public static partial void Enqueued(ILogger logger, string clientId, string notificationId, string type, string eventId);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Webhook notification {Type} about event {EventId}/{CheckInId} could not be written; the client will not be told")]
    public static partial void NotWritten(ILogger logger, Exception exception, string type, string? eventId, string? checkInId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Webhook notification {NotificationId} for client {ClientId} delivered on attempt {Attempt} ({StatusCode})")]
    public static partial void Delivered(ILogger logger, string clientId, string notificationId, int attempt, int statusCode);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Webhook notification {NotificationId} for client {ClientId} not accepted on attempt {Attempt} ({Result}); next try at {NextAttemptAt}")]
    public static partial void Retrying(ILogger logger, string clientId, string notificationId, int attempt, string result, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Webhook notification {NotificationId} ({Type}) for client {ClientId} given up after {Attempts} attempts over {Age} ({Result})")]
    public static partial void GaveUp(ILogger logger, string clientId, string notificationId, string type, int attempts, TimeSpan age, string result);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Information, Message = "Webhook delivery run: delivered {Delivered}, not accepted {Failed}, given up {GaveUp}, cleaned {Cleaned}")]
    public static partial void Run(ILogger logger, int delivered, int failed, int gaveUp, int cleaned);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "Webhook notification {NotificationId} for client {ClientId} could not be handled this run; the next run tries again")]
    public static partial void Errored(ILogger logger, Exception exception, string clientId, string notificationId);
}

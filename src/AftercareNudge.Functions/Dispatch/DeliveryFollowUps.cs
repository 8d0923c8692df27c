using AftercareNudge.Consent;
using AftercareNudge.Messaging;
using AftercareNudge.Replies;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;

namespace AftercareNudge.Dispatch;

/// <summary>
/// What the service adds to an event's schedule when a message does not arrive. A check-in whose
/// delivery failed goes out once more on the other channel (a <em>fallback</em>) if its recipient
/// agreed to that channel too; otherwise, if it was for someone other than the organiser, the
/// organiser gets one short <em>notice</em> on a channel they agreed to. Both are ordinary rows of the
/// schedule (<see cref="CheckInKind.Fallback"/>, <see cref="CheckInKind.Notice"/>, with
/// <see cref="CheckInRecord.RelatesTo"/> naming the check-in), sent by the dispatcher with every
/// consent and quiet-hours rule. Each has a fixed id (<c>&lt;id&gt;-fb</c>, <c>&lt;id&gt;-nt</c>) and is
/// added, never upserted, so however often a failure is reported its follow-up is made once. A safety
/// alert that did not arrive follows the safety net's own rule instead (<see cref="EscalationOutcomes"/>).
/// </summary>
public sealed class DeliveryFollowUps(
    EventStore events,
    ConsentGate gate,
    RecipientCheckIns recipients,
    DueCheckInIndex dueIndex,
    EscalationOutcomes escalations,
    TimeProvider time,
    ILogger<DeliveryFollowUps> logger)
    : IHandles<SkippedByRecipient>
{
    public const string FallbackSuffix = Ids.FallbackSuffix;
    public const string NoticeSuffix = Ids.NoticeSuffix;

    /// <summary>Reasons that say the recipient chose, or the plan lost them: no other channel should try.</summary>
    private static readonly HashSet<string> NoFallbackReasons = new(StringComparer.Ordinal) { CheckInReasons.OptedOut, CheckInReasons.RecipientMissing };

    /// <summary>
    /// How long a notice about a send of unknown outcome waits: a delivery report that comes meanwhile
    /// shows it arrived, and the notice is then not sent.
    /// </summary>
    public static readonly TimeSpan OutcomeUnknownGrace = TimeSpan.FromMinutes(15);

    /// <summary>A STOP or a NO skipped a check-in: its notice is made as for any other skip.</summary>
    Task IHandles<SkippedByRecipient>.HandleAsync(SkippedByRecipient domainEvent, CancellationToken cancellationToken) =>
        CreateAsync(domainEvent.CheckIn, cancellationToken);

    /// <summary>
    /// Creates the fallback or notice that <paramref name="ended"/> (a check-in as it is about to be
    /// recorded) calls for, if any, and says which. Safe to call again for the same check-in: what was
    /// made stays the only follow-up. Cheap when nothing is called for: only a failed or skipped
    /// check-in is looked at further.
    /// </summary>
    public async Task<CheckInKind?> CreateAsync(CheckInRecord ended, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ended);
        if (ended.Kind is CheckInKind.Alert or CheckInKind.UrgentAlert)
        {
            // An alert (an urgent follow-up too) goes once more on the contact's other channel: the alert again, never a notice.
            return await escalations.FallBackAsync(ended, cancellationToken) ? CheckInKind.Alert : null;
        }

        // The safety ladder's rungs have no notice: a notice to the organiser about an alert could tell whoever
        // holds their phone that contacts were alerted (the ladder's own rules cover what did not arrive).
        if (ended.Kind is CheckInKind.Notice or CheckInKind.Relay || SafetyLadder.Holds(ended)
            || ended.Status is not (CheckInStatus.Failed or CheckInStatus.Skipped))
        {
            return null;
        }

        var record = await events.GetEventAsync(ended.EventId, cancellationToken);
        if (record is null || record.IsOver)
        {
            // A cancelled event ends quietly: nothing more goes to anyone about it (nor about a purged one).
            return null;
        }

        // Once: if either was made before (a repeated report, a run that died after making it), that
        // was the decision; consent may have changed since, and a second follow-up must not follow.
        if (await events.GetCheckInAsync(ended.EventId, Ids.FallbackId(ended.Id), cancellationToken) is not null)
        {
            return CheckInKind.Fallback;
        }

        if (await events.GetCheckInAsync(ended.EventId, Ids.NoticeId(ended.Id), cancellationToken) is not null)
        {
            return CheckInKind.Notice;
        }

        if (MayFallBack(ended) && await FallbackChannelAsync(record, ended, cancellationToken) is { } other)
        {
            await AddAsync(record, Fallback(ended, other), cancellationToken);
            return CheckInKind.Fallback;
        }

        if (ended.To == Participant.OrganizerKey)
        {
            // The organiser's own check-in: they are the one who would be told.
            return null;
        }

        if (await gate.OrganizerNoticeChannelAsync(record, cancellationToken) is not { } channel)
        {
            DeliveryFollowUpsLog.NoNoticeChannel(logger, ended.EventId, ended.Id);
            return null;
        }

        await AddAsync(record, Notice(ended, channel), cancellationToken);
        return CheckInKind.Notice;
    }

    /// <summary>
    /// The message for a fallback, notice or relay the dispatcher is about to send, built now from the check-in
    /// it is about. Withheld when that check-in was delivered after all (a late report: an outcome we did
    /// not know, or two reports racing) or is gone.
    /// </summary>
    public async Task<FollowUpMessage> ComposeAsync(EventRecord record, Participant recipient, string address, CheckInRecord followUp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(recipient);
        ArgumentNullException.ThrowIfNull(followUp);
        var related = followUp.RelatesTo is null ? null : await events.GetCheckInAsync(record.Id, followUp.RelatesTo, cancellationToken);
        if (related is null)
        {
            return new FollowUpMessage(Withheld: CheckInReasons.RelatedMissing);
        }

        if (followUp.Kind == CheckInKind.Relay)
        {
            // A reply passed on: whatever became of the check-in, the person answered it.
            return await ReplyRelays.ComposeAsync(events, record, recipient, address, followUp, related, time.GetUtcNow(), cancellationToken);
        }

        if (related.Status == CheckInStatus.Delivered)
        {
            return new FollowUpMessage(Withheld: CheckInReasons.DeliveredAfterAll);
        }

        var organizer = record.Organizer.Name;
        if (followUp.Kind == CheckInKind.Fallback)
        {
            // Words written for an email stay in email: they may say what no lock screen should show.
            return followUp.Channel == Channel.Sms
                ? new FollowUpMessage(Sms: new SmsMessage(address, CheckInWording.Sms(organizer, DeliveryNotices.FallbackSmsText(organizer)), MessageKinds.Fallback, record.Id, followUp.Id))
                : new FollowUpMessage(Email: new EmailMessage(
                    address,
                    recipient.Name,
                    CheckInWording.EmailSubject(organizer),
                    DeliveryNotices.FallbackEmailText(organizer, followUp.Message),
                    DeliveryNotices.FallbackEmailHtml(organizer, followUp.Message),
                    MessageKinds.Fallback,
                    record.Id,
                    followUp.Id));
        }

        var facts = new NoticeFacts(
            record.Find(related.To)?.Name ?? "",
            related.Channel,
            related.Kind,
            related.DueAt,
            related.Reason,
            EventTime.FindZone(record.Organizer.TimeZone) ?? NodaTime.DateTimeZone.Utc,
            time.GetUtcNow());
        return followUp.Channel == Channel.Sms
            ? new FollowUpMessage(Sms: new SmsMessage(address, DeliveryNotices.Sms(facts), MessageKinds.Notice, record.Id, followUp.Id))
            : new FollowUpMessage(Email: new EmailMessage(
                address,
                recipient.Name,
                DeliveryNotices.EmailSubject,
                DeliveryNotices.EmailText(facts),
                DeliveryNotices.EmailHtml(facts),
                MessageKinds.Notice,
                record.Id,
                followUp.Id));
    }

    /// <summary>
    /// Only a planned check-in whose delivery failed gets a second channel. Not a reminder or a fallback
    /// (one retry on one other channel, never a chain), not a skip (the recipient has not agreed, or said
    /// stop), not an opt-out, and never a send of unknown outcome: it may have arrived, and once means
    /// never twice.
    /// </summary>
    internal static bool MayFallBack(CheckInRecord ended) =>
        ended.Kind == CheckInKind.CheckIn
        && ended.Status == CheckInStatus.Failed
        && !DeliveryReports.IsOutcomeUnknown(ended.Reason)
        && (ended.Reason is null || !NoFallbackReasons.Contains(ended.Reason));

    private async Task<Channel?> FallbackChannelAsync(EventRecord record, CheckInRecord ended, CancellationToken cancellationToken)
    {
        var other = ended.Channel == Channel.Sms ? Channel.Email : Channel.Sms;
        var person = record.Find(ended.To);

        return person is not null && await gate.MayReachAsync(record, person, other, cancellationToken) ? other : null;
    }


    /// <summary>
    /// The same check-in on the other channel, promised for the same moment: sent now, it counts as late
    /// unless the failure came within minutes, and quiet hours hold it as they hold any late check-in.
    /// </summary>
    private CheckInRecord Fallback(CheckInRecord ended, Channel channel) =>
        ended.Unsent(Ids.FallbackId(ended.Id), StoredTime.WholeMilliseconds(time.GetUtcNow())) with { Channel = channel, Kind = CheckInKind.Fallback, RelatesTo = ended.Id };

    /// <summary>A word to the organiser, due now; about a send of unknown outcome, after a grace period.</summary>
    private CheckInRecord Notice(CheckInRecord ended, Channel channel)
    {
        // A check-in skipped before its time (a STOP, an unsubscribe) is reported when it would have
        // arrived, not the moment the person said stop.
        var now = time.GetUtcNow() + (DeliveryReports.IsOutcomeUnknown(ended.Reason) ? OutcomeUnknownGrace : TimeSpan.Zero);
        return OrganizerMessages.Row(ended.EventId, Ids.NoticeId(ended.Id), ended.Position, channel, StoredTime.WholeMilliseconds(ended.DueAt > now ? ended.DueAt : now), CheckInKind.Notice, ended.Id);
    }

    /// <summary>
    /// As at registration: who it goes to and its due-index row first, then the row itself, so that
    /// neither a STOP nor the dispatcher can miss it. A crash before the last write leaves rows that
    /// find nothing and are dropped.
    /// </summary>
    private async Task AddAsync(EventRecord record, CheckInRecord followUp, CancellationToken cancellationToken)
    {
        await recipients.AddAsync(record, [followUp], cancellationToken);
        await dueIndex.AddAsync([new DueEntry(followUp.EventId, followUp.Id, followUp.NextAttemptAt, record.ClientId)], cancellationToken);
        // False: made a moment ago by someone else, and once is once. The index row just written is
        // removed by the dispatcher if it does not match.
        if (await events.AddCheckInAsync(followUp, cancellationToken))
        {
            DeliveryFollowUpsLog.Created(logger, followUp.EventId, followUp.RelatesTo!, followUp.Kind, followUp.Channel);
        }
    }
}

/// <summary>Delivery follow-up log messages (event ids 250-259): ids, kinds and channels only.</summary>
internal static partial class DeliveryFollowUpsLog
{
    [LoggerMessage(EventId = 250, Level = LogLevel.Information, Message = "Check-in {EventId}/{CheckInId} did not arrive: a {Kind} goes out by {Channel}")]
    public static partial void Created(ILogger logger, string eventId, string checkInId, CheckInKind kind, Channel channel);

    [LoggerMessage(EventId = 251, Level = LogLevel.Information, Message = "Check-in {EventId}/{CheckInId} did not arrive; the organiser has agreed to no channel, so no notice goes out")]
    public static partial void NoNoticeChannel(ILogger logger, string eventId, string checkInId);

    [LoggerMessage(EventId = 252, Level = LogLevel.Error, Message = "Check-in {EventId}/{CheckInId}: its follow-up could not be made; the failure is recorded without it")]
    public static partial void NotMade(ILogger logger, Exception exception, string eventId, string checkInId);
}

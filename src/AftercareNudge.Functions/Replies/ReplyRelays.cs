using System.Globalization;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using NodaTime;

namespace AftercareNudge.Replies;

/// <summary>
/// Passes a reply to a check-in on to the organiser who sent it. A relay is an ordinary row of the
/// event's schedule (<see cref="CheckInKind.Relay"/>, <see cref="CheckInRecord.RelatesTo"/> the
/// check-in replied to) with a fixed id, <c>rl-&lt;message id&gt;</c> (<see cref="Ids.RelayId"/>), added never upserted, so a webhook
/// retried twice makes one. It is due at once and sent by the dispatcher like any other message (claim
/// first, the organiser's own consent on the channel they chose, <c>repliesBy</c>), and the webhook
/// tries it at once through the same code (<see cref="RelayDue"/>), so the organiser hears within seconds and the person who
/// replied is told truthfully whether it went. It is worded when it goes, from the reply's row: the
/// relay row itself keeps no words, so erasing the reply (or purging the event) leaves nothing behind.
/// </summary>
public sealed class ReplyRelays(
    EventStore events,
    RecipientCheckIns recipients,
    DueCheckInIndex dueIndex,
    DomainEvents<RelayDue> relayDue,
    TimeProvider time,
    ILogger<ReplyRelays> logger)
{
    /// <summary>The most SMS segments a relay is sent as: the quote is shortened to fit.</summary>
    public const int MaxSmsSegments = 4;

    /// <summary>The most characters of the reply a relay email quotes.</summary>
    public const int MaxEmailQuote = 2000;

    /// <summary>What the event view and the client are told while the organiser has confirmed no channel for replies.</summary>
    public const string OrganizerUnconfirmedWarning =
        "Replies to the texts to others cannot reach the organiser yet: they have confirmed no number or address. Replies are kept and passed on once they confirm one.";

    /// <summary>
    /// Makes the relay of the reply <paramref name="messageId"/> to <paramref name="checkIn"/> (once,
    /// however often called) and tries to send it now. Says where it stands, and the organiser's name.
    /// </summary>
    public async Task<(RelayOutcome Outcome, string? OrganizerName)> RelayAsync(CheckInRecord checkIn, string messageId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        var record = await events.GetEventAsync(checkIn.EventId, cancellationToken);
        if (!Relaying.IsRelayed(checkIn) || record is null)
        {
            return (record is null ? RelayOutcome.CouldNotPassOn : RelayOutcome.NotRelayed, record is null ? null : NameOf(record.Organizer));
        }

        var id = Ids.RelayId(messageId);
        var relay = await events.GetCheckInAsync(record.Id, id, cancellationToken) ?? await AddAsync(record, Relay(record, checkIn, id), cancellationToken);
        if (!relay.IsFinished)
        {
            await TrySendNowAsync(relay);
            relay = await events.GetCheckInAsync(record.Id, id, CancellationToken.None) ?? relay;
        }

        var outcome = relay.Status switch
        {
            _ when relay.AwaitsOrganizer => RelayOutcome.AwaitingOrganizer,
            CheckInStatus.Sent or CheckInStatus.Delivered => RelayOutcome.PassedOn,
            CheckInStatus.Scheduled or CheckInStatus.Sending => RelayOutcome.Pending,
            _ => RelayOutcome.CouldNotPassOn,
        };
        return (outcome, NameOf(record.Organizer));
    }

    /// <summary>The organiser's name, or null once it was erased or purged.</summary>
    private static string? NameOf(Participant organizer) =>
        RemovedNames.Readable(organizer.Name);

    /// <summary>The relay as the dispatcher sends it, worded now; withheld if the reply is gone (erased).</summary>
    public static async Task<FollowUpMessage> ComposeAsync(EventStore events, EventRecord record, Participant organizer, string address, CheckInRecord relay, CheckInRecord repliedTo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reply = await events.GetReplyAsync(record.Id, Ids.RelayedMessageId(relay.Id), cancellationToken);
        if (reply is null)
        {
            return new FollowUpMessage(Withheld: CheckInReasons.ReplyErased);
        }

        var facts = new RelayFacts(
            record.Find(repliedTo.To)?.Name ?? "",
            reply.Body,
            repliedTo.DueAt,
            EventTime.FindZone(organizer.TimeZone) ?? DateTimeZone.Utc,
            now,
            reply.ReceivedAt);
        return relay.Channel == Channel.Sms
            ? new FollowUpMessage(Sms: new SmsMessage(address, RelayWording.Sms(facts), MessageKinds.Relay, record.Id, relay.Id))
            : new FollowUpMessage(Email: new EmailMessage(
                address,
                organizer.Name,
                RelayWording.EmailSubject(facts),
                RelayWording.EmailText(facts),
                RelayWording.EmailHtml(facts),
                MessageKinds.Relay,
                record.Id,
                relay.Id));
    }

    /// <summary>How GET shows the relay of <paramref name="reply"/>, if it has one.</summary>
    public static RelayView? ViewOf(CheckInReply reply, IReadOnlyList<CheckInRecord> checkIns)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ArgumentNullException.ThrowIfNull(checkIns);
        if (reply.MessageId is not { } messageId || !Ids.IsMessageId(messageId))
        {
            return null;
        }

        var id = Ids.RelayId(messageId);
        return checkIns.FirstOrDefault(c => c.Id == id) is { } relay ? new RelayView(relay.Id, relay.Channel, relay.Status, relay.Reason) : null;
    }

    /// <summary>
    /// Due now, to the organiser on the channel they chose. Made even when that channel has no address
    /// (erased): the dispatcher then records why it could not go, where GET shows it.
    /// </summary>
    private CheckInRecord Relay(EventRecord record, CheckInRecord repliedTo, string id) =>
        OrganizerMessages.Row(record.Id, id, repliedTo.Position, record.Organizer.ReplyChannel(), StoredTime.WholeMilliseconds(time.GetUtcNow()), CheckInKind.Relay, repliedTo.Id);

    /// <summary>As the other follow-ups: who it goes to and its index row first, so neither a STOP nor the dispatcher misses it.</summary>
    private async Task<CheckInRecord> AddAsync(EventRecord record, CheckInRecord relay, CancellationToken cancellationToken)
    {
        await recipients.AddAsync(record, [relay], cancellationToken);
        await dueIndex.AddAsync([new DueEntry(relay.EventId, relay.Id, relay.NextAttemptAt, record.ClientId)], cancellationToken);
        if (await events.AddCheckInAsync(relay, cancellationToken))
        {
            ReplyRelaysLog.Created(logger, relay.EventId, relay.RelatesTo!, relay.Channel);
            return relay;
        }

        // Made a moment ago by a retry of the same webhook: that one is the relay.
        return await events.GetCheckInAsync(relay.EventId, relay.Id, cancellationToken) ?? relay;
    }

    /// <summary>
    /// The dispatcher's own handling of this one row, now rather than at the next timer run (it handles
    /// <see cref="RelayDue"/>). Its claim makes this safe beside a timer run; if anything goes wrong the
    /// row stays due and the next run sends it.
    /// </summary>
    private async Task TrySendNowAsync(CheckInRecord relay)
    {
        try
        {
            await relayDue.RaiseAsync(new RelayDue(relay), CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            ReplyRelaysLog.NotSentNow(logger, e, relay.EventId, relay.Id);
        }
    }
}

/// <summary>What a relay says: who replied, to which check-in, and their words.</summary>
/// <param name="RepliedAt">When the reply was written: a relay that went late (it waited for the organiser to confirm) says so.</param>
public sealed record RelayFacts(string ReplierName, string Reply, DateTimeOffset CheckInDueAt, DateTimeZone OrganizerZone, DateTimeOffset Now, DateTimeOffset? RepliedAt = null);

/// <summary>
/// How a relay reads. It names who replied and quotes them, and names the check-in only by its time;
/// never the event's title or kind. Its SMS speaks as the service (<c>AftercareNudge:</c>), is at most
/// <see cref="ReplyRelays.MaxSmsSegments"/> segments (the quote is shortened with an ellipsis), and
/// says that answering the text reaches nobody.
/// </summary>
public static class RelayWording
{
    /// <summary>More than any SMS relay can quote: what is read of a long reply before it is fitted.</summary>
    private const int MaxQuoteRead = 160 * ReplyRelays.MaxSmsSegments;

    private const string EmailFooter = "AftercareNudge passes on replies to the check-ins you send. Nobody reads answers to this email or to our number: to answer, contact them directly.";

    public static string Sms(RelayFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var name = Name(facts);
        return SmsSegments.Fit(
            $"{Notices.SmsSender}{name} replied{Written(facts)} to your {CheckIn(facts)}: \"",
            Clean(SmsSegments.Cut(facts.Reply, MaxQuoteRead)),
            $"\" Replies to this number reach no one: contact {(name == "Someone" ? "them" : name)} directly.",
            ReplyRelays.MaxSmsSegments);
    }

    public static string EmailSubject(RelayFacts facts) => $"{Name(facts)} replied to your check-in";

    public static string EmailText(RelayFacts facts) =>
        $"{Name(facts)} replied{Written(facts)} to your {CheckIn(facts)}:\n\n{Quote(facts)}\n\n-- \n{EmailFooter}";

    /// <summary>The relay email's body (<c>RelayEmail</c>).</summary>
    public static string EmailHtml(RelayFacts facts) =>
        HtmlTemplates.Render<RelayEmail>(new Dictionary<string, object?>
        {
            [nameof(RelayEmail.Lead)] = $"{Name(facts)} replied{Written(facts)} to your {CheckIn(facts)}:",
            [nameof(RelayEmail.Quote)] = Quote(facts),
            [nameof(RelayEmail.Footer)] = EmailFooter,
        });

    private static string Quote(RelayFacts facts)
    {
        var reply = facts.Reply.Trim();
        return reply.Length <= ReplyRelays.MaxEmailQuote ? reply : SmsSegments.Cut(reply, ReplyRelays.MaxEmailQuote).TrimEnd() + "\u2026";
    }

    private static string Name(RelayFacts facts) => string.IsNullOrWhiteSpace(facts.ReplierName) ? "Someone" : facts.ReplierName.Trim();

    /// <summary>How long after it was written a relay says when: a relay that goes at once does not.</summary>
    public static readonly TimeSpan SaysWhenAfter = TimeSpan.FromMinutes(10);

    /// <summary>"at 23:41", or "at 23:41 on Sat 5 Dec" on another day than <paramref name="now"/>, in <paramref name="zone"/>.</summary>
    public static string When(DateTimeOffset instant, DateTimeZone zone, DateTimeOffset now) => "at " + EventTime.Moment(instant, zone, now);

    // " at 23:41 on Sat 5 Dec" when the relay goes well after the reply was written; nothing otherwise.
    private static string Written(RelayFacts facts) =>
        facts.RepliedAt is { } at && facts.Now - at > SaysWhenAfter ? " " + When(at, facts.OrganizerZone, facts.Now) : "";

    /// <summary>"23:30 check-in", or "check-in at 23:30 on Sat 5 Dec" on another day than today (the organiser's).</summary>
    private static string CheckIn(RelayFacts facts) => EventTime.CheckInAt(facts.CheckInDueAt, facts.OrganizerZone, facts.Now);

    // One line on a lock screen: line breaks become spaces.
    /// <summary>
    /// One line, without the invisible and direction-changing characters a reply may carry (a U+202E
    /// would turn the service's own words after the quote around on the organiser's screen).
    /// </summary>
    private static string Clean(string reply)
    {
        var visible = string.Concat(reply.EnumerateRunes().Where(r => System.Text.Rune.GetUnicodeCategory(r) != UnicodeCategory.Format || r.Value == 0x200D).Select(r => r.ToString()));
        return string.Join(' ', visible.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}

/// <summary>Reply relay log messages (event ids 260-269): ids and channels only, never the words.</summary>
internal static partial class ReplyRelaysLog
{
    [LoggerMessage(EventId = 260, Level = LogLevel.Information, Message = "A reply to check-in {EventId}/{CheckInId} is passed on to the organiser by {Channel}")]
    public static partial void Created(ILogger logger, string eventId, string checkInId, Channel channel);

    [LoggerMessage(EventId = 261, Level = LogLevel.Warning, Message = "Relay {EventId}/{RelayId} could not be sent at once; the dispatcher sends it")]
    public static partial void NotSentNow(ILogger logger, Exception exception, string eventId, string relayId);
}

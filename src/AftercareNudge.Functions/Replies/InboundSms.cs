using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Replies;

/// <summary>
/// What happens when someone texts us. While an armed check-in waits on the number, anything but STOP
/// and HELP is its answer (Safety's <see cref="AwaitedAnswers"/>). Keywords (YES, NO, STOP in any reasonable words, START, HELP)
/// are Consent's to answer (<see cref="SmsKeywordAnswers"/>); anything else is a reply, kept with the
/// last check-in that reached the number within a day, passed on to its organiser
/// (<see cref="ReplyRelays"/>), or kept until they say which organiser it is for when more than one
/// wrote (<see cref="ReplyChoices"/>), and acknowledged once per conversation
/// (<see cref="ReplyAcknowledgements"/>). Returns the one SMS to answer with, or null. The same
/// message id twice has the effect of once.
/// </summary>
public sealed class InboundSms(
    SmsKeywordAnswers keywords,
    RecipientCheckIns recipients,
    EventStore events,
    ReplyRelays relays,
    ReplyAcknowledgements acknowledgements,
    ReplyChoices choices,
    AwaitedAnswers answers,
    ContactAgreements contacts,
    AppTables tables,
    TimeProvider time,
    ILogger<InboundSms> logger,
    DomainEvents<ReplyReceived> replyReceived)
{
    /// <summary>What an inbound message that answered an armed check-in is logged and kept as (with the keywords' names).</summary>
    public const string Answer = "Answer";

    /// <summary>What a LATER that pushed an armed check-in's deadline is logged and kept as.</summary>
    public const string Later = "Later";

    /// <summary>What a trusted contact's NIGHT YES or NIGHT NO is logged and kept as.</summary>
    public const string Night = "Night";

    /// <summary>A reply is taken to answer a check-in that reached the number within this long; an older one is not guessed at.</summary>
    public static readonly TimeSpan ReplyWindow = TimeSpan.FromHours(24);

    public async Task<string?> HandleAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sms);

        // Keyed by the sender's address key, so that erasing the number finds its rows (see ForgetAsync).
        var inbound = await tables.GetAsync(AppTables.InboundMessages, cancellationToken);
        var partition = AddressKeys.For(Channel.Sms, sms.From);
        var seen = await inbound.GetEntityIfExistsAsync<TableEntity>(partition, sms.MessageId, cancellationToken: cancellationToken);
        if (seen.HasValue)
        {
            // Twilio retries only when it did not get our answer: give the same answer again, with no new effect.
            InboundSmsLog.Duplicate(logger, sms.MessageId);
            return seen.Value!.GetString("Reply");
        }

        var keyword = SmsKeywordAnswers.Classify(sms);
        var (what, reply) = keyword switch
        {
            // STOP is never an answer: it stops everything at once, and its one confirmation says what
            // still counts as an answer if an armed check-in waits on the number.
            SmsKeyword.Stop => (keyword.ToString(), await keywords.AnswerAsync(sms, keyword, cancellationToken, await answers.NoteStoppedAsync(sms.From, cancellationToken) ? SafetyWording.OkStillCounts : null)),
            SmsKeyword.Help => (keyword.ToString(), await HelpAsync(sms, cancellationToken)),

            // START does what "Reply START to undo" promised, and, as every message from them, answers.
            SmsKeyword.Start => (keyword.ToString(), await StartAsync(sms, cancellationToken)),
            _ when await answers.ExtendAsync(sms, cancellationToken) is { } later => (Later, await keywords.IsOptedOutAsync(sms.From, cancellationToken) ? null : later),
            _ when await answers.AnswerAsync(sms, cancellationToken) is { Count: > 0 } answered => (Answer, await AcknowledgeAnswerAsync(sms, keyword, answered, cancellationToken)),

            // The duress word outside the answer window is never a reply: before the check-in is due it
            // is a duress answer brought forward (acknowledged as any answer); after, its words are dropped.
            _ when await answers.DuressOutsideWindowAsync(sms, cancellationToken) is { } duress => duress.Answered.Count > 0
                ? (Answer, await AcknowledgeAnswerAsync(sms, keyword, duress.Answered, cancellationToken))
                : (SmsKeyword.Other.ToString(), null),
            SmsKeyword.Other when await contacts.AnswerNightAsync(sms.From, sms.Body, cancellationToken) is { } night => (Night, night),
            SmsKeyword.Other => (keyword.ToString(), await OtherAsync(sms, cancellationToken)),
            _ => (keyword.ToString(), await keywords.AnswerAsync(sms, keyword, cancellationToken)),
        };
        InboundSmsLog.Received(logger, sms.MessageId, what);

        // Marked handled only once handled: a retry after a failure half way does it again (every
        // step above is safe to repeat), rather than losing a STOP.
        await inbound.UpsertEntityAsync(
            new TableEntity(partition, sms.MessageId) { ["Keyword"] = what, ["Reply"] = reply, ["HandledAt"] = time.GetUtcNow() },
            TableUpdateMode.Replace,
            cancellationToken);

        return reply;
    }

    /// <summary>
    /// Erasure: forgets which messages this number sent (the rows that stop a webhook retry acting
    /// twice; they hold the keyword and our answer, never the text) and when its replies were last
    /// acknowledged. Returns how many messages were forgotten.
    /// </summary>
    public async Task<int> ForgetAsync(string phone, CancellationToken cancellationToken)
    {
        var inbound = await tables.GetAsync(AppTables.InboundMessages, cancellationToken);
        var partition = AddressKeys.For(Channel.Sms, phone);
        var forgotten = 0;
        await foreach (var row in inbound.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            // The acknowledgement window goes too, but it is not a message the number sent.
            if (await inbound.TryDeleteAsync(partition, row.RowKey, ETag.All, cancellationToken) && row.RowKey != ReplyAcknowledgements.WindowRow)
            {
                forgotten++;
            }
        }

        // Replies kept under an open question are the number's own words: they go too.
        await choices.ForgetAsync(phone, cancellationToken);
        return forgotten;
    }

    /// <summary>HELP is never an answer; while an armed check-in waits, its answer says what the safety net does.</summary>
    private async Task<string?> HelpAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        var help = await keywords.AnswerAsync(sms, SmsKeyword.Help, cancellationToken);
        return help is not null && await answers.IsWaitingAsync(sms.From, cancellationToken) ? $"{help} {SafetyWording.HelpWhileWaiting}" : help;
    }

    private async Task<string?> StartAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        var optedIn = await keywords.AnswerAsync(sms, SmsKeyword.Start, cancellationToken);
        var answered = await answers.AnswerAsync(sms, cancellationToken);
        return optedIn is not null && answered.Count > 0 ? $"{optedIn} {SafetyWording.AlsoAnswers(answered, time.GetUtcNow())}" : optedIn;
    }

    /// <summary>
    /// An armed check-in's answer gets the one acknowledgement every answer gets (unless the number
    /// opted out: then nothing). A YES or NO taken as the answer while a consent request is open too
    /// says that the request still waits. The answer's words are kept nowhere and passed on to nobody:
    /// the check-in was the person's own, and what it needed was that they answered.
    /// </summary>
    private async Task<string?> AcknowledgeAnswerAsync(IncomingSms sms, SmsKeyword keyword, IReadOnlyList<AnsweredCheckIn> answered, CancellationToken cancellationToken)
    {
        if (await keywords.IsOptedOutAsync(sms.From, cancellationToken))
        {
            return null;
        }

        var acknowledgement = SafetyWording.Answered(answered, time.GetUtcNow());
        return keyword is SmsKeyword.Yes or SmsKeyword.No && await keywords.StillWaitingAsync(sms.From, cancellationToken) is { } waiting
            ? $"{acknowledgement} {waiting}"
            : acknowledgement;
    }

    /// <summary>The organisers a reply may be for, as the question names them: with their app where two share a name.</summary>
    private List<string> Labels(IReadOnlyList<ReplyOption> options) => options
        .Select(o => keywords.Label(
            o.OrganizerName,
            o.ClientId,
            nameShared: options.Count(other => ConsentStore.DisplayName(other.OrganizerName) == ConsentStore.DisplayName(o.OrganizerName)) > 1))
        .ToList();

    /// <summary>
    /// Anything else is a reply. "Yes please", "ok" and the like are not consent, but while a request
    /// waits for this number's answer the first such message gets one hint to reply YES (Consent's
    /// <see cref="SmsKeywordAnswers.YesHintAsync"/>). While the
    /// number has an open question about which organiser its replies are for, a message naming one
    /// (its number in the list, or its name) answers it.
    /// </summary>
    /// <remarks>
    /// A number that opted out is sent nothing, not even an answer: its words are still kept and passed
    /// on. A hint is the one answer to its message, so it does not use up the reply's acknowledgement.
    /// </remarks>
    private async Task<string?> OtherAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        var optedOut = await keywords.IsOptedOutAsync(sms.From, cancellationToken);
        if (await choices.GetAsync(sms.From, cancellationToken) is { } choice)
        {
            return await AnswerChoiceAsync(sms, choice, optedOut, cancellationToken);
        }

        var hint = optedOut ? null : await keywords.YesHintAsync(sms, cancellationToken);
        var answer = await KeepReplyAsync(sms, acknowledge: !optedOut && hint is null, cancellationToken);
        return optedOut ? null : hint ?? answer;
    }

    /// <summary>
    /// A reply is passed on only to the organiser of the check-in it answers: the most recent check-in
    /// that reached this number within <see cref="ReplyWindow"/>. If check-ins from more than one
    /// organiser reached it in that time, the service does not guess: it keeps the reply and asks.
    /// </summary>
    private async Task<string?> KeepReplyAsync(IncomingSms sms, bool acknowledge, CancellationToken cancellationToken)
    {
        var received = time.GetUtcNow();
        var reply = new KeptReply(sms.MessageId, StoredText.Truncate(sms.Body.Trim(), StoredText.MaxReplyLength), received);
        var (recent, anyEver, planners) = await RecentCheckInsAsync(sms.From, received, cancellationToken);
        if (recent.Count == 0)
        {
            // Nothing of ours reached this number lately: nobody to pass it on to, and it is kept nowhere.
            // Said once per conversation. A number with check-ins planned but none sent yet is told so
            // too (never forwarded: telling one organiser that this person is in another's plans could
            // out them), naming who planned them only if exactly one organiser, across every client,
            // did. A number nothing is planned for gets no answer: there is no conversation.
            if (anyEver)
            {
                return acknowledge && await acknowledgements.TryOpenWindowAsync(sms.From, "none:not-passed-on", cancellationToken)
                    ? ReplyAcknowledgements.NotPassedOnText
                    : null;
            }

            // A yes in other words is an answer to a consent request, which gets its one hint and no more (SmsKeywordAnswers).
            return planners.Count > 0 && acknowledge && !SmsKeywords.MeansYesInPlainWords(sms.Body)
                && await acknowledgements.TryOpenWindowAsync(sms.From, "none:nothing-sent-yet", cancellationToken)
                ? ReplyAcknowledgements.NothingSentYetText(planners.Count == 1 ? planners[0] : null)
                : null;
        }

        // A contact's reply to an urgent alert is not passed on: the person's phone may be in someone else's hands.
        if (recent[0].CheckIn is { Kind: CheckInKind.Alert, RelatesTo: { } armedId }
            && await events.GetAwaitedAsync(recent[0].Event.Id, armedId, cancellationToken) is { DuressAt: not null })
        {
            return acknowledge ? SafetyWording.NotPassedOnAfterUrgentAlert(recent[0].Event.Organizer.Name) : null;
        }

        var options = recent
            .GroupBy(r => r.Event.OrganizerId)
            .Select(g => g.First())
            .Take(ReplyChoices.MaxOptions)
            .Select(r => new ReplyOption(r.Event.Id, r.CheckIn.Id, r.Event.Organizer.Name, r.Event.ClientId))
            .ToList();
        if (options.Count > 1)
        {
            await choices.KeepAsync(sms.From, reply, options, cancellationToken);
            return acknowledge ? ReplyAcknowledgements.WhichOrganizer(Labels(options)) : null;
        }

        var (outcome, organizer, eventId) = await PassOnAsync(recent[0].CheckIn, reply, cancellationToken);

        // One honest answer per conversation, not one per message: a reply about another event, or
        // whose fate differs from what they were last told, is a new one.
        return acknowledge && await acknowledgements.TryOpenWindowAsync(sms.From, ReplyAcknowledgements.Conversation(eventId, outcome), cancellationToken)
            ? ReplyAcknowledgements.Text(outcome, organizer)
            : null;
    }

    /// <summary>
    /// An answer to "which organiser is your reply for": the replies kept meanwhile go to the one named.
    /// Anything else is one more reply kept under the question, which is asked again.
    /// </summary>
    private async Task<string?> AnswerChoiceAsync(IncomingSms sms, ReplyChoice choice, bool optedOut, CancellationToken cancellationToken)
    {
        var labels = Labels(choice.Options);
        var picked = PickOption(sms.Body, choice.Options, labels);
        if (picked is null)
        {
            await choices.KeepAsync(sms.From, new KeptReply(sms.MessageId, StoredText.Truncate(sms.Body.Trim(), StoredText.MaxReplyLength), time.GetUtcNow()), choice.Options, cancellationToken);
            return optedOut ? null : ReplyAcknowledgements.WhichOrganizer(labels);
        }

        var checkIn = await events.GetCheckInAsync(picked.EventId, picked.CheckInId, cancellationToken);
        var outcome = RelayOutcome.CouldNotPassOn;
        string? organizer = picked.OrganizerName;
        if (checkIn is not null)
        {
            foreach (var kept in choice.Replies)
            {
                (outcome, organizer, _) = await PassOnAsync(checkIn, kept, cancellationToken);
            }
        }

        await choices.ForgetAsync(sms.From, cancellationToken);
        return optedOut ? null : ReplyAcknowledgements.Text(outcome, organizer);
    }

    /// <summary>The option a message names: its number in the list ("2"), or a name that only one option has.</summary>
    private static ReplyOption? PickOption(string body, IReadOnlyList<ReplyOption> options, IReadOnlyList<string> labels)
    {
        var text = SmsKeywords.Normalize(body);
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number >= 1 && number <= options.Count)
        {
            return options[number - 1];
        }

        var byName = Enumerable.Range(0, options.Count)
            .Where(i => ConsentStore.DisplayName(labels[i]) == text || ConsentStore.DisplayName(options[i].OrganizerName) == text)
            .ToList();
        return byName.Count == 1 ? options[byName[0]] : null;
    }

    /// <summary>The one place a reply is recorded: kept with the check-in it answers, the client told, then passed on.</summary>
    private async Task<(RelayOutcome Outcome, string? Organizer, string EventId)> PassOnAsync(CheckInRecord checkIn, KeptReply reply, CancellationToken cancellationToken)
    {
        await events.AddReplyAsync(checkIn.EventId, new CheckInReply(checkIn.Id, reply.Body, reply.ReceivedAt), reply.MessageId, cancellationToken);
        await replyReceived.RaiseAsync(new ReplyReceived(checkIn, reply.MessageId), CancellationToken.None);
        var (outcome, organizer) = await relays.RelayAsync(checkIn, reply.MessageId, cancellationToken);
        return (outcome, organizer, checkIn.EventId);
    }

    /// <summary>
    /// What reached this number within <see cref="ReplyWindow"/> before <paramref name="now"/>, newest
    /// first, with each one's event; whether anything of ours ever reached it; and, when nothing did,
    /// the names of the organisers (distinct, across every client) whose events still plan something for it.
    /// </summary>
    private async Task<(List<(CheckInRecord CheckIn, EventRecord Event)> Recent, bool AnyEver, List<string> Planners)> RecentCheckInsAsync(string from, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var sent = new List<CheckInRecord>();
        var plannedIn = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var found in await recipients.ForAddressAsync(Channel.Sms, from, cancellationToken))
        {
            switch (await events.GetCheckInAsync(found.EventId, found.CheckInId, cancellationToken))
            {
                case { SentAt: not null } checkIn:
                    sent.Add(checkIn);
                    break;
                case { Status: CheckInStatus.Scheduled } planned:
                    // Whether the number is the organiser's own: then nobody else is named to them.
                    plannedIn[found.EventId] = plannedIn.GetValueOrDefault(found.EventId) || planned.To == Participant.OrganizerKey;
                    break;
            }
        }

        var planners = new Dictionary<string, string>(StringComparer.Ordinal);
        if (sent.Count == 0)
        {
            foreach (var (eventId, ownPlans) in plannedIn)
            {
                if (await events.GetEventAsync(eventId, cancellationToken) is { IsOver: false } planned)
                {
                    planners.TryAdd(planned.OrganizerId, ownPlans ? "" : planned.Organizer.Name);
                }
            }
        }

        var recent = new List<(CheckInRecord, EventRecord)>();
        var eventsById = new Dictionary<string, EventRecord?>(StringComparer.Ordinal);
        foreach (var checkIn in sent.Where(c => c.SentAt >= now - ReplyWindow).OrderByDescending(c => c.SentAt))
        {
            if (!eventsById.TryGetValue(checkIn.EventId, out var record))
            {
                eventsById[checkIn.EventId] = record = await events.GetEventAsync(checkIn.EventId, cancellationToken);
            }

            if (record is not null)
            {
                recent.Add((checkIn, record));
            }
        }

        return (recent, sent.Count > 0, [.. planners.Values]);
    }
}

/// <summary>Inbound SMS log messages (event ids 703-704, as when Consent logged them): the message id and what it was, never its words.</summary>
internal static partial class InboundSmsLog
{
    [LoggerMessage(EventId = 703, EventName = "InboundSms", Level = LogLevel.Information, Message = "Inbound SMS {MessageSid}: {Keyword}")]
    public static partial void Received(ILogger logger, string? messageSid, string keyword);

    [LoggerMessage(EventId = 704, EventName = "InboundSmsDuplicate", Level = LogLevel.Information, Message = "Inbound SMS {MessageSid} was already handled")]
    public static partial void Duplicate(ILogger logger, string? messageSid);
}

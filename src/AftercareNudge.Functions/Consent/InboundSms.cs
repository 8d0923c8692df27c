using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Consent;

/// <summary>An SMS someone sent us. <see cref="OptOutType"/> is Twilio's, when its Advanced Opt-Out already answered a keyword.</summary>
public sealed record IncomingSms(string From, string Body, string MessageId, string? OptOutType);

/// <summary>
/// What happens when someone texts us: YES and NO answer their pending consent requests, STOP (in any
/// reasonable words) opts the number out of everything at once, START lifts that, HELP explains, and
/// anything else is kept as a reply to the last check-in they received, passed on to its organiser
/// (<see cref="Dispatch.ReplyRelays"/>) and acknowledged once per conversation
/// (<see cref="ReplyAcknowledgements"/>). Returns the one SMS to answer with, or null. The same
/// message id twice has the effect of once.
/// </summary>
public sealed class InboundSms(
    ConsentStore consents,
    RecipientCheckIns recipients,
    EventStore events,
    OptOuts optOuts,
    Dispatch.ReplyRelays relays,
    ReplyAcknowledgements acknowledgements,
    AppTables tables,
    Microsoft.Extensions.Options.IOptions<ServiceOptions> service,
    TimeProvider time,
    ILogger<InboundSms> logger,
    Notifications.WebhookNotifications? notifications = null)
{
    public async Task<string?> HandleAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        // Keyed by the sender's address key, so that erasing the number finds its rows (see ForgetAsync).
        var inbound = await tables.GetAsync(AppTables.InboundMessages, cancellationToken);
        var partition = ConsentStore.AddressKey(Channel.Sms, sms.From);
        var seen = await inbound.GetEntityIfExistsAsync<TableEntity>(partition, sms.MessageId, cancellationToken: cancellationToken);
        if (seen.HasValue)
        {
            // Twilio retries only when it did not get our answer: give the same answer again, with no new effect.
            ConsentLog.InboundSmsDuplicate(logger, sms.MessageId);
            return seen.Value!.GetString("Reply");
        }

        // Twilio's Advanced Opt-Out has the last word on what a message was, whatever its words.
        var keyword = sms.OptOutType switch
        {
            "STOP" => SmsKeyword.Stop,
            "START" => SmsKeyword.Start,
            "HELP" => SmsKeyword.Help,
            _ => SmsKeywords.Classify(sms.Body),
        };
        ConsentLog.InboundSms(logger, sms.MessageId, keyword.ToString());
        var how = "sms:" + sms.MessageId;
        var reply = keyword switch
        {
            SmsKeyword.Yes => await AnswerAsync(sms.From, ConsentState.Granted, how, cancellationToken),
            SmsKeyword.No => await AnswerAsync(sms.From, ConsentState.Declined, how, cancellationToken),
            SmsKeyword.Stop => await OptOutAsync(sms, how, cancellationToken),
            SmsKeyword.Start => await OptInAsync(sms, how, cancellationToken),
            SmsKeyword.Help => await HelpAsync(sms, cancellationToken),
            _ => await OtherAsync(sms, cancellationToken),
        };

        // Marked handled only once handled: a retry after a failure half way does it again (every
        // step above is safe to repeat), rather than losing a STOP.
        await inbound.UpsertEntityAsync(
            new TableEntity(partition, sms.MessageId) { ["Keyword"] = keyword.ToString(), ["Reply"] = reply, ["HandledAt"] = time.GetUtcNow() },
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
        var partition = ConsentStore.AddressKey(Channel.Sms, phone);
        var forgotten = 0;
        await foreach (var row in inbound.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            // The acknowledgement window goes too, but it is not a message the number sent.
            if (await inbound.TryDeleteAsync(partition, row.RowKey, ETag.All, cancellationToken) && row.RowKey != ReplyAcknowledgements.WindowRow)
            {
                forgotten++;
            }
        }

        return forgotten;
    }

    private async Task<string> AnswerAsync(string from, ConsentState answer, string how, CancellationToken cancellationToken)
    {
        var shown = answer == ConsentState.Granted ? ConsentWording.SmsGranted([]) : ConsentWording.SmsDeclined([]);
        var organizers = await consents.AnswerPendingRequestsAsync(Channel.Sms, from, answer, how, shown, cancellationToken);
        if (organizers.Count == 0)
        {
            return ConsentWording.SmsNothingPending;
        }

        return answer == ConsentState.Granted ? ConsentWording.SmsGranted(organizers) : ConsentWording.SmsDeclined(organizers);
    }

    private async Task<string?> OptOutAsync(IncomingSms sms, string how, CancellationToken cancellationToken)
    {
        // Confirmed once: a STOP from a number already opted out is kept in the ledger and answered
        // with nothing. And none if Twilio's Advanced Opt-Out already sent its own.
        var outcome = await optOuts.OptOutAsync(Channel.Sms, sms.From, how, ConsentWording.SmsOptedOut, shownTextIfAlreadyOptedOut: "", cancellationToken);
        return sms.OptOutType == "STOP" || !outcome.IsNew ? null : ConsentWording.SmsOptedOut;
    }

    /// <summary>HELP says who we are; to a number that opted out, that it is opted out and how to undo it.</summary>
    private async Task<string?> HelpAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        if (sms.OptOutType == "HELP")
        {
            return null;
        }

        var contact = service.Value.ContactOrDefault;
        return await consents.IsOptedOutAsync(Channel.Sms, sms.From, cancellationToken) ? ConsentWording.SmsHelpOptedOut(contact) : ConsentWording.SmsHelp(contact);
    }

    private async Task<string?> OptInAsync(IncomingSms sms, string how, CancellationToken cancellationToken)
    {
        var organizers = await consents.OptInAsync(Channel.Sms, sms.From, how, ConsentWording.SmsOptedIn([]), cancellationToken);
        return sms.OptOutType == "START" ? null : ConsentWording.SmsOptedIn(organizers);
    }

    /// <summary>
    /// Anything else is a reply. "Yes please", "ok" and the like are not consent, but while a request
    /// waits for this number's answer the first such message gets one hint to reply YES.
    /// </summary>
    /// <remarks>
    /// A number that opted out is sent nothing, not even an answer: its words are still kept and passed
    /// on. A hint is the one answer to its message, so it does not use up the reply's acknowledgement.
    /// </remarks>
    private async Task<string?> OtherAsync(IncomingSms sms, CancellationToken cancellationToken)
    {
        var optedOut = await consents.IsOptedOutAsync(Channel.Sms, sms.From, cancellationToken);
        var hintFor = !optedOut && SmsKeywords.MeansYesInPlainWords(sms.Body)
            ? await consents.MarkYesHintAsync(Channel.Sms, sms.From, cancellationToken)
            : [];
        var answer = await KeepReplyAsync(sms, acknowledge: !optedOut && hintFor.Count == 0, cancellationToken);
        return optedOut ? null : hintFor.Count > 0 ? ConsentWording.SmsReplyYesToAgree(hintFor) : answer;
    }

    private async Task<string?> KeepReplyAsync(IncomingSms sms, bool acknowledge, CancellationToken cancellationToken)
    {
        CheckInRecord? latest = null;
        foreach (var found in await recipients.ForAddressAsync(Channel.Sms, sms.From, cancellationToken))
        {
            var checkIn = await events.GetCheckInAsync(found.EventId, found.CheckInId, cancellationToken);
            if (checkIn?.SentAt is not null && (latest is null || checkIn.SentAt > latest.SentAt))
            {
                latest = checkIn;
            }
        }

        if (latest is null)
        {
            // Nothing of ours went to this number: nothing to keep it with, and nobody to tell.
            return null;
        }

        // The one place a reply is recorded: kept with the check-in it answers, then passed on.
        await events.AddReplyAsync(latest.EventId, new CheckInReply(latest.Id, StoredText.Truncate(sms.Body.Trim(), StoredText.MaxReplyLength), time.GetUtcNow()), sms.MessageId, cancellationToken);
        await (notifications?.ReplyReceivedAsync(latest, sms.MessageId, CancellationToken.None) ?? Task.CompletedTask);
        var (outcome, organizer) = await relays.RelayAsync(latest, sms.MessageId, cancellationToken);

        // One honest answer per conversation, not one per message: a reply about another event, or
        // whose fate differs from what they were last told, is a new one.
        return acknowledge && await acknowledgements.TryOpenWindowAsync(sms.From, ReplyAcknowledgements.Conversation(latest.EventId, outcome), cancellationToken)
            ? ReplyAcknowledgements.Text(outcome, organizer)
            : null;
    }
}

using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;

namespace AftercareNudge.Consent;

/// <summary>
/// Skips at once what a person's answer rules out, instead of leaving it scheduled until it falls due:
/// a STOP or an unsubscribe (everything to the address, from anyone: <see cref="OptOuts"/>), a NO to an
/// organiser (their check-ins to the address on that channel, by <see cref="SmsKeywordAnswers"/> and <see cref="ConsentPages"/>), and
/// check-ins planned to an address that had already said so (<see cref="RefusedCheckIns"/>).
/// </summary>
/// <remarks>
/// The skips are written first, each conditional on the check-in's ETag (a dispatch run that holds one
/// asks the gate again before it sends); then, best effort, each skipped check-in to someone else gets
/// its organiser notice, due when it would have arrived (<see cref="SkippedByRecipient"/>). A crash in
/// between loses those notices, never the skip.
/// </remarks>
public sealed class ConsentSkips(
    RecipientCheckIns recipients,
    EventStore events,
    DomainEvents<SkippedByRecipient> skippedByRecipient,
    DomainEvents<CheckInFinished> finished,
    ILogger<ConsentSkips> logger)
{
    /// <summary>
    /// Every check-in still waiting for the address on the channel, across every event (of one organiser
    /// when <paramref name="organizerId"/> is given, and then only the event's own messages to the
    /// person: check-ins, reminders and fallbacks), becomes skipped with <paramref name="reason"/>.
    /// Returns how many. Safe to repeat: only check-ins still scheduled are touched.
    /// </summary>
    public async Task<int> SkipForAddressAsync(Channel channel, string address, string? organizerId, string reason, CancellationToken cancellationToken)
    {
        var waiting = new List<CheckInRecord>();
        var organizers = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var found in await recipients.ForAddressAsync(channel, address, cancellationToken))
        {
            var checkIn = await events.GetCheckInAsync(found.EventId, found.CheckInId, cancellationToken);
            if (checkIn is not { Status: CheckInStatus.Scheduled })
            {
                continue;
            }

            if (organizerId is not null)
            {
                if (checkIn.Kind is not (CheckInKind.CheckIn or CheckInKind.Reminder or CheckInKind.Fallback))
                {
                    continue;
                }

                if (!organizers.TryGetValue(checkIn.EventId, out var ofEvent))
                {
                    ofEvent = (await events.GetEventAsync(checkIn.EventId, cancellationToken))?.OrganizerId;
                    organizers[checkIn.EventId] = ofEvent;
                }

                if (ofEvent != organizerId)
                {
                    continue;
                }
            }

            waiting.Add(checkIn);
        }

        return (await SkipAsync(waiting, reason, cancellationToken)).Count;
    }

    /// <summary>Skips <paramref name="checkIns"/> (those still scheduled) with <paramref name="reason"/>; returns them as now stored.</summary>
    public async Task<IReadOnlyList<CheckInRecord>> SkipAsync(IEnumerable<CheckInRecord> checkIns, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkIns);
        var ended = new List<CheckInRecord>();
        foreach (var planned in checkIns.Where(c => c.Status == CheckInStatus.Scheduled))
        {
            // A check-in just planned has no ETag yet: the write is conditional on the one stored.
            var checkIn = planned.ETag == default ? await events.GetCheckInAsync(planned.EventId, planned.Id, cancellationToken) : planned;
            if (checkIn is not { Status: CheckInStatus.Scheduled })
            {
                continue;
            }

            try
            {
                ended.Add(await events.UpdateCheckInAsync(checkIn with { Status = CheckInStatus.Skipped, Reason = reason }, cancellationToken));
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                // A dispatch run holds it: it asks the gate again before sending.
            }
        }

        ConsentLog.PendingSkipped(logger, ended.Count);
        foreach (var checkIn in ended)
        {
            try
            {
                await skippedByRecipient.RaiseAsync(new SkippedByRecipient(checkIn), CancellationToken.None);
            }
            catch (Exception e) when (e is RequestFailedException or OperationCanceledException)
            {
                ConsentLog.NoticeAfterStopFailed(logger, e, checkIn.EventId);
            }

            await finished.RaiseAsync(new CheckInFinished(checkIn), CancellationToken.None);
        }

        return ended;
    }
}

/// <summary>
/// Check-ins planned (at registration, or by a change) to an address that has already refused them, by
/// opting out of the channel or declining this organiser on it, are skipped at once rather than left to
/// wait for consent that will not come.
/// </summary>
public sealed class RefusedCheckIns(ConsentGate gate, ConsentSkips skips)
{
    /// <summary>Returns <paramref name="checkIns"/> with those skipped now as stored.</summary>
    public async Task<IReadOnlyList<CheckInRecord>> SkipAsync(EventRecord record, IReadOnlyList<CheckInRecord> checkIns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(checkIns);
        var answers = new Dictionary<(string, Channel), GateAnswer>();
        var refused = new List<(CheckInRecord CheckIn, string Reason)>();
        foreach (var checkIn in checkIns.Where(c => c is { Status: CheckInStatus.Scheduled, Kind: CheckInKind.CheckIn or CheckInKind.Reminder }))
        {
            if (record.Find(checkIn.To) is not { } person)
            {
                continue;
            }

            if (!answers.TryGetValue((person.Key, checkIn.Channel), out var answer))
            {
                answer = await gate.AskAsync(record, person, checkIn.Channel, cancellationToken);
                answers[(person.Key, checkIn.Channel)] = answer;
            }

            if (answer is GateAnswer.OptedOut or GateAnswer.Declined)
            {
                refused.Add((checkIn, answer.SkipReason()));
            }
        }

        if (refused.Count == 0)
        {
            return checkIns;
        }

        var skipped = new Dictionary<string, CheckInRecord>(StringComparer.Ordinal);
        foreach (var group in refused.GroupBy(r => r.Reason, StringComparer.Ordinal))
        {
            foreach (var ended in await skips.SkipAsync(group.Select(r => r.CheckIn), group.Key, cancellationToken))
            {
                skipped[ended.Id] = ended;
            }
        }

        return [.. checkIns.Select(c => skipped.GetValueOrDefault(c.Id, c))];
    }
}

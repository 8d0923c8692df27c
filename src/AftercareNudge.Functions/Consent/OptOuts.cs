using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;

namespace AftercareNudge.Consent;

/// <summary>What an opt-out came to: whether it was new (not opted out before: confirm it), and how many check-ins it skipped.</summary>
public sealed record OptOutOutcome(bool IsNew, int Skipped);

/// <summary>
/// The one way an address stops everything, whichever way it said so: STOP by text (<see cref="SmsKeywordAnswers"/>),
/// the unsubscribe page or a mail client's one-click (<see cref="ConsentPages"/>), SendGrid's unsubscribe, spam
/// report or hard bounce (<see cref="SendGridEvents"/>). Records the global opt-out with what the person was
/// shown, then skips every check-in still waiting for the address, across every event.
/// </summary>
public sealed class OptOuts(
    ConsentStore consents,
    RecipientCheckIns recipients,
    EventStore events,
    DomainEvents<SkippedForOptOut> skippedForOptOut,
    ILogger<OptOuts> logger,
    DomainEvents<CheckInFinished> finished)
{
    /// <summary>The opt-out, in the ledger with <paramref name="how"/> and <paramref name="shownText"/>; then the skips.</summary>
    /// <remarks>Safe to repeat: the opt-out is a state, and skipping touches only check-ins still scheduled.</remarks>
    public Task<OptOutOutcome> OptOutAsync(Channel channel, string address, string how, string shownText, CancellationToken cancellationToken) =>
        OptOutAsync(channel, address, how, shownText, shownText, cancellationToken);

    /// <summary>
    /// The opt-out, confirmed once: <see cref="OptOutOutcome.IsNew"/> says whether this one opted the
    /// address out (only then is it confirmed, and client webhooks told). An address already out
    /// keeps this revocation in the ledger too, as evidence, with <paramref name="shownTextIfAlreadyOptedOut"/>.
    /// </summary>
    public async Task<OptOutOutcome> OptOutAsync(Channel channel, string address, string how, string shownText, string shownTextIfAlreadyOptedOut, CancellationToken cancellationToken)
    {
        var isNew = await consents.OptOutAsync(new ConsentDecision(channel, address, null, ConsentState.OptedOut, how, shownText), shownTextIfAlreadyOptedOut, cancellationToken);
        ConsentLog.OptedOut(logger, channel, isNew);

        // Skipped even when not new: a check-in scheduled by a race with the first opt-out is caught here.
        return new OptOutOutcome(isNew, await SkipPendingAsync(channel, address, cancellationToken));
    }

    /// <summary>Every check-in still waiting for this address becomes skipped (opted-out), across every event.</summary>
    /// <remarks>
    /// The skips are written first (a STOP is instant); then, best effort, each skipped check-in to
    /// someone else gets its organiser notice, due when the check-in would have arrived. A crash in
    /// between loses those notices, never the stop.
    /// </remarks>
    private async Task<int> SkipPendingAsync(Channel channel, string address, CancellationToken cancellationToken)
    {
        var skipped = 0;
        var ended = new List<CheckInRecord>();
        foreach (var found in await recipients.ForAddressAsync(channel, address, cancellationToken))
        {
            var checkIn = await events.GetCheckInAsync(found.EventId, found.CheckInId, cancellationToken);
            if (checkIn is not { Status: CheckInStatus.Scheduled })
            {
                continue;
            }

            try
            {
                ended.Add(await events.UpdateCheckInAsync(checkIn with { Status = CheckInStatus.Skipped, Reason = CheckInReasons.OptedOut }, cancellationToken));
                skipped++;
            }
            catch (RequestFailedException e) when (e.IsPreconditionFailed())
            {
                // A dispatch run holds it: it re-checks the opt-out before sending.
            }
        }

        ConsentLog.PendingSkipped(logger, skipped);
        foreach (var checkIn in ended)
        {
            try
            {
                await skippedForOptOut.RaiseAsync(new SkippedForOptOut(checkIn), CancellationToken.None);
            }
            catch (Exception e) when (e is RequestFailedException or OperationCanceledException)
            {
                ConsentLog.NoticeAfterStopFailed(logger, e, checkIn.EventId);
            }

            await finished.RaiseAsync(new CheckInFinished(checkIn), CancellationToken.None);
        }

        return skipped;
    }
}

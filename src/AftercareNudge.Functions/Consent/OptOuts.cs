using AftercareNudge.Schedule;

namespace AftercareNudge.Consent;

/// <summary>What an opt-out came to: whether it was new (not opted out before: confirm it), and how many check-ins it skipped.</summary>
public sealed record OptOutOutcome(bool IsNew, int Skipped);

/// <summary>
/// The one way an address stops everything, whichever way it said so: STOP by text (<see cref="SmsKeywordAnswers"/>),
/// the unsubscribe page or a mail client's one-click (<see cref="ConsentPages"/>), SendGrid's unsubscribe, spam
/// report or hard bounce (<see cref="SendGridEvents"/>). Records the global opt-out with what the person was
/// shown, then skips every check-in still waiting for the address, across every event.
/// </summary>
public sealed class OptOuts(ConsentStore consents, ConsentSkips skips, ILogger<OptOuts> logger)
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
        // A hard bounce suppresses the same, but is told as what it is: the address does not accept mail.
        var reason = ConsentStore.IsBounce(how) ? CheckInReasons.Undeliverable : CheckInReasons.OptedOut;
        return new OptOutOutcome(isNew, await skips.SkipForAddressAsync(channel, address, organizerId: null, reason, cancellationToken));
    }
}

namespace AftercareNudge.Consent;

/// <summary>
/// Told of every consent decision once it is recorded (the ledger line and the state in force), so
/// that what waits on a decision (a reply kept for an organiser who had not confirmed) need not be
/// called by each place a decision is made. An observer that fails fails the call that recorded the
/// decision, after it was recorded: what it does must be safe to do again.
/// </summary>
public interface IConsentObserver
{
    Task ConsentRecordedAsync(ConsentDecision decision, CancellationToken cancellationToken);
}

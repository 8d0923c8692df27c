using AftercareNudge.Consent;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;

namespace AftercareNudge.Safety;

/// <summary>
/// Alerts are never lost. An alert that fails for good (a permanent failure, its retries spent, or a
/// delivery report that says it did not arrive) goes once more on the contact's other channel, if they
/// have an address there and did not opt out on it: their agreement is to alerts, whichever channel.
/// It is a row of its own (<see cref="SafetyLadder.FallbackId"/>, made once), an alert like any other:
/// composed and committed on the net by <see cref="SafetySteps"/> (same words, withheld by an answer,
/// sent at once after the duress word, not held by the client's quota). The client hears
/// <c>escalation.failed</c> only when the contact could be reached on no channel.
/// </summary>
public sealed class EscalationOutcomes(
    EventStore events,
    ConsentStore consents,
    RecipientCheckIns recipients,
    DueCheckInIndex dueIndex,
    TimeProvider time,
    ILogger<EscalationOutcomes> logger,
    DomainEvents<SafetyNetChanged> netChanged)
{
    /// <summary>Reasons that say the contact chose, or the plan lost them: no other channel should try.</summary>
    private static readonly HashSet<string> NoFallbackReasons = new(StringComparer.Ordinal) { CheckInReasons.OptedOut, CheckInReasons.RecipientMissing };

    /// <summary>
    /// For <paramref name="ended"/> (an alert as it is about to be recorded): makes its fallback on the
    /// contact's other channel if it failed for good and they can be reached there, and says whether it
    /// has one. Safe to repeat: a fallback made before stays the only one (consent may have changed since).
    /// </summary>
    public async Task<bool> FallBackAsync(CheckInRecord ended, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ended);
        if (!MayFallBack(ended))
        {
            return false;
        }

        var id = SafetyLadder.FallbackId(ended.Id);
        if (await events.GetCheckInAsync(ended.EventId, id, cancellationToken) is not null)
        {
            return true;
        }

        var other = ended.Channel == Channel.Sms ? Channel.Email : Channel.Sms;
        var record = await events.GetEventAsync(ended.EventId, cancellationToken);
        if (record?.Find(ended.To) is not { } contact || contact.Address(other) is not { } address
            || await consents.IsOptedOutAsync(other, address, cancellationToken))
        {
            return false;
        }

        var now = StoredTime.WholeMilliseconds(time.GetUtcNow());
        // Promised for the alert's own moment (its dueAt stays), on the other channel.
        var fallback = ended.Unsent(id, now) with { Channel = other };

        // As at registration: who it goes to and its due-index row first, then the row, so that neither a
        // STOP nor the dispatcher can miss it. False: made a moment ago by someone else, and once is once.
        await recipients.AddAsync(record, [fallback], cancellationToken);
        await dueIndex.AddAsync([new DueEntry(record.Id, fallback.Id, fallback.NextAttemptAt, record.ClientId)], cancellationToken);
        if (await events.AddCheckInAsync(fallback, cancellationToken))
        {
            EscalationLog.FallbackMade(logger, record.Id, ended.Id, other);
        }

        return true;
    }

    /// <summary>
    /// A rung recorded as it ended (by the dispatcher, or by a delivery report): the client is told what
    /// became of the escalation. An alert sent, <c>escalation.sent</c>; an alert that failed,
    /// <c>escalation.failed</c>, unless its fallback tries the other channel (then the fallback's end tells);
    /// an all-clear sent, <c>escalation.cleared</c>. Never about an alert the duress word sent, nor an urgent
    /// follow-up: the client must see only the answer (someone may be holding the app; <see cref="DuressMask"/>). Best effort: the end is recorded already.
    /// </summary>
    public async Task TellAsync(CheckInRecord final)
    {
        ArgumentNullException.ThrowIfNull(final);
        var change = (final.Kind, final.Status) switch
        {
            (CheckInKind.Alert, CheckInStatus.Sent) => SafetyNetChange.EscalationSent,
            (CheckInKind.Alert, CheckInStatus.Failed) => SafetyNetChange.EscalationFailed,
            (CheckInKind.AllClear, CheckInStatus.Sent) => SafetyNetChange.EscalationCleared,
            _ => (SafetyNetChange?)null,
        };
        if (change is null || final.RelatesTo is not { } armedId)
        {
            return;
        }

        try
        {
            if (final.Kind == CheckInKind.Alert && DuressMask.Hides(final, await events.GetAwaitedAsync(final.EventId, armedId, CancellationToken.None)))
            {
                return;
            }

            if (change == SafetyNetChange.EscalationFailed && !SafetyLadder.IsFallbackId(final.Id)
                && await events.GetCheckInAsync(final.EventId, SafetyLadder.FallbackId(final.Id), CancellationToken.None) is not null)
            {
                return;
            }

            await netChanged.RaiseAsync(new SafetyNetChanged(final.EventId, armedId, change.Value, final.To, final.Channel), CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            EscalationLog.NetNotTold(logger, e, final.EventId, final.Id);
        }
    }

    /// <summary>
    /// An alert (never a fallback: one other channel, never a chain) that failed for good: a permanent
    /// failure, a delivery report of one, or a send of unknown outcome whose retries are spent (a duplicate
    /// alert is better than none). Not when the contact opted out, nor when the plan lost them.
    /// </summary>
    internal static bool MayFallBack(CheckInRecord ended) =>
        ended.Kind is CheckInKind.Alert or CheckInKind.UrgentAlert
        && ended.Status == CheckInStatus.Failed
        && !SafetyLadder.IsFallbackId(ended.Id)
        && (ended.Reason is null || !NoFallbackReasons.Contains(ended.Reason));
}

/// <summary>Escalation log messages (event ids 1210-1214): ids and channels only, never an address or a message's words.</summary>
internal static partial class EscalationLog
{
    [LoggerMessage(EventId = 1210, EventName = "AlertFallbackMade", Level = LogLevel.Information, Message = "Alert {EventId}/{AlertId} did not arrive: it goes once more by {Channel}")]
    public static partial void FallbackMade(ILogger logger, string eventId, string alertId, Channel channel);

    [LoggerMessage(EventId = 1211, EventName = "SafetyNetNotTold", Level = LogLevel.Warning, Message = "Rung {EventId}/{RungId} ended, but its client could not be told what became of the safety net")]
    public static partial void NetNotTold(ILogger logger, Exception exception, string eventId, string rungId);
}

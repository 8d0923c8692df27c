using AftercareNudge.Consent;
using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

/// <summary>
/// A trusted contact who stops our messages (STOP, an unsubscribe, a bounce) on the channel their alert
/// would go by, or declines their request, leaves a gap in every safety net naming them that has not
/// closed: their role ends at once (the alert's gate skips them), the client is told at once
/// (<see cref="SafetyNetChange.ContactLeft"/>), and the organiser by a notice put on
/// <see cref="SafetyNoticeList"/>, which <see cref="SafetyNotices"/> sends on a channel they agreed to.
/// </summary>
/// <remarks>
/// A consent decision's handler: it must not need the consent store or gate (they raise the decision),
/// so it only writes a row and raises an event. Safe to run again: the row is one per event and contact,
/// the webhook one per fact, and the notice is marked done before it goes.
/// </remarks>
public sealed class ContactGaps(
    EventStore events,
    RecipientCheckIns recipients,
    SafetyNoticeList notices,
    DomainEvents<SafetyNetChanged> netChanged,
    TimeProvider time,
    ILogger<ContactGaps> logger) : IHandles<ConsentChanged>
{
    public async Task HandleAsync(ConsentChanged domainEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        var left = new List<(string EventId, string ContactKey)>();
        if (domainEvent.Change == ConsentChange.Declined && SafetyLadder.ParseContactConsentId(domainEvent.OrganizerId) is var (eventId, contactKey, _))
        {
            left.Add((eventId, contactKey));
        }
        else if (domainEvent.OrganizerId is null && domainEvent.Change is ConsentChange.OptedOut or ConsentChange.Undeliverable)
        {
            foreach (var id in (await recipients.ForAddressAsync(domainEvent.Channel, domainEvent.Address, cancellationToken)).Select(r => r.EventId).Distinct(StringComparer.Ordinal))
            {
                if (await events.GetEventAsync(id, cancellationToken) is { } found)
                {
                    left.AddRange(found.People
                        .Where(p => p.IsTrustedContact() && p.Channels().FirstOrDefault() == domainEvent.Channel && SameAddress(p.Address(domainEvent.Channel), domainEvent.Address, domainEvent.Channel))
                        .Select(p => (id, p.Key)));
                }
            }
        }

        foreach (var gap in left.Distinct())
        {
            await LeaveAsync(gap.EventId, gap.ContactKey, cancellationToken);
        }
    }

    private async Task LeaveAsync(string eventId, string contactKey, CancellationToken cancellationToken)
    {
        var record = await events.GetEventAsync(eventId, cancellationToken);
        if (record is null || record.IsOver || record.Find(contactKey) is not { } contact || !contact.IsTrustedContact())
        {
            return;
        }

        var now = time.GetUtcNow();
        var open = OpenNaming(await events.GetAwaitedForEventAsync(eventId, cancellationToken), contactKey, now);
        if (open.Count == 0)
        {
            return;
        }

        SafetyNoticeLog.ContactLeft(logger, eventId, contactKey, open.Count);
        await notices.PutAsync(now, eventId, contactKey, ContactNoticeReasons.Left, cancellationToken);
        foreach (var net in open)
        {
            await netChanged.RaiseAsync(
                new SafetyNetChanged(eventId, net.CheckInId, SafetyNetChange.ContactLeft, contactKey, contact.Channels().FirstOrDefault(), record.ClientId),
                cancellationToken);
        }
    }

    /// <summary>
    /// The safety nets naming the contact that have not closed and whose alert to them has not gone: a
    /// gap there still matters. Earliest first.
    /// </summary>
    internal static IReadOnlyList<AwaitedReply> OpenNaming(IReadOnlyList<AwaitedReply> nets, string contactKey, DateTimeOffset now) =>
        nets.Where(n => n.Net.EscalateTo.Contains(contactKey, StringComparer.Ordinal)
                && n.State is AwaitState.Waiting or AwaitState.Reminded or AwaitState.Escalated
                && now <= n.AlertAt + AwaitedReply.OpenAfterAlert
                && !(n.Alerted ?? []).Contains(contactKey, StringComparer.Ordinal))
            .OrderBy(n => n.DueAt)
            .ToList();

    private static bool SameAddress(string? a, string b, Channel channel) =>
        a is not null && (channel == Channel.Sms ? a == b : string.Equals(a, b, StringComparison.OrdinalIgnoreCase));
}

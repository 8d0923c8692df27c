using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

/// <summary>
/// A trusted contact's answer takes effect on the event: a YES to a request records the terms it showed
/// as the ones they agreed to (an alert goes only while the event's terms are still those), a NO clears
/// them. Their NIGHT YES or NIGHT NO says whether an alert may reach them in their quiet hours.
/// </summary>
public sealed class ContactAgreements(EventStore events, RecipientCheckIns recipients) : IHandles<ConsentChanged>
{
    public async Task HandleAsync(ConsentChanged domainEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domainEvent);
        if (SafetyLadder.ParseContactConsentId(domainEvent.OrganizerId) is not var (eventId, contactKey, terms)
            || domainEvent.Change is not (ConsentChange.Granted or ConsentChange.Declined))
        {
            return;
        }

        var agreed = domainEvent.Change == ConsentChange.Granted ? terms : null;
        await events.ChangeEventAsync(
            eventId,
            e => e.People.Any(p => p.Key == contactKey && p.IsTrustedContact() && p.AgreedAlerts != agreed)
                ? e with { People = e.People.Select(p => p.Key == contactKey ? p with { AgreedAlerts = agreed } : p).ToList() }
                : null,
            cancellationToken);
    }

    /// <summary>
    /// NIGHT YES or NIGHT NO from a number that is a trusted contact who agreed: recorded for every
    /// event in which it is one. Returns the answer to send, or null when the message is not that.
    /// </summary>
    public async Task<string?> AnswerNightAsync(string phone, string body, CancellationToken cancellationToken)
    {
        bool? allowed = SmsKeywords.Normalize(body) switch
        {
            "night yes" => true,
            "night no" => false,
            _ => null,
        };
        if (allowed is null)
        {
            return null;
        }

        var isContact = false;
        foreach (var eventId in (await recipients.ForAddressAsync(Channel.Sms, phone, cancellationToken)).Select(r => r.EventId).Distinct(StringComparer.Ordinal))
        {
            await events.ChangeEventAsync(
                eventId,
                e =>
                {
                    if (e.IsOver || !e.People.Any(p => p.IsTrustedContact() && p.Phone == phone && p.AgreedAlerts is not null))
                    {
                        return null;
                    }

                    isContact = true;
                    return e.People.Any(p => p.IsTrustedContact() && p.Phone == phone && p.AlertsInQuietHours != allowed)
                        ? e with { People = e.People.Select(p => p.IsTrustedContact() && p.Phone == phone ? p with { AlertsInQuietHours = allowed } : p).ToList() }
                        : null;
                },
                cancellationToken);
        }

        // From anyone else, NIGHT YES is a message like any other.
        return !isContact ? null : allowed.Value ? SafetyWording.NightAllowed : SafetyWording.NightHeld;
    }
}

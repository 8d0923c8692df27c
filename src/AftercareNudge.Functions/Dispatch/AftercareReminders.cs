using AftercareNudge.Consent;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;

namespace AftercareNudge.Dispatch;

/// <summary>
/// Builds an aftercare reminder email when it is due, from the event as it is then: the plan, the needs
/// of everyone who agreed to them, and the check-ins still to come, in the recipient's zone.
/// </summary>
public sealed class AftercareReminders(EventStore events, ConsentGate gate, TimeProvider time)
{
    public async Task<EmailMessage> BuildAsync(EventRecord record, Participant recipient, string address, CheckInRecord reminder)
    {
        var found = await events.GetAsync(record.Id, CancellationToken.None);
        var stillToCome = (found?.CheckIns ?? [])
            .Where(c => c.Kind == CheckInKind.CheckIn && c.Status == CheckInStatus.Scheduled)
            .Select(c => new ReminderCheckIn(record.Find(c.To)?.Name ?? "", c.To == recipient.Key, c.Channel, c.DueAt))
            .ToList();

        var needs = new List<ReminderNeeds>();
        foreach (var person in record.Everyone.Where(p => !string.IsNullOrEmpty(p.Needs)))
        {
            if (await NeedsMayBeSharedAsync(record, person))
            {
                needs.Add(new ReminderNeeds(person.Name, person.Needs, person.Key == recipient.Key));
            }
        }

        var content = ReminderEmail.Build(new ReminderEmailInput(
            record.Organizer.Name,
            recipient.Name,
            recipient.Key == Participant.OrganizerKey,
            recipient.TimeZone,
            time.GetUtcNow(),
            record.StartsAtUtc,
            record.EndsAtUtc,
            record.Plan,
            needs,
            stillToCome));
        return new EmailMessage(address, recipient.Name, content.Subject, content.Text, content.Html, MessageKinds.Reminder, record.Id, reminder.Id);
    }

    /// <summary>
    /// Someone's needs are shared while they agree to them: the organiser wrote them; a person with an
    /// email agreed to this version of the plan on the consent page and has not declined or unsubscribed
    /// since; a person with only a phone, who cannot see the page, agrees to this organiser's texts.
    /// </summary>
    private async Task<bool> NeedsMayBeSharedAsync(EventRecord record, Participant person)
    {
        if (person.Key == Participant.OrganizerKey)
        {
            return true;
        }

        if (AftercarePlan.MustAgree(record, person))
        {
            // Agreed to these words, and still agreeing: a decline or an unsubscribe withdraws them.
            return await gate.MayReachAsync(record, person, Channel.Email, CancellationToken.None);
        }

        return await gate.MayReachAsync(record, person, Channel.Sms, CancellationToken.None);
    }
}

using AftercareNudge.Consent;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

/// <summary>
/// Cancelling an event after its contacts were alerted sends them no all-clear (only the person's
/// answer does) but tells them the check-in was cancelled, so that nobody waits for news that will not
/// come. Not after a duress answer: a cancellation then may come from whoever holds the person's app,
/// and must not stand the contacts down. Best effort, once (when the event is cancelled, or when the
/// organiser's address is erased: then the message names nobody).
/// </summary>
public sealed class SafetyCancellations(ConsentStore consents, ISmsSender sms, IEmailSender email, ILogger<SafetyCancellations> logger)
{
    public async Task TellContactsAsync(EventRecord record, IReadOnlyList<AwaitedReply> nets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(nets);
        var name = RemovedNames.Readable(record.Organizer.Name);
        foreach (var net in nets.Where(n => n is { State: AwaitState.Escalated, DuressAt: null }))
        {
            foreach (var key in net.Alerted ?? [])
            {
                if (record.Find(key) is not { } contact || contact.Channels().FirstOrDefault() is var channel && contact.Address(channel) is not { } address)
                {
                    continue;
                }

                try
                {
                    if (await consents.IsOptedOutAsync(channel, address, cancellationToken))
                    {
                        continue;
                    }

                    var text = SafetyWording.CancelledAfterAlert(name);
                    _ = channel == Channel.Sms
                        ? await sms.SendAsync(new SmsMessage(address, text, MessageKinds.SafetyCancelled, record.Id, null), cancellationToken)
                        : await email.SendAsync(new EmailMessage(address, contact.Name, SafetyWording.CancelledAfterAlertSubject(name), text, Notices.EmailHtml(text, null), MessageKinds.SafetyCancelled, record.Id, null), cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    SafetyLog.CancellationNotTold(logger, e, record.Id, key);
                }
            }
        }
    }
}

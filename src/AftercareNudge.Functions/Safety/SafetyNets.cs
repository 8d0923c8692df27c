using AftercareNudge.Schedule;

namespace AftercareNudge.Safety;

/// <summary>
/// Arming: a check-in to the organiser by SMS gets its safety net (<see cref="AwaitedReply"/>), and
/// their number's row in <see cref="RecipientCheckIns"/> is marked, so that their messages are offered
/// to it as answers (<see cref="AwaitedAnswers"/>). Both writes are safe to repeat.
/// </summary>
public sealed class SafetyNets(EventStore events, RecipientCheckIns recipients)
{
    public async Task ArmAsync(EventRecord record, CheckInRecord checkIn, SafetyNet net, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(checkIn);
        if (checkIn is not { To: Participant.OrganizerKey, Channel: Channel.Sms } || record.Organizer.Phone is not { } phone)
        {
            throw new ArgumentException("Only a check-in to the organiser by SMS can wait for their answer.", nameof(checkIn));
        }

        await events.ArmAsync(new AwaitedReply(record.Id, checkIn.Id, net, checkIn.DueAt), cancellationToken);
        await events.ChangeCheckInAsync(record.Id, checkIn.Id, c => c.AwaitsReply ? null : c with { AwaitsReply = true }, cancellationToken);
        await recipients.MarkAwaitingAsync(Channel.Sms, phone, record.Id, checkIn.Id, cancellationToken);
    }
}

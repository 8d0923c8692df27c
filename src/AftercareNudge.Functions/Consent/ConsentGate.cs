using AftercareNudge.Schedule;

namespace AftercareNudge.Consent;

/// <summary>What the consent gate answers about one message to one address, and why.</summary>
public enum GateAnswer
{
    /// <summary>The message may go.</summary>
    Allowed,

    /// <summary>The address opted out of the channel (STOP, unsubscribe, a provider's opt-out): nothing goes, from anyone.</summary>
    OptedOut,

    /// <summary>Email to the address hard-bounced: nothing goes, from anyone, as for an opt-out.</summary>
    Undeliverable,

    /// <summary>Not asked yet, or asked and not answered, for this organiser on this channel.</summary>
    NotAgreed,

    /// <summary>The recipient said no to this organiser on this channel.</summary>
    Declined,

    /// <summary>Agreed to the channel, but not to any version of the aftercare plan the message carries.</summary>
    PlanNotAgreed,

    /// <summary>Agreed to the channel and to an earlier version of the plan, not to this one.</summary>
    PlanChanged,
}

/// <summary>
/// The one answer to "may this message reach this address, on this channel, from this organiser,
/// now", asked by every sender: check-ins, fallbacks, notices to organisers, relayed replies,
/// reminders, consent requests, and the GET view's account of why. The rule, in its order:
/// <list type="number">
/// <item>the address's opt-out of the channel wins over anything given to anyone;</item>
/// <item>then this organiser's consent on this channel, which must be given;</item>
/// <item>then, when the message carries the aftercare plan, the recipient's agreement to the plan as it now reads.</item>
/// </list>
/// Which channel a notice or a relay goes by is routing, decided by its sender, not here. The gate
/// reads the address's two consent rows in one storage request (<see cref="ConsentStore.GetAsync"/>).
/// </summary>
public sealed class ConsentGate(ConsentStore consents)
{
    /// <summary>Asks the gate about a message to <paramref name="person"/> of <paramref name="record"/> by <paramref name="channel"/>.</summary>
    /// <returns><see cref="GateAnswer.NotAgreed"/> when the person has no address on the channel.</returns>
    public async Task<GateAnswer> AskAsync(EventRecord record, Participant person, Channel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(person);
        if (person.Address(channel) is not { } address)
        {
            return GateAnswer.NotAgreed;
        }

        var inForce = await consents.GetAsync(channel, address, record.OrganizerId, cancellationToken);
        return Decide(inForce, CarriesPlan(channel), record, person);
    }

    /// <summary>Whether the message may go: <see cref="AskAsync"/> answered <see cref="GateAnswer.Allowed"/>.</summary>
    public async Task<bool> MayReachAsync(EventRecord record, Participant person, Channel channel, CancellationToken cancellationToken) =>
        await AskAsync(record, person, channel, cancellationToken) == GateAnswer.Allowed;

    /// <summary>
    /// The channel a word to the event's organiser about their event goes by (a notice): texts if they
    /// agreed to texts, else email if they agreed to emails, else none. Routing shared by every sender
    /// of notices; the gate only answers for each channel.
    /// </summary>
    public async Task<Channel?> OrganizerNoticeChannelAsync(EventRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        foreach (var channel in record.Organizer.Channels().OrderBy(c => c == Channel.Sms ? 0 : 1))
        {
            if (await MayReachAsync(record, record.Organizer, channel, cancellationToken))
            {
                return channel;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether a message on <paramref name="channel"/> carries the aftercare plan: an email does (the
    /// consent page shows the plan, and agreeing by email is agreeing to it as written); a text never does.
    /// </summary>
    public static bool CarriesPlan(Channel channel) => channel == Channel.Email;

    /// <summary>
    /// The rule itself, without storage: <paramref name="inForce"/> is what <see cref="ConsentStore.GetAsync"/>
    /// reads (a global opt-out already reads as <see cref="ConsentState.OptedOut"/>).
    /// </summary>
    public static GateAnswer Decide(ConsentState inForce, bool carriesPlan, EventRecord record, Participant person)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(person);
        return inForce switch
        {
            ConsentState.OptedOut => GateAnswer.OptedOut,
            ConsentState.Undeliverable => GateAnswer.Undeliverable,
            ConsentState.Pending => GateAnswer.NotAgreed,
            ConsentState.Declined => GateAnswer.Declined,
            _ when !carriesPlan || AftercarePlan.Agreed(record, person) => GateAnswer.Allowed,
            _ when person.AgreedPlan is null => GateAnswer.PlanNotAgreed,
            _ => GateAnswer.PlanChanged,
        };
    }
}

/// <summary>How a sender records or shows the gate's answer.</summary>
public static class GateAnswers
{
    /// <summary>The reason a check-in the gate held back is skipped with (<see cref="CheckInReasons"/>).</summary>
    public static string SkipReason(this GateAnswer answer) => answer switch
    {
        GateAnswer.OptedOut => CheckInReasons.OptedOut,
        GateAnswer.Declined => CheckInReasons.Declined,
        GateAnswer.Undeliverable => CheckInReasons.Undeliverable,
        GateAnswer.PlanChanged => CheckInReasons.PlanChanged,
        GateAnswer.Allowed => throw new ArgumentOutOfRangeException(nameof(answer), "An allowed message is not skipped."),
        _ => CheckInReasons.NoConsent,
    };

    /// <summary>
    /// The consent the API shows for a person's channel: an answer that waits for the person's
    /// agreement to the plan shows as pending, since a consent request asks them again.
    /// </summary>
    public static ConsentState ShownAs(this GateAnswer answer) => answer switch
    {
        GateAnswer.Allowed => ConsentState.Granted,
        GateAnswer.OptedOut => ConsentState.OptedOut,
        GateAnswer.Undeliverable => ConsentState.Undeliverable,
        GateAnswer.Declined => ConsentState.Declined,
        _ => ConsentState.Pending,
    };

    /// <summary>Whether a consent request has something to ask: the person has not agreed, or has not agreed to the plan as it now reads.</summary>
    public static bool WaitsForAnAnswer(this GateAnswer answer) =>
        answer is GateAnswer.NotAgreed or GateAnswer.PlanNotAgreed or GateAnswer.PlanChanged;
}

using NodaTime;

namespace AftercareNudge.Schedule;

/// <summary>A registration that passed validation: addresses normalised, every time resolved to an instant.</summary>
public sealed record PlannedEvent(
    string Title,
    string Kind,
    DateTimeZone Zone,
    ZonedDateTime StartsAt,
    ZonedDateTime EndsAt,
    Participant Organizer,
    IReadOnlyList<Participant> People,
    IReadOnlyList<PlannedCheckIn> CheckIns,
    string? Plan = null);

/// <summary>The organiser (key <c>organizer</c>) or a person. Phone in E.164; email trimmed.</summary>
/// <param name="QuietHours">Their quiet hours as <c>HH:mm-HH:mm</c>, or null for the default.</param>
/// <param name="Needs">What helps them feel safe afterwards, as the organiser wrote it (the aftercare plan).</param>
/// <param name="AgreedPlan">The version of the aftercare plan this person agreed to on the consent page (<see cref="AftercarePlan.Version"/>).</param>
/// <param name="QuietHoursFromRecipient">Whether <paramref name="QuietHours"/> were set by the person themself, on the consent page.</param>
/// <param name="AskedPlan">The version of the plan this person was last sent a consent email about, so that a changed plan is asked about once.</param>
/// <param name="ZoneFromEvent">Whether <paramref name="TimeZone"/> is the event's because the person gave none: it follows the event's zone when that changes.</param>
/// <param name="RepliesBy">The organiser only: the channel replies to their check-ins are passed on by, as registered; null for the default (see <see cref="ReplyChannel"/>).</param>
/// <param name="AgreedAlerts">A trusted contact only: the terms they agreed to be alerted on (<see cref="SafetyLadder.TermsVersion"/>); an alert goes only while they match.</param>
/// <param name="AlertsInQuietHours">A trusted contact only: whether they agreed to alerts in their quiet hours (asked, never pre-set).</param>
/// <param name="Role">Null for a recipient; <see cref="TrustedContactRole"/> for someone told if the organiser does not answer an armed check-in (never a recipient of anything else).</param>
public sealed record Participant(
    string Key,
    string Name,
    string? Phone,
    string? Email,
    string TimeZone,
    string? QuietHours = null,
    string? Needs = null,
    string? AgreedPlan = null,
    bool QuietHoursFromRecipient = false,
    string? AskedPlan = null,
    bool ZoneFromEvent = false,
    Channel? RepliesBy = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Role = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? AgreedAlerts = null,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] bool? AlertsInQuietHours = null)
{
    public const string OrganizerKey = "organizer";

    /// <summary>The role of a trusted contact (<c>people[].role</c>).</summary>
    public const string TrustedContactRole = "trustedContact";

    /// <summary>A trusted contact: told if an armed check-in goes unanswered, and sent nothing else (no check-in, plan or reminder).</summary>
    public bool IsTrustedContact() => Role == TrustedContactRole;

    /// <summary>The channel replies are passed on by: as registered, else SMS if they have a phone, else email.</summary>
    public Channel ReplyChannel() => RepliesBy ?? (Phone is not null ? Channel.Sms : Channel.Email);

    public string? Address(Channel channel) => channel == Channel.Sms ? Phone : Email;

    public IEnumerable<Channel> Channels()
    {
        if (Phone is not null)
        {
            yield return Channel.Sms;
        }

        if (Email is not null)
        {
            yield return Channel.Email;
        }
    }
}

/// <summary>A check-in's timing as the client wrote it, kept so that a later edit can move it with its event.</summary>
public sealed record CheckInTiming(string? At, string? After, string? Offset);

/// <param name="Net">Its safety net when it is armed (waits for the organiser's answer; see <see cref="AwaitedReply"/>), else null.</param>
public sealed record PlannedCheckIn(string To, Channel Channel, Instant DueAt, string Message, CheckInTiming Timing, CheckInKind Kind = CheckInKind.CheckIn, SafetyNet? Net = null);

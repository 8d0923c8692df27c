using System.Text.Json.Serialization;
using Azure;

namespace AftercareNudge.Schedule;

/// <summary>
/// Where an armed check-in's safety net stands (the view's <c>checkIns[].awaitReply.state</c>):
/// waiting for the person's answer, reminded once, answered, escalated to the trusted contacts, or
/// cleared (answered after the contacts were alerted, and they were sent the all-clear).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<AwaitState>))]
public enum AwaitState
{
    [JsonStringEnumMemberName("waiting")]
    Waiting,

    [JsonStringEnumMemberName("reminded")]
    Reminded,

    [JsonStringEnumMemberName("answered")]
    Answered,

    [JsonStringEnumMemberName("escalated")]
    Escalated,

    [JsonStringEnumMemberName("cleared")]
    Cleared,
}

/// <summary>
/// What the organiser asked for when they armed a check-in to themself: how long the answer may take
/// from the check-in's due time, how long after the one reminder the contacts are alerted, who they
/// are (people's keys), the note the contacts get, and the duress word (known only to the organiser
/// and the service: never logged, never shown in any answer).
/// </summary>
public sealed record SafetyNet(TimeSpan Within, TimeSpan Grace, IReadOnlyList<string> EscalateTo, string? Note = null, string? DuressWord = null);

/// <summary>
/// An armed check-in's safety net as stored: a row of its own in the event's partition (row key
/// <c>await-&lt;check-in id&gt;</c>), apart from the check-in's row so that the dispatcher's writes to
/// the check-in and an answer's writes here never contend. Every change is conditional on the ETag.
/// </summary>
/// <param name="DueAt">The check-in's due time, from which <see cref="SafetyNet.Within"/> counts: an answer is awaited from then.</param>
/// <param name="AnsweredBy">The inbound message that answered, so that a webhook's retry of it answers the same way again.</param>
/// <param name="StoppedAt">When the person replied STOP while it waited: the ladder goes on without messaging them, and an alert says so.</param>
/// <param name="RemindedAt">When the reminder was committed to go (written before it is handed to the provider, so that an answer recorded first stops it).</param>
/// <param name="EscalatedAt">When the first alert was committed to go.</param>
/// <param name="Alerted">The keys of the contacts whose alert was committed to go: they get the all-clear if an answer comes.</param>
/// <param name="ExtendedBy">How far the person's LATER replies pushed the deadline (at most <see cref="MaxExtension"/>).</param>
/// <param name="ExtendedWith">The inbound message of the last LATER, so that a webhook's retry of it pushes nothing again.</param>
/// <param name="DuressAt">
/// When the answer carried the duress word: stored as answered (and shown so: someone may be holding the
/// phone or the app), but every contact is alerted at once, marked urgent, and no all-clear follows.
/// </param>
public sealed record AwaitedReply(
    string EventId,
    string CheckInId,
    SafetyNet Net,
    DateTimeOffset DueAt,
    AwaitState State = AwaitState.Waiting,
    DateTimeOffset? AnsweredAt = null,
    string? AnsweredBy = null,
    DateTimeOffset? StoppedAt = null,
    DateTimeOffset? RemindedAt = null,
    DateTimeOffset? EscalatedAt = null,
    IReadOnlyList<string>? Alerted = null,
    DateTimeOffset? DuressAt = null,
    TimeSpan ExtendedBy = default,
    string? ExtendedWith = null,
    ETag ETag = default)
{
    /// <summary>How long after its alert an armed check-in still takes an answer (and its all-clear): after that it is closed.</summary>
    public static readonly TimeSpan OpenAfterAlert = TimeSpan.FromHours(24);

    /// <summary>How far LATER may push the deadline in all: two hours past the first one.</summary>
    public static readonly TimeSpan MaxExtension = TimeSpan.FromHours(2);

    /// <summary>When the reminder is due if nobody answers: the due time, the wait, and any LATER.</summary>
    public DateTimeOffset RemindAt => DueAt + Net.Within + ExtendedBy;

    /// <summary>When the alert is due if nobody answers: the reminder's time and the grace after it.</summary>
    public DateTimeOffset AlertAt => RemindAt + Net.Grace;

    /// <summary>When the alert was due as armed, before any LATER: what the contacts agreed to.</summary>
    public DateTimeOffset PlannedAlertAt => DueAt + Net.Within + Net.Grace;

    /// <summary>
    /// Whether a message from the person at <paramref name="now"/> is this check-in's answer: from its
    /// due time until answered, and at most <see cref="OpenAfterAlert"/> after its alert.
    /// </summary>
    public bool TakesAnswerAt(DateTimeOffset now) =>
        State is AwaitState.Waiting or AwaitState.Reminded or AwaitState.Escalated
        && now >= DueAt
        && now <= AlertAt + OpenAfterAlert;
}

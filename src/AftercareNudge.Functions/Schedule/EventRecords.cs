using Azure;

namespace AftercareNudge.Schedule;

/// <summary>An event as stored: one row, in the event's own partition beside its check-ins.</summary>
/// <param name="PendingChange">The id of a change (PATCH) written to the event but not yet to all its check-ins; see <see cref="PendingChanges"/>.</param>
/// <param name="PurgedAt">When its content was deleted (see <c>Privacy.EventPurge</c>): nothing more is sent, added or kept for it.</param>
/// <param name="StartsAtLocal">The start as wall-clock text in <paramref name="TimeZone"/>, as the client wrote it (the view's <c>startsAt</c>).</param>
/// <param name="StartsAtUtc">The same start as a UTC instant (the view's <c>startsAtUtc</c>; stored in the column <c>StartsAt</c>).</param>
/// <param name="EndsAtLocal">The end as wall-clock text in <paramref name="TimeZone"/> (the view's <c>endsAt</c>).</param>
/// <param name="EndsAtUtc">The end as a UTC instant (the view's <c>endsAtUtc</c>; stored in the column <c>EndsAt</c>).</param>
public sealed record EventRecord(
    string Id,
    string ClientId,
    string OrganizerId,
    string Title,
    string Kind,
    string TimeZone,
    string StartsAtLocal,
    string EndsAtLocal,
    DateTimeOffset StartsAtUtc,
    DateTimeOffset EndsAtUtc,
    Participant Organizer,
    IReadOnlyList<Participant> People,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CancelledAt,
    ETag ETag = default,
    string? Plan = null,
    string? PendingChange = null,
    DateTimeOffset? PurgedAt = null)
{
    public IEnumerable<Participant> Everyone => People.Prepend(Organizer);

    public Participant? Find(string key) => Everyone.FirstOrDefault(p => p.Key == key);

    /// <summary>Cancelled or purged: nothing more is asked, sent or added for it.</summary>
    public bool IsOver => CancelledAt is not null || PurgedAt is not null;
}

/// <summary>
/// A check-in as stored. <see cref="DueAt"/> is when it was promised; <see cref="NextAttemptAt"/> is when
/// the dispatcher should next look at it (the same, until a transient failure moves it on).
/// <see cref="MovedAt"/>: when a change after registration gave it a time the recipient never saw
/// (moved, or added); quiet hours hold it like a late one. <see cref="AwaitsReply"/>: it is armed (its
/// safety net is the row <c>await-&lt;id&gt;</c>), so its text carries the line that says what an answer is.
/// </summary>
public sealed record CheckInRecord(
    string EventId,
    string Id,
    int Position,
    string To,
    Channel Channel,
    string Message,
    CheckInTiming Timing,
    DateTimeOffset DueAt,
    DateTimeOffset NextAttemptAt,
    CheckInStatus Status,
    string? Reason,
    int Attempts,
    DateTimeOffset? ClaimedUntil,
    DateTimeOffset? SentAt,
    string? ProviderMessageId,
    ETag ETag = default,
    CheckInKind Kind = CheckInKind.CheckIn,
    string? RelatesTo = null,
    DeliveryReport? PendingDelivery = null,
    DateTimeOffset? MovedAt = null,
    bool AwaitsReply = false)
{
    public bool IsFinished => Status is CheckInStatus.Sent or CheckInStatus.Delivered or CheckInStatus.Failed or CheckInStatus.Skipped or CheckInStatus.Cancelled;

    /// <summary>
    /// A new row made from this one (a fallback, or what follows an alert) under <paramref name="id"/>,
    /// due to be tried at <paramref name="now"/>, with none of this row's sending history.
    /// </summary>
    public CheckInRecord Unsent(string id, DateTimeOffset now) => this with
    {
        Id = id,
        NextAttemptAt = now,
        Status = CheckInStatus.Scheduled,
        Reason = null,
        Attempts = 0,
        ClaimedUntil = null,
        SentAt = null,
        ProviderMessageId = null,
        PendingDelivery = null,
        ETag = default,
    };

    /// <summary>A relay kept until its organiser confirms a channel: scheduled, but due at no time (see <c>Replies.WaitingRelays</c>).</summary>
    public bool AwaitsOrganizer => Kind == CheckInKind.Relay && Status == CheckInStatus.Scheduled && Reason == CheckInReasons.AwaitingOrganizer;

    /// <summary>
    /// Late: handed to the provider more than <paramref name="tolerance"/> (<c>Dispatch__LateAfter</c>)
    /// after the promised <see cref="DueAt"/>; exactly the tolerance is on time.
    /// </summary>
    public bool IsLate(TimeSpan tolerance) => SentAt is { } sent && sent - DueAt > tolerance;
}

/// <summary>The service's own messages to an organiser (a notice, a relay): rows worded when they go.</summary>
public static class OrganizerMessages
{
    /// <summary>A message of the service's own to the organiser, due at <paramref name="at"/>, about the check-in <paramref name="relatesTo"/>.</summary>
    public static CheckInRecord Row(string eventId, string id, int position, Channel channel, DateTimeOffset at, CheckInKind kind, string relatesTo) =>
        new(eventId, id, position, Participant.OrganizerKey, channel, "", new CheckInTiming(null, null, null), at, at, CheckInStatus.Scheduled, null, 0, null, null, null, Kind: kind, RelatesTo: relatesTo);
}

/// <summary>
/// What a row in an event's schedule is. The client plans check-ins and reminders; the service adds a
/// fallback (a failed check-in sent once more on the other channel) and a notice (a word to the
/// organiser that a message did not arrive) and a relay (a reply passed on to the organiser).
/// <see cref="CheckInRecord.RelatesTo"/> names the check-in a fallback, notice or relay is about.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<CheckInKind>))]
public enum CheckInKind
{
    [System.Text.Json.Serialization.JsonStringEnumMemberName("check-in")]
    CheckIn,

    [System.Text.Json.Serialization.JsonStringEnumMemberName("reminder")]
    Reminder,

    [System.Text.Json.Serialization.JsonStringEnumMemberName("fallback")]
    Fallback,

    [System.Text.Json.Serialization.JsonStringEnumMemberName("notice")]
    Notice,

    /// <summary>A reply to a check-in passed on to the organiser (see <c>Replies.ReplyRelays</c>).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("relay")]
    Relay,

    /// <summary>The one reminder to the organiser when an armed check-in has no answer by its <c>within</c> (see <see cref="SafetyLadder"/>).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("safety-reminder")]
    SafetyReminder,

    /// <summary>The alert to one trusted contact when an armed check-in still has no answer after the reminder's grace.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("alert")]
    Alert,

    /// <summary>The all-clear to a contact who was alerted, once the organiser answered.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("all-clear")]
    AllClear,

    /// <summary>
    /// The urgent follow-up to a contact already alerted when the person then answered with the duress
    /// word. Never shown to the client: a duress answer must read as any answer (see <c>Safety.DuressMask</c>).
    /// </summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("urgent-alert")]
    UrgentAlert,

    /// <summary>The news to an alerted contact that the check-in was cancelled without an answer (see <c>Safety.SafetyCancellations</c>).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("safety-cancelled")]
    SafetyCancelled,
}

/// <summary>
/// A provider's word on one message (a Twilio status callback, a SendGrid event): delivered, or failed
/// with a reason. Kept on a check-in as <see cref="CheckInRecord.PendingDelivery"/> when it arrives
/// while the check-in is still being sent; the dispatcher applies it when it records the send.
/// </summary>
public sealed record DeliveryReport(CheckInStatus Status, string? Reason, string? MessageId);

/// <summary>What a recipient texted back after a check-in that was not a keyword.</summary>
/// <param name="MessageId">The provider's id of the inbound message (its row's key), which also names its relay.</param>
public sealed record CheckInReply(string CheckInId, string Body, DateTimeOffset ReceivedAt, string? MessageId = null);

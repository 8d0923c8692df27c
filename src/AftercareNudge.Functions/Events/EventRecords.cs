using Azure;

namespace AftercareNudge.Events;

/// <summary>An event as stored: one row, in the event's own partition beside its check-ins.</summary>
public sealed record EventRecord(
    string Id,
    string ClientId,
    string OrganizerId,
    string Title,
    string Kind,
    string TimeZone,
    string StartsAtLocal,
    string EndsAtLocal,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    Participant Organizer,
    IReadOnlyList<Participant> People,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CancelledAt,
    ETag ETag = default)
{
    public IEnumerable<Participant> Everyone => People.Prepend(Organizer);

    public Participant? Find(string key) => Everyone.FirstOrDefault(p => p.Key == key);
}

/// <summary>
/// A check-in as stored. <see cref="DueAt"/> is when it was promised; <see cref="NextAttemptAt"/> is when
/// the dispatcher should next look at it (the same, until a transient failure moves it on).
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
    ETag ETag = default)
{
    /// <summary>Sent later than this after its due time, a check-in is reported as late.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromMinutes(5);

    public bool IsFinished => Status is CheckInStatus.Sent or CheckInStatus.Delivered or CheckInStatus.Failed or CheckInStatus.Skipped or CheckInStatus.Cancelled;

    public bool Late => SentAt is { } sent && sent - DueAt > LateAfter;
}

/// <summary>What a recipient texted back after a check-in that was not a keyword.</summary>
public sealed record CheckInReply(string CheckInId, string Body, DateTimeOffset ReceivedAt);

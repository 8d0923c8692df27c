namespace AftercareNudge.Events;

// The wire shape of PATCH /api/events/{id}. Every field is optional: what is left out stays as it is.
// A member a PATCH does not have is refused by name when the body is read (Hosting/JsonBodies).

/// <summary>
/// A change to an event. <see cref="CheckIns"/>, when given, is the whole new list of the client's
/// check-ins: an entry with an <c>id</c> edits that check-in (only what it gives), one without adds a
/// check-in (or, if it is exactly like one the event has, stands for that one), and a pending check-in
/// left out is removed. Without it, check-ins timed <c>after</c> the start or end move with the event.
/// </summary>
/// <para>
/// <see cref="Aftercare"/>, when given, changes the plan: its <c>plan</c> replaces the shared plan
/// (an empty string removes it) and its <c>needs</c>, when given, is the whole new set of needs.
/// Reminders move with the event and are not changed here. People who agreed to the plan as it was
/// are asked again.
/// </para>
public sealed record PatchEventRequest(
    string? TimeZone,
    string? StartsAt,
    string? EndsAt,
    IReadOnlyList<PatchCheckInRequest?>? CheckIns,
    PatchAftercareRequest? Aftercare = null);

/// <summary>
/// One check-in of a change. With an <c>id</c>, what is left out stays; a new time replaces the old one
/// whole (<c>at</c>, or <c>after</c> with <c>offset</c>), and so does a new <c>awaitReply</c> (which arms
/// the check-in, or re-arms it on new terms). An armed check-in is disarmed by removing it.
/// </summary>
public sealed record PatchCheckInRequest(
    string? Id,
    string? To,
    string? Channel,
    string? At,
    string? After,
    string? Offset,
    string? Message,
    AwaitReplyRequest? AwaitReply = null);

/// <summary>A change to the aftercare plan: what is left out stays as it is.</summary>
public sealed record PatchAftercareRequest(string? Plan, IReadOnlyDictionary<string, string?>? Needs);

using System.Text.Json.Serialization;

namespace AftercareNudge.Schedule;

/// <summary>
/// The passing on of a reply to the organiser: its schedule row's <see cref="Id"/> (a check-in of kind
/// <c>relay</c>), its status, and why it was not sent (<c>no-consent</c>, <c>opted-out</c>,
/// <c>recipient-missing</c>, a provider's code…). Absent for a reply nobody else is told of: one the
/// organiser sent to their own check-in.
/// </summary>
public sealed record RelayView(
    string Id,
    Channel Channel,
    CheckInStatus Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);

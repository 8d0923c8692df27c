using AftercareNudge.Schedule;

namespace AftercareNudge.Consent;

/// <summary>
/// A consent decision took effect for an address: for one organiser (<see cref="OrganizerId"/>:
/// granted, declined) or for everyone (null: a new opt-out, or an opt-in). Raised once it is recorded.
/// </summary>
public sealed record ConsentChanged(Channel Channel, string Address, string? OrganizerId, ConsentChange Change, string How);

/// <summary>What a <see cref="ConsentChanged"/> changed to.</summary>
public enum ConsentChange
{
    Granted,
    Declined,
    OptedOut,
    OptedIn,

    /// <summary>The address hard-bounced: suppressed like an opt-out, told as what it is.</summary>
    Undeliverable,
}

using System.Text.Json.Serialization;

namespace AftercareNudge.Consent;

[JsonConverter(typeof(JsonStringEnumConverter<ConsentState>))]
public enum ConsentState
{
    [JsonStringEnumMemberName("pending")]
    Pending,

    [JsonStringEnumMemberName("granted")]
    Granted,

    [JsonStringEnumMemberName("declined")]
    Declined,

    [JsonStringEnumMemberName("opted-out")]
    OptedOut,

    /// <summary>
    /// Shown, never stored: no message of the event to this person uses the channel, so nothing was
    /// asked and nothing waits for an answer (see <see cref="ConsentNeeds"/>).
    /// </summary>
    [JsonStringEnumMemberName("not-needed")]
    NotNeeded,

    /// <summary>
    /// Shown, never stored as such: email to the address hard-bounced, so nothing is sent to it (it is
    /// suppressed as an opt-out is), but the person never said stop (see <see cref="ConsentStore.BounceHowPrefix"/>).
    /// </summary>
    [JsonStringEnumMemberName("undeliverable")]
    Undeliverable,
}

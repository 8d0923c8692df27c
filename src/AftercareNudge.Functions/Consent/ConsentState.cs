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
}

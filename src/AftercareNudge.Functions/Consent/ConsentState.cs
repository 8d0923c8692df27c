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
}

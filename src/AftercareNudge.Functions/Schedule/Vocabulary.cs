using System.Text.Json.Serialization;

namespace AftercareNudge.Schedule;

[JsonConverter(typeof(JsonStringEnumConverter<Channel>))]
public enum Channel
{
    [JsonStringEnumMemberName("sms")]
    Sms,

    [JsonStringEnumMemberName("email")]
    Email,
}

[JsonConverter(typeof(JsonStringEnumConverter<CheckInStatus>))]
public enum CheckInStatus
{
    [JsonStringEnumMemberName("scheduled")]
    Scheduled,

    [JsonStringEnumMemberName("sending")]
    Sending,

    [JsonStringEnumMemberName("sent")]
    Sent,

    [JsonStringEnumMemberName("delivered")]
    Delivered,

    [JsonStringEnumMemberName("failed")]
    Failed,

    [JsonStringEnumMemberName("skipped")]
    Skipped,

    [JsonStringEnumMemberName("cancelled")]
    Cancelled,
}

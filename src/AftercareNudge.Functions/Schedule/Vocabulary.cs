using System.Text.Json.Serialization;

namespace AftercareNudge.Schedule;

[JsonConverter(typeof(JsonStringEnumConverter<Channel>))]
public enum Channel
{
    [JsonStringEnumMemberName(ChannelNames.Sms)]
    Sms,

    [JsonStringEnumMemberName(ChannelNames.Email)]
    Email,
}

/// <summary>A channel's name as the API takes it and answers it (and as the rows that name one store it): one spelling.</summary>
public static class ChannelNames
{
    public const string Sms = "sms";

    public const string Email = "email";

    /// <summary>Every channel's name, SMS first.</summary>
    public static readonly IReadOnlyList<string> All = [Sms, Email];

    public static string Of(Channel channel) => channel == Channel.Sms ? Sms : Email;

    /// <summary>The channel a name names (exactly as spelled), or null.</summary>
    public static Channel? Parse(string? name) => name switch
    {
        Sms => Channel.Sms,
        Email => Channel.Email,
        _ => null,
    };
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

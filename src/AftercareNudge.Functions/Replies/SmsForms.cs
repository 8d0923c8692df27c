using System.Text.Json.Serialization;

namespace AftercareNudge.Replies;

/// <summary>The dev route's body: an inbound SMS as a person would send it.</summary>
public sealed record DevSmsRequest(string? From, string? Body);

/// <summary>The fields of Twilio's inbound-message webhook that are read (Twilio signs all it sends, and sends more).</summary>
public sealed record TwilioSmsForm(
    [property: JsonPropertyName("From")] string From,
    [property: JsonPropertyName("Body")] string Body,
    [property: JsonPropertyName("MessageSid")] string MessageSid,
    [property: JsonPropertyName("OptOutType")] string? OptOutType = null)
{
    internal static TwilioSmsForm Read(IFormCollection form) => new(
        form["From"].ToString(),
        form["Body"].ToString(),
        form["MessageSid"].ToString(),
        form["OptOutType"].ToString() is { Length: > 0 } optOutType ? optOutType : null);
}

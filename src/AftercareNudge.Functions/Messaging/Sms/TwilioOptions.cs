namespace AftercareNudge.Messaging.Sms;

/// <summary>Settings <c>Twilio__*</c>. With no <see cref="AccountSid"/> the development outbox sends SMS instead.</summary>
public sealed class TwilioOptions
{
    public const string Section = "Twilio";

    public string? AccountSid { get; set; }

    public string? AuthToken { get; set; }

    public string? ApiKeySid { get; set; }

    public string? ApiKeySecret { get; set; }

    public string? From { get; set; }

    public string? MessagingServiceSid { get; set; }

    public Uri BaseUrl { get; set; } = new("https://api.twilio.com");

    /// <summary>
    /// Asks Twilio not to keep the body of each SMS once it is delivered (Message Redaction,
    /// <c>ContentRetention=discard</c>). Only for accounts with Message Redaction enabled: elsewhere every send fails (30029).
    /// </summary>
    public bool RedactMessageBodies { get; set; }

    /// <summary>
    /// Asks Twilio to keep the recipient's number only with its last digits hidden (Message Redaction,
    /// <c>AddressRetention=obfuscate</c>). Only for accounts with Message Redaction enabled: elsewhere every send fails (30030).
    /// </summary>
    public bool RedactPhoneNumbers { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(AccountSid);

    /// <summary>Every problem with these settings, as sentences a person can act on.</summary>
    public IEnumerable<string> Problems()
    {
        if (!IsConfigured)
        {
            if (!string.IsNullOrWhiteSpace(AuthToken) || !string.IsNullOrWhiteSpace(ApiKeySid) || !string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(MessagingServiceSid))
            {
                yield return "Twilio:AccountSid is required when any other Twilio setting is set (or remove them all to use the development outbox).";
            }

            yield break;
        }

        if (!IsSid(AccountSid!, "AC"))
        {
            yield return "Twilio:AccountSid must be an account SID: 'AC' followed by 32 hexadecimal characters.";
        }

        var hasToken = !string.IsNullOrWhiteSpace(AuthToken);
        var hasKey = !string.IsNullOrWhiteSpace(ApiKeySid) || !string.IsNullOrWhiteSpace(ApiKeySecret);
        if (!hasToken && !hasKey)
        {
            yield return "Twilio:AuthToken is required when Twilio:AccountSid is set (or set Twilio:ApiKeySid and Twilio:ApiKeySecret).";
        }

        if (hasKey && (string.IsNullOrWhiteSpace(ApiKeySid) || string.IsNullOrWhiteSpace(ApiKeySecret)))
        {
            yield return "Twilio:ApiKeySid and Twilio:ApiKeySecret must be set together.";
        }

        if (!hasToken)
        {
            // Webhook signatures are made with the account's auth token, whatever authenticates the REST calls.
            yield return "Twilio:AuthToken is required to verify Twilio's webhook signatures, even when an API key sends messages.";
        }

        if (string.IsNullOrWhiteSpace(From) == string.IsNullOrWhiteSpace(MessagingServiceSid))
        {
            yield return "Set exactly one of Twilio:From (an E.164 number) and Twilio:MessagingServiceSid (MG...).";
        }
        else if (!string.IsNullOrWhiteSpace(MessagingServiceSid) && !IsSid(MessagingServiceSid, "MG"))
        {
            yield return "Twilio:MessagingServiceSid must be a messaging service SID: 'MG' followed by 32 hexadecimal characters.";
        }
        else if (!string.IsNullOrWhiteSpace(From) && !IsE164(From))
        {
            yield return "Twilio:From must be an E.164 number such as +14155550123 (or use Twilio:MessagingServiceSid).";
        }

        if (!BaseUrl.IsAbsoluteUri)
        {
            yield return "Twilio:BaseUrl must be an absolute URL such as https://api.twilio.com.";
        }
    }

    // Twilio's description: ^AC[0-9a-fA-F]{32}$, ^MG[0-9a-fA-F]{32}$; numbers in E.164.
    private static bool IsSid(string value, string prefix) =>
        value.Length == 34 && value.StartsWith(prefix, StringComparison.Ordinal) && value.AsSpan(2).ContainsAnyExcept("0123456789abcdefABCDEF") is false;

    private static bool IsE164(string value) =>
        value.Length is >= 3 and <= 16 && value[0] == '+' && value[1] != '0' && value.AsSpan(1).ContainsAnyExcept("0123456789") is false;
}

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

        if (!AccountSid!.StartsWith("AC", StringComparison.Ordinal))
        {
            yield return "Twilio:AccountSid must be an account SID starting with 'AC'.";
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

        if (!BaseUrl.IsAbsoluteUri)
        {
            yield return "Twilio:BaseUrl must be an absolute URL such as https://api.twilio.com.";
        }
    }
}

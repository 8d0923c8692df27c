namespace AftercareNudge.Messaging.Email;

/// <summary>Settings <c>SendGrid__*</c>. With no <see cref="ApiKey"/> the development outbox sends email instead.</summary>
public sealed class SendGridOptions
{
    public const string Section = "SendGrid";

    public string? ApiKey { get; set; }

    /// <summary>The sender address, optionally with a name: <c>AftercareNudge &lt;care@example.com&gt;</c>.</summary>
    public string? From { get; set; }

    public Uri BaseUrl { get; set; } = new("https://api.sendgrid.com");

    /// <summary>Base64 DER public key that verifies the event webhook's signatures.</summary>
    public string? EventWebhookPublicKey { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey);

    public IEnumerable<string> Problems()
    {
        if (!IsConfigured)
        {
            if (!string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(EventWebhookPublicKey))
            {
                yield return "SendGrid:ApiKey is required when any other SendGrid setting is set (or remove them all to use the development outbox).";
            }

            yield break;
        }

        if (string.IsNullOrWhiteSpace(From))
        {
            yield return "SendGrid:From is required when SendGrid:ApiKey is set (a verified sender address).";
        }
        else if (!System.Net.Mail.MailAddress.TryCreate(From, out _))
        {
            yield return "SendGrid:From must be an email address, optionally with a display name.";
        }

        if (!BaseUrl.IsAbsoluteUri)
        {
            yield return "SendGrid:BaseUrl must be an absolute URL such as https://api.sendgrid.com.";
        }
    }
}

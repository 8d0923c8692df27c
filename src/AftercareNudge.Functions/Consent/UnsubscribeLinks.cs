using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Consent;

/// <summary>
/// Every email leaves with a way out: an unsubscribe link in its footer and the RFC 8058 headers
/// (<c>List-Unsubscribe</c>, one-click POST). Wraps Messaging's email transport (SendGrid or the outbox), and is where
/// every HTML email's body is put in the one email layout (<c>EmailLayout</c>), footer inside it.
/// </summary>
public sealed class UnsubscribeLinks(
    [FromKeyedServices(MessagingExtensions.EmailTransportKey)] IEmailSender inner, LinkTokens tokens, IOptions<PublicOptions> publicOptions, TimeProvider time) : IEmailSender
{
    public const string Route = "api/unsubscribe/";

    public async Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken)
    {
        var token = await tokens.CreateAsync(
            new LinkToken(LinkPurpose.Unsubscribe, Channel.Email, message.To, null, null, false, UnsubscribePageText, time.GetUtcNow() + LinkTokens.UnsubscribeLifetime),
            cancellationToken);
        var url = publicOptions.Value.Url(Route + token);
        return await inner.SendAsync(
            message with
            {
                Text = message.Text + $"\n\nTo stop every email from {ConsentWording.Brand}: {url.AbsoluteUri}",
                Html = Document(message.Subject, message.Html, url),
                UnsubscribeUrl = url,
            },
            cancellationToken);
    }

    /// <summary>
    /// The email as sent: its body (HTML its own template rendered) in the email layout, which carries the
    /// subject as its title and the unsubscribe link in its footer.
    /// </summary>
    internal static string Document(string subject, string bodyHtml, Uri unsubscribeUrl) =>
        HtmlTemplates.Render<EmailLayout>(new Dictionary<string, object?>
        {
            [nameof(EmailLayout.Subject)] = subject,
            [nameof(EmailLayout.Body)] = new Microsoft.AspNetCore.Components.MarkupString(bodyHtml),
            [nameof(EmailLayout.UnsubscribeUrl)] = unsubscribeUrl,
        });

    /// <summary>What the unsubscribe page says, and what the ledger keeps of it.</summary>
    public const string UnsubscribePageText = "Stop every email from AftercareNudge to this address, from everyone.";
}

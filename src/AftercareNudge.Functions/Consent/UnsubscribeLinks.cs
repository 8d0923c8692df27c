using System.Net;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Consent;

/// <summary>
/// Every email leaves with a way out: an unsubscribe link in its footer and the RFC 8058 headers
/// (<c>List-Unsubscribe</c>, one-click POST). Wraps whichever email sender is in use.
/// </summary>
public sealed class UnsubscribeLinks(IEmailSender inner, LinkTokens tokens, IOptions<PublicOptions> publicOptions, TimeProvider time) : IEmailSender
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
                Html = message.Html + $"<p style=\"color:#666;font-size:small\"><a href=\"{WebUtility.HtmlEncode(url.AbsoluteUri)}\">Stop every email from {ConsentWording.Brand}</a></p>",
                UnsubscribeUrl = url,
            },
            cancellationToken);
    }

    /// <summary>What the unsubscribe page says, and what the ledger keeps of it.</summary>
    public const string UnsubscribePageText = "Stop every email from AftercareNudge to this address, from everyone.";
}

using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Messaging.Email;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>SendGrid's signed event webhook, as SendGrid sends it: ECDSA P-256 over timestamp and raw body.</summary>
internal static class SendGridWebhook
{
    /// <summary>The value of <c>SendGrid:EventWebhookPublicKey</c> that verifies what <paramref name="key"/> signs.</summary>
    public static string PublicKey(ECDsa key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    /// <summary>A POST of <paramref name="body"/> to <c>/api/sendgrid/events</c>, signed by <paramref name="signer"/> at <paramref name="timestamp"/> (unsigned when null).</summary>
    public static HttpRequestMessage Request(string body, ECDsa? signer, DateTimeOffset timestamp)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/sendgrid/events") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signer is not null)
        {
            var stamp = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var signature = signer.SignData([.. Encoding.UTF8.GetBytes(stamp), .. bytes], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            request.Headers.Add(SendGridSignature.SignatureHeader, Convert.ToBase64String(signature));
            request.Headers.Add(SendGridSignature.TimestampHeader, stamp);
        }

        return request;
    }
}

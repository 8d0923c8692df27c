using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Messaging.Sms;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// Twilio's webhooks as Twilio sends them: a form POST with <c>X-Twilio-Signature</c>, the Base64 HMAC-SHA1,
/// under the account's auth token, of the URL Twilio posted to followed by the form parameters as
/// name + value, names sorted ordinally (a repeated name once per value, values sorted too). The tests'
/// own signer, independent of the app's check (which is Twilio's SDK); <c>TwilioSignatureNodeTests</c>
/// holds it against Twilio's Node library.
/// </summary>
internal static class TwilioWebhook
{
    /// <summary>
    /// A POST of <paramref name="form"/> to <paramref name="target"/> (a path, with any query), signed with
    /// <paramref name="token"/> over <paramref name="signedUrl"/>: by default the public URL of <paramref name="target"/>.
    /// </summary>
    public static HttpRequestMessage Request(string target, IEnumerable<KeyValuePair<string, string>> form, string? signedUrl = null, string token = AppFactory.TwilioAuthToken)
    {
        var request = Unsigned(target, form);
        Sign(request, signedUrl ?? AppFactory.PublicBaseUrl + target, form, token);
        return request;
    }

    /// <summary>The same POST with no signature at all.</summary>
    public static HttpRequestMessage Unsigned(string target, IEnumerable<KeyValuePair<string, string>> form) =>
        new(HttpMethod.Post, target) { Content = new FormUrlEncodedContent(form) };

    /// <summary>Adds the signature Twilio would send for <paramref name="form"/> posted to <paramref name="signedUrl"/>, whatever <paramref name="request"/>'s body is.</summary>
    public static void Sign(HttpRequestMessage request, string signedUrl, IEnumerable<KeyValuePair<string, string>> form, string token = AppFactory.TwilioAuthToken) =>
        request.Headers.Add(TwilioSignature.HeaderName, Signature(token, signedUrl, form));

    /// <summary>The signature Twilio sends for a form POST of <paramref name="form"/> to <paramref name="url"/>.</summary>
    public static string Signature(string token, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        // Ordinal, not culture: a culture sort puts "Caller" before "CallSid".
        var data = url + string.Concat(form
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + p.Value));
#pragma warning disable CA5350 // Twilio's algorithm, not our choice.
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(data)));
#pragma warning restore CA5350
    }
}

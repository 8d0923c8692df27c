using AftercareNudge.Messaging.Sms;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// Twilio's webhooks as Twilio sends them: a form POST with <c>X-Twilio-Signature</c>, the Base64 HMAC-SHA1,
/// under the account's auth token, of the URL Twilio posted to followed by the sorted form parameters.
/// The signature is <see cref="TwilioSignature.Compute"/>'s; the tests that check that against an independent
/// signer (Twilio's Node library, Twilio's published example) do not use this.
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
        request.Headers.Add(TwilioSignature.HeaderName, TwilioSignature.Compute(token, signedUrl, form));
}

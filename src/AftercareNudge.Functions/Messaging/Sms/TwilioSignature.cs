using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace AftercareNudge.Messaging.Sms;

/// <summary>
/// Twilio's webhook signature (<c>X-Twilio-Signature</c>): HMAC-SHA1 with the account's auth token over
/// the URL Twilio requested followed by every POST parameter as name + value, names sorted ordinally.
/// </summary>
public static partial class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    /// <summary>The query parameter Twilio adds when it signs a JSON body: the body's lowercase hex SHA-256.</summary>
    public const string BodyHashParameter = "bodySHA256";

    /// <summary>The signature Twilio would send for a form POST of <paramref name="formParameters"/> to <paramref name="url"/>.</summary>
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> formParameters)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(formParameters);

        // Ordinal, not culture: a culture sort puts "Caller" before "CallSid". Values of a repeated name are sorted too.
        var data = new StringBuilder(url);
        foreach (var (name, value) in formParameters
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal))
        {
            data.Append(name).Append(value);
        }

        // SHA-1 is Twilio's choice, not ours; as an HMAC it is still sound.
#pragma warning disable CA5350
        var hash = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is Twilio's for this form POST, accepting the URL with and
    /// without its default port (Twilio is inconsistent about which one it signs).
    /// </summary>
    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string>> formParameters, string? signature)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(formParameters);
        if (string.IsNullOrEmpty(authToken) || string.IsNullOrEmpty(signature))
        {
            return false;
        }

        var parameters = formParameters as IReadOnlyCollection<KeyValuePair<string, string>> ?? formParameters.ToList();
        var given = Encoding.ASCII.GetBytes(signature);
        var valid = false;
        foreach (var candidate in UrlVariants(url))
        {
            var expected = Encoding.ASCII.GetBytes(Compute(authToken, candidate, parameters));

            // Every variant is checked, so the time taken does not say which one matched.
            valid |= CryptographicOperations.FixedTimeEquals(expected, given);
        }

        return valid;
    }

    /// <summary>
    /// Whether a JSON-body webhook is Twilio's: the URL carries <c>bodySHA256</c>, the lowercase hex
    /// SHA-256 of <paramref name="rawBody"/>, and the signature is over the URL alone.
    /// </summary>
    public static bool IsValidJson(string authToken, string url, ReadOnlySpan<byte> rawBody, string? signature)
    {
        ArgumentNullException.ThrowIfNull(url);
        var claimed = QueryValue(url, BodyHashParameter);
        if (claimed is null)
        {
            return false;
        }

        var actual = Convert.ToHexStringLower(SHA256.HashData(rawBody));
        var bodyMatches = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(actual), Encoding.UTF8.GetBytes(claimed));
        var signatureMatches = IsValid(authToken, url, [], signature);
        return bodyMatches && signatureMatches;
    }

    /// <summary>The URL as given, with its default port added when absent, and with its port removed when present.</summary>
    internal static IEnumerable<string> UrlVariants(string url)
    {
        var match = Authority().Match(url);
        if (!match.Success)
        {
            return [url];
        }

        var scheme = match.Groups["scheme"].Value;
        var userInfo = match.Groups["userinfo"].Value;
        var hostAndPort = match.Groups["hostport"].Value;
        var rest = url[match.Length..];

        // A colon starts the port only after the closing bracket of an IPv6 literal.
        var portStart = hostAndPort.IndexOf(':', hostAndPort.LastIndexOf(']') + 1);
        var host = portStart < 0 ? hostAndPort : hostAndPort[..portStart];
        var defaultPort = scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? ":443"
            : scheme.Equals("http", StringComparison.OrdinalIgnoreCase) ? ":80"
            : null;

        var withoutPort = $"{scheme}://{userInfo}{host}{rest}";
        var withPort = portStart >= 0 ? url : defaultPort is null ? url : $"{scheme}://{userInfo}{host}{defaultPort}{rest}";
        return new[] { url, withoutPort, withPort }.Distinct(StringComparer.Ordinal);
    }

    private static string? QueryValue(string url, string name)
    {
        var queryStart = url.IndexOf('?', StringComparison.Ordinal);
        if (queryStart < 0)
        {
            return null;
        }

        var query = url.AsSpan(queryStart + 1);
        var fragment = query.IndexOf('#');
        if (fragment >= 0)
        {
            query = query[..fragment];
        }

        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            var key = equals < 0 ? pair : pair[..equals];
            if (Uri.UnescapeDataString(key.ToString()) == name)
            {
                return equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..].ToString().Replace('+', ' '));
            }
        }

        return null;
    }

    [GeneratedRegex(@"^(?<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*)://(?<userinfo>[^/?#]*@)?(?<hostport>[^/?#]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Authority();
}

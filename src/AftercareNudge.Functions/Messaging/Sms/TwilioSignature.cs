using System.Text.RegularExpressions;
using Twilio.Security;

namespace AftercareNudge.Messaging.Sms;

/// <summary>
/// Twilio's webhook signature (<c>X-Twilio-Signature</c>), checked by the SDK's <see cref="RequestValidator"/>.
/// Two things it does not do by itself are done here: it takes one value per parameter name, and it
/// only adds a missing default port, never removes one (on .NET a <see cref="Uri"/> hides a default
/// port, so the validator cannot see it), so every variant of the URL is handed to it.
/// </summary>
public static partial class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    /// <summary>
    /// Whether <paramref name="signature"/> is Twilio's for this form POST, accepting the URL with and
    /// without its default port (Twilio is inconsistent about which one it signs), and with
    /// <paramref name="fragment"/> (connection overrides, which configure the webhook and are never sent) when given.
    /// </summary>
    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string>> formParameters, string? signature, string? fragment = null)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(formParameters);
        if (string.IsNullOrEmpty(authToken) || string.IsNullOrEmpty(signature))
        {
            return false;
        }

        var validator = new RequestValidator(authToken);
        var parameters = OneValuePerName(formParameters);

        // Every variant is checked, so the time taken does not say which one matched.
        var valid = false;
        var candidates = fragment is null ? UrlVariants(url) : UrlVariants(url).Concat(UrlVariants(url + fragment));
        foreach (var candidate in candidates)
        {
            valid |= Checked(() => validator.Validate(candidate, parameters, signature));
        }

        return valid;
    }

    /// <summary>
    /// The parameters as the validator takes them, one value per name. Twilio signs a repeated name once
    /// per value, values sorted ordinally: joined with the name between them they give the same string.
    /// </summary>
    private static Dictionary<string, string> OneValuePerName(IEnumerable<KeyValuePair<string, string>> parameters) =>
        parameters
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join(g.Key, g.Select(p => p.Value).Order(StringComparer.Ordinal)), StringComparer.Ordinal);

    /// <summary>
    /// The validator's answer, or false where it throws: on a URL it cannot parse for its port variant
    /// (only after the URL as given has not matched).
    /// </summary>
    private static bool Checked(Func<bool> validate)
    {
        try
        {
            return validate();
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or IndexOutOfRangeException)
        {
            return false;
        }
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

    [GeneratedRegex(@"^(?<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*)://(?<userinfo>[^/?#]*@)?(?<hostport>[^/?#]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Authority();
}

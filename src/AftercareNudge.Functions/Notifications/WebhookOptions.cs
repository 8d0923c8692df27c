using System.Net;

namespace AftercareNudge.Notifications;

/// <summary>One client's webhook: where its notifications go and the secret they are signed with.</summary>
public sealed record ClientWebhook(Uri Url, byte[] Key);

/// <summary>
/// <c>Api__Webhooks__&lt;client&gt;__Url</c> and <c>Api__Webhooks__&lt;client&gt;__Secret</c>, next to the
/// client's <c>Api__Keys__&lt;client&gt;</c>: an optional webhook per client that is told of replies,
/// consent changes and check-in outcomes (see <see cref="WebhookNotifications"/>).
/// </summary>
public sealed class WebhookOptions
{
    public const int MinimumSecretLength = 32;

    /// <summary>As configured, per client: the URL and the secret (either may be missing, which is a problem).</summary>
    public Dictionary<string, (string? Url, string? Secret)> Configured { get; } = new(StringComparer.Ordinal);

    /// <summary>The clients that have an API key (<c>Api__Keys__&lt;client&gt;</c>).</summary>
    public HashSet<string> KnownClients { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// <c>Notifications__LookAhead</c>: a <c>DeliverWebhookNotifications</c> run also takes the
    /// notifications whose next attempt falls due within this long after it starts, and waits for each
    /// (never early). A retry is due a minute (then 2, 4, …) after an attempt that a run made a moment after
    /// it started, so without this it fell due a moment after the next run started and waited a minute
    /// more. 40 s: a run's last wait ends 40 s in, its last POST 10 s later at most
    /// (<see cref="WebhookDelivery.RequestTimeout"/>), well before the next run a minute after it, which
    /// the host would skip if this one still ran.
    /// </summary>
    public TimeSpan LookAhead { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>Whether any client has a webhook: without one, no notification is ever written.</summary>
    public bool Any => Configured.Count > 0;

    /// <summary>The client's webhook, or null if it has none (or it is not valid, which start-up refuses).</summary>
    public ClientWebhook? For(string clientId) =>
        Configured.TryGetValue(clientId, out var c) && ParseUrl(c.Url) is { } url && WebhookSignature.KeyOf(c.Secret) is { } key
            ? new ClientWebhook(url, key)
            : null;

    public IEnumerable<string> Problems()
    {
        if (LookAhead < TimeSpan.Zero || LookAhead > TimeSpan.FromSeconds(45))
        {
            yield return "Notifications:LookAhead must be between 00:00:00 and 00:00:45: the timer runs every minute, and a run (its waits, then a POST of up to 10 s) must end before the next.";
        }

        foreach (var (client, (url, secret)) in Configured)
        {
            var name = $"Api:Webhooks:{client}";
            if (!KnownClients.Contains(client))
            {
                yield return $"{name} is set but there is no Api:Keys:{client}: a webhook belongs to a client with an API key (check the client's name).";
            }

            if (string.IsNullOrWhiteSpace(url))
            {
                yield return $"{name}:Url is required when {name}:Secret is set: the absolute https URL your app receives notifications at.";
            }
            else if (ParseUrl(url) is null)
            {
                yield return $"{name}:Url must be an absolute https URL, such as https://app.example.com/hooks/aftercare (http only for localhost or 127.0.0.1).";
            }

            if (string.IsNullOrEmpty(secret))
            {
                yield return $"{name}:Secret is required when {name}:Url is set: a random value of at least {MinimumSecretLength} characters (or whsec_ and Base64) that the receiver verifies signatures with.";
            }
            else if (WebhookSignature.KeyOf(secret) is null)
            {
                yield return secret.StartsWith(WebhookSignature.SecretPrefix, StringComparison.Ordinal)
                    ? $"{name}:Secret starts with {WebhookSignature.SecretPrefix} but what follows is not Base64 of 24 to 64 bytes (make one with: echo {WebhookSignature.SecretPrefix}$(openssl rand -base64 32))."
                    : $"{name}:Secret must be at least {MinimumSecretLength} characters long (use a long random value, such as: openssl rand -base64 32).";
            }
        }
    }

    /// <summary>An absolute https URL, or http to this machine only (local runs and tests).</summary>
    internal static Uri? ParseUrl(string? text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || !string.IsNullOrEmpty(url.UserInfo))
        {
            return null;
        }

        return url.Scheme switch
        {
            "https" => url,
            "http" when url.IsLoopback || (IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)) => url,
            _ => null,
        };
    }
}

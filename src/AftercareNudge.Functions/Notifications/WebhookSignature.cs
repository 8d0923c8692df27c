using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AftercareNudge.Notifications;

/// <summary>
/// The Standard Webhooks signature (standardwebhooks.com), written by hand: <c>webhook-id</c>,
/// <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature: v1,&lt;Base64 HMAC-SHA256 of
/// "id.timestamp.body"&gt;</c>. A secret <c>whsec_&lt;Base64&gt;</c> is used as the spec says (the key is
/// the decoded bytes), so receivers can verify with any Standard Webhooks library; any other secret of
/// at least <see cref="WebhookOptions.MinimumSecretLength"/> characters is used as its UTF-8 bytes.
/// </summary>
public static class WebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>How far a timestamp may be from the receiver's clock: older (or newer) is refused as a replay.</summary>
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>The HMAC key a secret stands for, or null if the secret is not acceptable.</summary>
    public static byte[]? KeyOf(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return null;
        }

        if (secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            try
            {
                var key = Convert.FromBase64String(secret[SecretPrefix.Length..]);
                return key.Length is >= 24 and <= 64 ? key : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        return secret.Length >= WebhookOptions.MinimumSecretLength ? Encoding.UTF8.GetBytes(secret) : null;
    }

    /// <summary>The <c>webhook-signature</c> value: <c>v1,</c> and the Base64 HMAC-SHA256 of <c>id.timestamp.body</c>.</summary>
    public static string Sign(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body) =>
        "v1," + Convert.ToBase64String(Mac(key, id, timestamp, body));

    /// <summary>
    /// What a receiver does: true when one of the space-separated <c>v1,</c> signatures matches (compared
    /// in constant time) and the timestamp is within <see cref="Tolerance"/> of <paramref name="now"/>.
    /// </summary>
    public static bool Verify(byte[] key, string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(signatures)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > Tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Mac(key, id, seconds, body);
        var found = false;
        foreach (var part in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.StartsWith("v1,", StringComparison.Ordinal))
            {
                continue;
            }

            var presented = new byte[expected.Length];
            if (Convert.TryFromBase64String(part[3..], presented, out var written) && written == expected.Length
                && CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                found = true;
            }
        }

        return found;
    }

    private static byte[] Mac(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(id + "." + timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, content);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AftercareNudge.Messaging.Email;

/// <summary>Why a signed event webhook request was accepted or refused.</summary>
public enum SendGridSignatureResult
{
    Valid,

    /// <summary>The signature or timestamp header is absent or empty.</summary>
    Missing,

    /// <summary>A header or the configured key cannot be decoded (not Base64, not a number, not a P-256 key).</summary>
    Malformed,

    /// <summary>Well formed, but not SendGrid's signature over this timestamp and body.</summary>
    Invalid,

    /// <summary>The timestamp is too far from now: a replay, or a badly wrong clock.</summary>
    Stale,

    /// <summary>No public key is configured, so nothing can be verified.</summary>
    NoKey,
}

/// <summary>
/// SendGrid's signed event webhook: an ECDSA P-256 / SHA-256 signature (Base64 DER) over the UTF-8
/// timestamp header followed by the raw body exactly as received, checked with the Base64 DER
/// SubjectPublicKeyInfo from Mail Settings. Re-serialised JSON never verifies, so callers parse the
/// bytes that were verified.
/// </summary>
public static class SendGridSignature
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";

    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    /// <summary>SendGrid batches events; a batch is far smaller than this.</summary>
    public const int MaxBodyBytes = Hosting.RequestLimits.WebhookBodyBytes;

    public static readonly TimeSpan DefaultMaxSkew = TimeSpan.FromMinutes(5);

    // A DER ECDSA P-256 signature is at most 72 bytes; anything much longer is not one.
    private const int MaxSignatureBytes = 128;

    // A P-256 SubjectPublicKeyInfo is 91 bytes; leave room for nothing unreasonable.
    private const int MaxKeyBytes = 1024;

    // The Unix seconds DateTimeOffset can represent (0001-01-01 to 9999-12-31).
    private const long MinUnixSeconds = -62_135_596_800;
    private const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>
    /// Checks a request's signature. Never throws for bad input: every problem with the key, the
    /// headers or the body is reported as a result.
    /// </summary>
    /// <param name="timestamp">The timestamp header, Unix seconds, signed exactly as given.</param>
    /// <param name="maxSkew">How far the timestamp may be from <paramref name="now"/> either way; 5 minutes by default.</param>
    public static SendGridSignatureResult Verify(
        string? publicKeyBase64,
        string? signatureBase64,
        string? timestamp,
        ReadOnlySpan<byte> rawBody,
        DateTimeOffset now,
        TimeSpan? maxSkew = null)
    {
        var skew = maxSkew ?? DefaultMaxSkew;
        ArgumentOutOfRangeException.ThrowIfLessThan(skew, TimeSpan.Zero, nameof(maxSkew));

        if (string.IsNullOrWhiteSpace(publicKeyBase64))
        {
            return SendGridSignatureResult.NoKey;
        }

        if (string.IsNullOrWhiteSpace(signatureBase64) || string.IsNullOrWhiteSpace(timestamp))
        {
            return SendGridSignatureResult.Missing;
        }

        // Digits only: a sign, spaces or a decimal point would make the signed text differ from the number.
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds is < MinUnixSeconds or > MaxUnixSeconds)
        {
            return SendGridSignatureResult.Malformed;
        }

        if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > skew)
        {
            return SendGridSignatureResult.Stale;
        }

        Span<byte> signature = stackalloc byte[MaxSignatureBytes];
        if (!Convert.TryFromBase64String(signatureBase64, signature, out var signatureLength) || signatureLength == 0)
        {
            return SendGridSignatureResult.Malformed;
        }

        using var key = ImportKey(publicKeyBase64);
        if (key is null)
        {
            return SendGridSignatureResult.Malformed;
        }

        // Hash timestamp then body incrementally rather than copying the body to prepend the timestamp.
        using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hasher.AppendData(Encoding.UTF8.GetBytes(timestamp));
        hasher.AppendData(rawBody);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        hasher.GetHashAndReset(hash);

        try
        {
            return key.VerifyHash(hash, signature[..signatureLength], DSASignatureFormat.Rfc3279DerSequence)
                ? SendGridSignatureResult.Valid
                : SendGridSignatureResult.Invalid;
        }
        catch (CryptographicException)
        {
            // Base64 that is not a DER SEQUENCE of two INTEGERs.
            return SendGridSignatureResult.Malformed;
        }
    }

    /// <summary>
    /// Reads the raw body (at most <see cref="MaxBodyBytes"/>) and verifies it with
    /// <see cref="SendGridOptions.EventWebhookPublicKey"/>. On success returns exactly the bytes that
    /// were verified, for the caller to parse; on any failure the caller answers 403.
    /// </summary>
    /// <param name="logger">The caller's: a refusal is logged (never the body) under the webhook that refused it.</param>
    public static async Task<(bool Ok, byte[] Body)> ReadVerifiedBodyAsync(HttpRequest request, SendGridOptions options, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);

        var body = await ReadLimitedAsync(request, ct);
        if (body is null)
        {
            SendGridWebhookLog.BodyTooLarge(logger, MaxBodyBytes);
            return (false, []);
        }

        var result = Verify(
            options.EventWebhookPublicKey,
            HeaderValue(request, SignatureHeader),
            HeaderValue(request, TimestampHeader),
            body,
            time.GetUtcNow());

        switch (result)
        {
            case SendGridSignatureResult.Valid:
                return (true, body);
            case SendGridSignatureResult.NoKey:
                SendGridWebhookLog.NoPublicKey(logger);
                return (false, []);
            default:
                SendGridWebhookLog.Rejected(logger, result, body.Length);
                return (false, []);
        }
    }

    private static ECDsa? ImportKey(string publicKeyBase64)
    {
        var der = new byte[MaxKeyBytes];
        if (!Convert.TryFromBase64String(publicKeyBase64, der, out var length))
        {
            return null;
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(der.AsSpan(0, length), out var read);
            if (read == length && key.KeySize == 256)
            {
                return key;
            }
        }
        catch (CryptographicException)
        {
            // Not an EC SubjectPublicKeyInfo.
        }

        key.Dispose();
        return null;
    }

    private static string? HeaderValue(HttpRequest request, string name) =>
        request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    /// <summary>The whole body, or null when it is longer than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadLimitedAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream(capacity: (int)Math.Min(request.ContentLength ?? 16 * 1024, MaxBodyBytes));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>Event webhook log messages: never addresses, headers or bodies.</summary>
internal static partial class SendGridWebhookLog
{
    [LoggerMessage(EventId = 450, Level = LogLevel.Warning, Message = "SendGrid event webhook refused: {Result} ({BodyLength} bytes)")]
    public static partial void Rejected(ILogger logger, SendGridSignatureResult result, int bodyLength);

    [LoggerMessage(EventId = 451, Level = LogLevel.Warning, Message = "SendGrid event webhook refused: body larger than {Limit} bytes")]
    public static partial void BodyTooLarge(ILogger logger, int limit);

    [LoggerMessage(EventId = 452, Level = LogLevel.Error, Message = "SendGrid event webhook refused: SendGrid:EventWebhookPublicKey is not set, so no signature can be verified")]
    public static partial void NoPublicKey(ILogger logger);
}

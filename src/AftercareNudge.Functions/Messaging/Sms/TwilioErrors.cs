using System.Globalization;

namespace AftercareNudge.Messaging.Sms;

/// <summary>
/// What a Twilio answer means for the dispatcher (see providers.md, "Which errors mean what").
/// Twilio warns that codes change, so anything not listed takes the default path: 429 is transient,
/// 5xx ambiguous, any other status permanent.
/// </summary>
internal static class TwilioErrors
{
    /// <summary>The pause asked for when the sender's queue is full (21611, 30001): Twilio needs longer than a 429 does.</summary>
    public static readonly TimeSpan QueueFullRetryAfter = TimeSpan.FromMinutes(1);

    /// <summary>Twilio refuses <c>ContentRetention</c> on an account without Message Redaction.</summary>
    public const int ContentRetentionRefused = 30029;

    /// <summary>Twilio refuses <c>AddressRetention</c> on an account without Message Redaction.</summary>
    public const int AddressRetentionRefused = 30030;

    /// <summary>
    /// Classifies a failed send. <paramref name="code"/> is the body's <c>code</c> (or a created message's
    /// <c>error_code</c>); <paramref name="retryAfter"/> is the <c>Retry-After</c> header, if any.
    /// The reason never carries Twilio's message text, which can contain the phone number.
    /// </summary>
    public static SendResult Classify(int httpStatus, int? code, TimeSpan? retryAfter)
    {
        if (code is int known)
        {
            var reason = CodeReason(known);
            switch (known)
            {
                case 20429:
                    return SendResult.Throttle(reason, retryAfter);
                case 30003 or 30008:
                    return SendResult.Transient(reason, retryAfter);
                case 21611 or 30001:
                    return SendResult.Transient(reason, retryAfter > QueueFullRetryAfter ? retryAfter : QueueFullRetryAfter);
                case 21610:
                    return SendResult.OptedOut(reason);
                case 21211 or 21614 or 21408 or 20003 or 30004 or 30005 or 30006 or 30007:
                    return SendResult.Permanent(reason);
                case ContentRetentionRefused or AddressRetentionRefused:
                    // Every send fails alike until the setting is turned off: the reason says which.
                    return SendResult.Permanent(reason + "-turn-off-" + RedactionSetting(known));
                default:
                    break;
            }
        }

        if (httpStatus == 429)
        {
            // Documented as not processed, whatever the code says.
            return SendResult.Throttle(code is int c ? CodeReason(c) : HttpReason(httpStatus), retryAfter);
        }

        if (httpStatus >= 500)
        {
            return SendResult.Ambiguous(HttpReason(httpStatus));
        }

        return SendResult.Permanent(code is int other ? CodeReason(other) : HttpReason(httpStatus));
    }

    /// <summary>The setting that asked for the Message Redaction Twilio refused with <paramref name="code"/>, or null for any other code.</summary>
    public static string? RedactionSetting(int code) => code switch
    {
        ContentRetentionRefused => TwilioOptions.Section + ":" + nameof(TwilioOptions.RedactMessageBodies),
        AddressRetentionRefused => TwilioOptions.Section + ":" + nameof(TwilioOptions.RedactPhoneNumbers),
        _ => null,
    };

    private static string CodeReason(int code) => string.Create(CultureInfo.InvariantCulture, $"twilio-{code}");

    private static string HttpReason(int httpStatus) => string.Create(CultureInfo.InvariantCulture, $"twilio-http-{httpStatus}");
}

namespace AftercareNudge.Messaging;

/// <summary>How a provider answered one send, in the terms the dispatcher acts on.</summary>
public enum SendOutcome
{
    /// <summary>The provider accepted the message.</summary>
    Sent,

    /// <summary>Documented as not processed (429, queue full, unreachable handset): safe to try again later.</summary>
    Transient,

    /// <summary>Will never succeed as sent (invalid number, blocked, bad configuration).</summary>
    Permanent,

    /// <summary>The recipient has opted out at the provider (Twilio 21610).</summary>
    OptedOut,

    /// <summary>A timeout or 5xx: the message may or may not exist. Never retried automatically.</summary>
    Ambiguous,
}

/// <summary>
/// The result of one send. <see cref="Reason"/> is a short, stable code such as <c>twilio-21211</c>
/// or <c>sendgrid-http-400</c>: it is shown to the client and may be logged, so it never carries
/// a phone number, an email address or message text.
/// </summary>
public sealed record SendResult(SendOutcome Outcome, string? ProviderMessageId = null, string? Reason = null, TimeSpan? RetryAfter = null)
{
    /// <summary>
    /// A transient refusal for the provider's rate, not the message (Twilio's 429 / 20429, SendGrid's
    /// 429, our own limiter): nothing was sent, and it says nothing about the message. The dispatcher
    /// tries again after <see cref="RetryAfter"/> without counting a try.
    /// </summary>
    public bool Throttled { get; init; }

    public static SendResult Throttle(string reason, TimeSpan? retryAfter = null) => new(SendOutcome.Transient, Reason: reason, RetryAfter: retryAfter) { Throttled = true };

    public static SendResult Sent(string? providerMessageId) => new(SendOutcome.Sent, providerMessageId);

    public static SendResult Transient(string reason, TimeSpan? retryAfter = null) => new(SendOutcome.Transient, Reason: reason, RetryAfter: retryAfter);

    public static SendResult Permanent(string reason) => new(SendOutcome.Permanent, Reason: reason);

    public static SendResult OptedOut(string reason) => new(SendOutcome.OptedOut, Reason: reason);

    public static SendResult Ambiguous(string reason) => new(SendOutcome.Ambiguous, Reason: reason);
}

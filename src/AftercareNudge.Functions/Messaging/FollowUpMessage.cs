namespace AftercareNudge.Messaging;

/// <summary>
/// A fallback, a notice or a relay, composed at the moment it goes out; or, when it should not go after all,
/// why (<see cref="Withheld"/>).
/// </summary>
public sealed record FollowUpMessage(SmsMessage? Sms = null, EmailMessage? Email = null, string? Withheld = null);

namespace AftercareNudge.Messaging;

/// <summary>What kind of message this is: the outbox and the providers' custom args carry it.</summary>
public static class MessageKinds
{
    public const string CheckIn = "check-in";
    public const string ConsentRequest = "consent-request";
    public const string ConsentReply = "consent-reply";
    public const string Reminder = "reminder";

    /// <summary>A check-in sent again on its other channel because the first did not arrive.</summary>
    public const string Fallback = "fallback";

    /// <summary>The service telling an organiser that a check-in did not arrive.</summary>
    public const string Notice = "notice";

    /// <summary>A reply to a check-in, passed on to the organiser.</summary>
    public const string Relay = "relay";

    /// <summary>To whoever wrote a reply that waited for its organiser: it has now been passed on.</summary>
    public const string ReplyPassedOn = "reply-passed-on";

    /// <summary>The one reminder to a person who has not answered an armed check-in.</summary>
    public const string SafetyReminder = "safety-reminder";

    /// <summary>To a trusted contact: the person did not answer an armed check-in.</summary>
    public const string Alert = "alert";

    /// <summary>To a trusted contact who was alerted: the person answered after all.</summary>
    public const string AllClear = "all-clear";

    /// <summary>To a trusted contact who was alerted: the event was cancelled without an answer (about no one check-in row).</summary>
    public const string SafetyCancelled = "safety-cancelled";
}

/// <summary>One SMS, already worded (the sender's name first, per the wording rules).</summary>
/// <param name="To">E.164 number.</param>
/// <param name="Body">The full text, at most 1,600 characters.</param>
/// <param name="Kind">One of <see cref="MessageKinds"/>.</param>
/// <param name="EventId">Opaque id, or null for messages not tied to an event.</param>
/// <param name="CheckInId">Opaque id, or null.</param>
public sealed record SmsMessage(string To, string Body, string Kind, string? EventId, string? CheckInId);

/// <summary>One email with a plain-text and an HTML part. The subject never names the event's kind or title.</summary>
/// <param name="UnsubscribeUrl">The one-click unsubscribe link (RFC 8058) every email carries, in its footer and its headers.</param>
public sealed record EmailMessage(
    string To,
    string? ToName,
    string Subject,
    string Text,
    string Html,
    string Kind,
    string? EventId,
    string? CheckInId,
    Uri? UnsubscribeUrl = null);

public interface ISmsSender
{
    Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken);
}

public interface IEmailSender
{
    Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken);
}

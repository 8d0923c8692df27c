using System.Globalization;
using System.Text.Json.Serialization;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Dispatch;

/// <summary>
/// <c>POST /api/twilio/status</c>: Twilio's status callback for a message we sent, signed over the
/// <c>StatusCallback</c> URL <see cref="TwilioSmsClient"/> gave it, whose query names the check-in.
/// <c>delivered</c>/<c>read</c> make a <c>sent</c> check-in delivered; <c>undelivered</c>/<c>failed</c>
/// make it failed with Twilio's error code. Twilio promises no order and may repeat itself, so a status
/// never moves backwards: only a <c>sent</c> check-in changes, with one exception. A check-in failed as
/// <c>outcome-unknown:…</c> (we never learned whether Twilio took it) becomes delivered when Twilio says
/// it was: that is the news we were missing. A failure reported by Twilio stays final even if a
/// <c>delivered</c> follows, so the record never contradicts a fallback or notice already sent for it.
/// A report that comes while the check-in is still <c>sending</c> waits on it for the dispatcher, and a
/// failure makes the fallback or notice it calls for (see <see cref="DeliveryReports"/>).
/// </summary>
/// <summary>The fields of Twilio's status callback that are read.</summary>
public sealed record TwilioStatusForm(
    [property: JsonPropertyName("MessageSid")] string MessageSid,
    [property: JsonPropertyName("MessageStatus")] string MessageStatus,
    [property: JsonPropertyName("ErrorCode")] string? ErrorCode = null)
{
    internal static TwilioStatusForm Read(IFormCollection form) => new(
        form["MessageSid"].ToString(),
        form["MessageStatus"].ToString(),
        form["ErrorCode"].ToString() is { Length: > 0 } errorCode ? errorCode : null);
}

public static class TwilioStatusCallbacks
{
    /// <summary>
    /// What a <c>MessageStatus</c> says about a check-in: delivered, failed (with the reason to record),
    /// or nothing (null) for the steps on the way (<c>queued</c>, <c>sending</c>, <c>sent</c>), for
    /// <c>canceled</c> (only scheduled messages are, and we schedule none at Twilio) and for anything new.
    /// </summary>
    internal static (CheckInStatus Status, string? Reason)? Report(string messageStatus, string? errorCode) => messageStatus switch
    {
        "delivered" or "read" => (CheckInStatus.Delivered, null),
        "undelivered" or "failed" => (CheckInStatus.Failed, IsErrorCode(errorCode) ? "twilio-" + errorCode : "twilio-" + messageStatus),
        _ => null,
    };

    /// <summary>The check-in after a report for its message, or null when the report changes nothing.</summary>
    internal static CheckInRecord? Apply(CheckInRecord checkIn, string messageSid, CheckInStatus status, string? reason) =>
        DeliveryReports.Apply(checkIn, new DeliveryReport(status, reason, messageSid));

    // Twilio's error codes are numbers; anything else is not worth storing as a reason.
    private static bool IsErrorCode(string? code) =>
        code is { Length: > 0 and <= 10 } && int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    // Twilio takes any 2xx; an empty TwiML document is what it expects from a webhook.
    internal static ContentHttpResult Answer() => TwilioWebhooks.TwiML(null);
}

/// <summary>Twilio status callback log messages (event ids 480-489): message SIDs, statuses and our ids, never numbers or text.</summary>
internal static partial class TwilioStatusLog
{
    [LoggerMessage(EventId = 480, Level = LogLevel.Information, Message = "Twilio status {MessageStatus} for {MessageSid}: check-in {EventId}/{CheckInId} is now {Status} ({Reason})")]
    public static partial void CheckInMarked(ILogger logger, string messageSid, string messageStatus, string eventId, string checkInId, CheckInStatus status, string? reason);

    [LoggerMessage(EventId = 481, Level = LogLevel.Information, Message = "Twilio status {MessageStatus} for {MessageSid}: check-in {EventId}/{CheckInId} left as it is (unknown, not sent yet, or already final)")]
    public static partial void CheckInUnchanged(ILogger logger, string messageSid, string messageStatus, string eventId, string checkInId);

    [LoggerMessage(EventId = 482, Level = LogLevel.Warning, Message = "Twilio status for {MessageSid} names check-in {EventId}/{CheckInId}, which was sent as another message; ignored")]
    public static partial void OtherMessage(ILogger logger, string messageSid, string eventId, string checkInId);

    [LoggerMessage(EventId = 483, Level = LogLevel.Debug, Message = "Twilio status {MessageStatus} for {MessageSid} names no check-in; nothing to mark")]
    public static partial void NoCheckIn(ILogger logger, string messageSid, string messageStatus);

    [LoggerMessage(EventId = 484, Level = LogLevel.Debug, Message = "Twilio status {MessageStatus} for {MessageSid}: nothing to record")]
    public static partial void NothingToRecord(ILogger logger, string messageSid, string messageStatus);

    [LoggerMessage(EventId = 485, Level = LogLevel.Warning, Message = "Twilio status callback without MessageSid or MessageStatus; ignored")]
    public static partial void Incomplete(ILogger logger);

    [LoggerMessage(EventId = 486, Level = LogLevel.Information, Message = "Twilio status {MessageStatus} for {MessageSid}: check-in {EventId}/{CheckInId} is still being sent; the report waits for the dispatcher")]
    public static partial void CheckInPending(ILogger logger, string messageSid, string messageStatus, string eventId, string checkInId);
}

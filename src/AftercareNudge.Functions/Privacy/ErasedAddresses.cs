using AftercareNudge.Events;
using AftercareNudge.Schedule;

namespace AftercareNudge.Privacy;

/// <summary>The address a person's erasure names, read as registration reads one.</summary>
internal static class ErasedAddresses
{
    /// <summary>
    /// The address as registration stores it (E.164 for a phone, trimmed for an email), judged by
    /// registration's own rules and messages; or why it is neither. An email is judged by the rule
    /// registration had before it refused invisible characters and undeliverable forms, so that rows
    /// stored with them (found by tools/StoredAddressCheck) can still be erased.
    /// </summary>
    internal static ((Channel Channel, string Address)? Address, string? Error) Parse(string text)
    {
        var errors = new EventValidator.Errors();
        var trimmed = text.Trim();
        (Channel, string)? found = trimmed.Contains('@', StringComparison.Ordinal)
            ? EventValidator.NormalizeStoredEmail(trimmed, "address", errors) is { } email ? (Channel.Email, email) : null
            : EventValidator.NormalizePhone(trimmed, "address", errors) is { } phone ? (Channel.Sms, phone) : null;
        return found is not null
            ? (found, null)
            : (null, errors.ToDictionary().GetValueOrDefault("address")?.FirstOrDefault() ?? "The address must be a phone number in E.164 (such as +447911123456) or an email address.");
    }
}

/// <summary>Privacy log messages (event ids 1000-1019): ids and counts only, never an address.</summary>
internal static partial class PrivacyLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Event {EventId}: content purged ({CheckInCount} check-ins emptied, {ReplyCount} replies deleted)")]
    public static partial void Purged(ILogger logger, string eventId, int checkInCount, int replyCount);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Purge run: purged {Purged}, postponed {Postponed}, cleaned {Cleaned}, errors {Errored}")]
    public static partial void PurgeRun(ILogger logger, int purged, int postponed, int cleaned, int errored);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Event {EventId}: purge failed; the next run tries again")]
    public static partial void PurgeFailed(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Erasure for client {ClientId} ({Channel}): {EventCount} events anonymised, {Total} items erased")]
    public static partial void Erased(ILogger logger, string clientId, Schedule.Channel channel, int eventCount, int total);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Operator erasure ({Channel}): {ClientCount} clients held anything, {Total} items erased, opt-out kept: {OptOutKept}")]
    public static partial void OperatorErased(ILogger logger, Schedule.Channel channel, int clientCount, int total, bool optOutKept);
}

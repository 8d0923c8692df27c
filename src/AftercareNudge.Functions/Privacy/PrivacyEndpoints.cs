using AftercareNudge.Events;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Privacy;

/// <summary>Data that does not outstay its welcome: the purge timer, erasure on request, and the indexes they read.</summary>
public static class PrivacyEndpoints
{
    /// <summary>
    /// <c>DELETE /api/people/{address}</c>: erases what this client's data holds about a phone number
    /// (E.164) or an email address, URL-encoded, except an opt-out. 200 with what was erased, also when
    /// there was nothing (again).
    /// </summary>
    internal static async Task<Results<Ok<ErasureSummary>, ValidationProblem>> EraseAsync(
        string address,
        HttpContext http,
        AddressErasure erasure,
        CancellationToken cancellationToken)
    {
        var (parsed, error) = Parse(address);
        if (parsed is not { } found)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["address"] = [error!] }, title: "The address is not valid.");
        }

        return TypedResults.Ok(await erasure.EraseAsync(http.Client(), found.Channel, found.Address, cancellationToken));
    }

    /// <summary>
    /// <c>DELETE /api/operator/people/{address}</c> (the operator's key): every client's erasure, and
    /// what belongs to no client; <c>?optOut=erase</c> erases the opt-out too.
    /// </summary>
    internal static async Task<Results<Ok<OperatorErasureSummary>, ValidationProblem>> EraseEverywhereAsync(
        string address,
        HttpContext http,
        AddressErasure erasure,
        CancellationToken cancellationToken)
    {
        var (parsed, error) = Parse(address);
        var optOut = http.Request.Query["optOut"].ToString();
        var errors = new Dictionary<string, string[]>();
        if (parsed is null)
        {
            errors["address"] = [error!];
        }

        if (optOut is not ("" or "keep" or "erase"))
        {
            errors["optOut"] = ["optOut is keep (the default: an opt-out must hold) or erase (the number will look new, and the next registration texts it)."];
        }

        if (errors.Count > 0 || parsed is not { } found)
        {
            return TypedResults.ValidationProblem(errors, title: "The request is not valid.");
        }

        return TypedResults.Ok(await erasure.EraseEverywhereAsync(found.Channel, found.Address, optOut == "erase", cancellationToken));
    }

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

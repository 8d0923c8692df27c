using System.Text.Json;
using System.Text.Json.Serialization;
using AftercareNudge.Hosting;
using AftercareNudge.Schedule;

namespace AftercareNudge.Events;

// The wire shapes of POST/GET /api/events. Every field of a request is nullable so that a missing
// one is reported by the validator, by name, rather than by the JSON reader.

public sealed record RegisterEventRequest(
    string? Title,
    string? Kind,
    string? TimeZone,
    string? StartsAt,
    string? EndsAt,
    PersonRequest? Organizer,
    IReadOnlyList<PersonRequest?>? People,
    IReadOnlyList<CheckInRequest?>? CheckIns,
    AftercareRequest? Aftercare = null);

/// <summary>
/// The aftercare everyone agrees to: the shared <c>plan</c>, each person's <c>needs</c> (keyed like
/// check-ins' <c>to</c>: <c>organizer</c> or a person's key), and email <c>reminders</c> of it.
/// </summary>
public sealed record AftercareRequest(string? Plan, IReadOnlyDictionary<string, string?>? Needs, IReadOnlyList<ReminderRequest?>? Reminders);

/// <summary>An email reminder of the agreed aftercare to one person, timed like a check-in.</summary>
public sealed record ReminderRequest(string? To, string? At, string? After, string? Offset);

/// <param name="RepliesBy">The organiser only: <c>sms</c> or <c>email</c>, how replies to their check-ins are passed on to them (default: SMS if they have a phone, else email).</param>
/// <param name="Role">Absent for a recipient; <c>trustedContact</c> for someone told if the organiser does not answer an armed check-in, and sent nothing else.</param>
public sealed record PersonRequest(string? Key, string? Name, string? Phone, string? Email, string? TimeZone, QuietHoursRequest? QuietHours = null, string? RepliesBy = null, string? Role = null);

/// <summary>
/// A person's quiet hours, local wall-clock times in their zone: <c>{ "from": "22:00", "to": "07:30" }</c>,
/// or the form <c>GET</c> answers, <c>"22:00-07:30"</c>, so that what is read can be sent back.
/// </summary>
[JsonConverter(typeof(QuietHoursRequestConverter))]
public sealed record QuietHoursRequest(string? From, string? To);

/// <summary>The object form of <see cref="QuietHoursRequest"/>, read by the request's own (strict) rules.</summary>
internal sealed record QuietHoursObject(string? From, string? To);

/// <summary>Reads quiet hours in either form; writes the object form.</summary>
internal sealed class QuietHoursRequestConverter : JsonConverter<QuietHoursRequest>
{
    public override QuietHoursRequest? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            // "22:00-07:30"; anything else is left for the validator to refuse by name.
            var text = reader.GetString()!;
            var dash = text.IndexOf('-', StringComparison.Ordinal);
            return dash < 0 ? new QuietHoursRequest(text, null) : new QuietHoursRequest(text[..dash], text[(dash + 1)..]);
        }

        try
        {
            return JsonSerializer.Deserialize<QuietHoursObject>(ref reader, options) is { } shape ? new QuietHoursRequest(shape.From, shape.To) : null;
        }
        catch (JsonException e) when (e is not Hosting.NestedJsonException)
        {
            throw new Hosting.NestedJsonException(typeof(QuietHoursObject), e);
        }
    }

    public override void Write(Utf8JsonWriter writer, QuietHoursRequest value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString("from", value.From);
        writer.WriteString("to", value.To);
        writer.WriteEndObject();
    }
}

/// <param name="AwaitReply">Arms the check-in: it waits for the organiser's answer, and their trusted contacts are told if none comes (SMS check-ins to the organiser only).</param>
public sealed record CheckInRequest(string? To, string? Channel, string? At, string? After, string? Offset, string? Message, AwaitReplyRequest? AwaitReply = null);

/// <summary>
/// What an armed check-in waits for: an answer <c>within</c> of its due time (an ISO 8601 duration,
/// PT1M to PT12H), then one reminder, then <c>grace</c> (PT1M to PT2H, default PT10M) before each
/// trusted contact in <c>escalateTo</c> (people's keys, 1 to 5) is alerted with the <c>note</c>.
/// The <c>duressWord</c>, in a reply, answers as any reply does and alerts the contacts at once; it is
/// never shown in any answer.
/// </summary>
public sealed record AwaitReplyRequest(string? Within, string? Grace, IReadOnlyList<string>? EscalateTo, string? Note, string? DuressWord);


[JsonConverter(typeof(JsonStringEnumConverter<EventStatus>))]
public enum EventStatus
{
    [JsonStringEnumMemberName("awaiting-consent")]
    AwaitingConsent,

    [JsonStringEnumMemberName("scheduled")]
    Scheduled,

    [JsonStringEnumMemberName("cancelled")]
    Cancelled,

    /// <summary>Nothing left to send, and something was sent.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Nothing left to send, and nothing was sent (every check-in was skipped or failed before it went).</summary>
    [JsonStringEnumMemberName("ended")]
    Ended,
}


public sealed record EventView(
    string Id,
    EventStatus Status,
    string Title,
    string Kind,
    string TimeZone,
    string StartsAt,
    string EndsAt,
    DateTimeOffset StartsAtUtc,
    DateTimeOffset EndsAtUtc,
    PersonView Organizer,
    IReadOnlyList<PersonView> People,
    IReadOnlyList<CheckInView> CheckIns,
    [property: JsonIgnore] string? ETag = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AftercarePlan = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Purged = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string[]>? Warnings = null);

public sealed record PersonView(
    string Key,
    string Name,
    string? Phone,
    string? Email,
    string TimeZone,
    IReadOnlyDictionary<string, Consent.ConsentState> Consent,
    string QuietHours,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Needs = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? AgreedToPlan = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Channel? RepliesBy = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role = null);

/// <param name="WaitsUntil">When a check-in that will not go at its <c>dueAt</c> will go (quiet hours, a retry), as every instant, in UTC.</param>
/// <param name="WaitsUntilLocal">The same moment on the recipient's clock, in their <c>timeZone</c> (<c>2026-12-06T08:00</c>), for showing to a person.</param>
public sealed record CheckInView(
    string Id,
    string To,
    Channel Channel,
    DateTimeOffset DueAt,
    CheckInStatus Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? SentAt,
    bool Late,
    IReadOnlyList<ReplyView> Replies,
    CheckInKind Kind = CheckInKind.CheckIn,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RelatesTo = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? WaitsUntil = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? WaitsUntilLocal = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AwaitReplyView? AwaitReply = null);

/// <summary>
/// An armed check-in's safety net as the client may see it: what was asked (the waits normalised, as
/// ISO 8601 durations) and where it stands. Never the duress word.
/// </summary>
public sealed record AwaitReplyView(
    string Within,
    string Grace,
    IReadOnlyList<string> EscalateTo,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note,
    AwaitState State,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? AnsweredAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? RemindedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? EscalatedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Told = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? AnswerBy = null)
{
    /// <summary>
    /// What the client sees. After a duress answer, exactly what any answer shows: no contacts told
    /// because of it (see <c>Safety.DuressMask</c>).
    /// </summary>
    public static AwaitReplyView Of(AwaitedReply awaited)
    {
        ArgumentNullException.ThrowIfNull(awaited);
        var toldBefore = awaited.DuressAt is null || awaited.EscalatedAt < awaited.DuressAt;
        return new(
            EventValidator.Iso(awaited.Net.Within),
            EventValidator.Iso(awaited.Net.Grace),
            awaited.Net.EscalateTo,
            awaited.Net.Note,
            awaited.State,
            awaited.AnsweredAt,
            awaited.RemindedAt,
            toldBefore ? awaited.EscalatedAt : null,
            toldBefore && awaited.Alerted is { Count: > 0 } told ? told : null,
            awaited.State is AwaitState.Waiting or AwaitState.Reminded ? awaited.RemindAt : null);
    }
}

/// <summary>A recipient's free-text answer to a check-in; <see cref="Relay"/>: whether it was passed on to the organiser.</summary>
public sealed record ReplyView(
    string Body,
    DateTimeOffset ReceivedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RelayView? Relay = null);


using System.Buffers.Text;
using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;
using AftercareNudge.Schedule;
using NodaTime.Text;

namespace AftercareNudge.Events;

/// <summary>
/// What <c>GET /api/events</c> was asked for, read from its query string: a status, the organiser's
/// phone or email, a start instant the events start after, the page size, and where the last page
/// stopped. Every parameter is optional; a bad one is named in the 400's <c>errors</c>.
/// </summary>
public sealed record EventListQuery(
    EventStatus? Status,
    string? OrganizerPhone,
    string? OrganizerEmail,
    DateTimeOffset? StartsAfter,
    int PageSize,
    string? ContinueAfter)
{
    public const int DefaultPageSize = 20;
    public const int MaxPageSize = 100;

    public const string StatusName = "status";
    public const string OrganizerPhoneName = "organizerPhone";
    public const string OrganizerEmailName = "organizerEmail";
    public const string StartsAfterName = "startsAfter";
    public const string PageSizeName = "pageSize";
    public const string ContinuationTokenName = "continuationToken";

    private const int MaxTokenLength = 200;

    private static readonly string[] Names = [StatusName, OrganizerPhoneName, OrganizerEmailName, StartsAfterName, PageSizeName, ContinuationTokenName];

    private static readonly OffsetDateTimePattern[] InstantPatterns =
    [
        OffsetDateTimePattern.ExtendedIso,
        OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>"),
    ];

    /// <summary>The statuses by their names on the wire (<c>awaiting-consent</c>, …), read from the enum itself.</summary>
    public static readonly IReadOnlyDictionary<string, EventStatus> Statuses = typeof(EventStatus)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .ToDictionary(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name, f => (EventStatus)f.GetValue(null)!, StringComparer.Ordinal);

    /// <summary>The query, or every field at fault.</summary>
    public static (EventListQuery? Query, Dictionary<string, string[]> Errors) Parse(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var errors = new EventValidator.Errors();
        foreach (var name in query.Keys.Where(k => !Names.Contains(k, StringComparer.Ordinal)))
        {
            errors.Add(name, $"The list takes no such parameter: it takes {string.Join(", ", Names)}.");
        }

        string? One(string name)
        {
            var values = query[name];
            if (values.Count > 1)
            {
                errors.Add(name, "Send this parameter once.");
                return null;
            }

            return values.Count == 1 ? values[0] : null;
        }

        EventStatus? status = null;
        if (One(StatusName) is { } statusText)
        {
            if (Statuses.TryGetValue(statusText, out var found))
            {
                status = found;
            }
            else
            {
                errors.Add(StatusName, $"The status must be one of {string.Join(", ", Statuses.Keys)}.");
            }
        }

        var phone = One(OrganizerPhoneName) is { } phoneText ? EventValidator.NormalizePhone(phoneText.Trim(), OrganizerPhoneName, errors) : null;

        // Events registered before the email rule was tightened can still be found by their organiser.
        var email = One(OrganizerEmailName) is { } emailText ? EventValidator.NormalizeStoredEmail(emailText, OrganizerEmailName, errors) : null;

        DateTimeOffset? startsAfter = null;
        if (One(StartsAfterName) is { } startsText)
        {
            startsAfter = ParseInstant(startsText);
            if (startsAfter is null)
            {
                errors.Add(StartsAfterName, "The time must be an ISO 8601 instant with Z or an offset, such as 2026-12-05T19:00:00Z (a '+' is sent as %2B).");
            }
        }

        var pageSize = DefaultPageSize;
        if (One(PageSizeName) is { } sizeText)
        {
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out pageSize) || pageSize < 1 || pageSize > MaxPageSize)
            {
                errors.Add(PageSizeName, $"The page size must be a whole number from 1 to {MaxPageSize}.");
            }
        }

        string? after = null;
        if (One(ContinuationTokenName) is { } token)
        {
            after = ReadToken(token);
            if (after is null)
            {
                errors.Add(ContinuationTokenName, "This is not a continuation token this API gave: send it back exactly as received, or leave it out to start from the first page.");
            }
        }

        return errors.Count > 0
            ? (null, errors.ToDictionary())
            : (new EventListQuery(status, phone, email, startsAfter, pageSize, after), []);
    }

    /// <summary>The token that continues after the index row <paramref name="rowKey"/>: opaque to the client (base64url of the row key).</summary>
    public static string Token(string rowKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(rowKey));

    /// <summary>The row key a token stands for; null for anything <see cref="Token"/> could not have made.</summary>
    public static string? ReadToken(string token)
    {
        if (token.Length is 0 or > MaxTokenLength || !Base64Url.IsValid(token.AsSpan()))
        {
            return null;
        }

        string rowKey;
        try
        {
            rowKey = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token.AsSpan()));
        }
        catch (FormatException)
        {
            return null;
        }

        return ClientEventIndex.IsRowKey(rowKey) && Token(rowKey) == token ? rowKey : null;
    }

    private static DateTimeOffset? ParseInstant(string text)
    {
        foreach (var pattern in InstantPatterns)
        {
            if (pattern.Parse(text.Trim()) is { Success: true } parsed && parsed.Value.Year is > 1 and < 9999)
            {
                return parsed.Value.ToInstant().ToDateTimeOffset();
            }
        }

        return null;
    }
}

/// <summary>
/// A page of <c>GET /api/events</c>: the client's events in start order, each as <c>GET /api/events/{id}</c>
/// shows it, and the token for the next page; no token when there is none. A page may hold fewer events
/// than asked for, or none, and still have a token: the work per request is bounded.
/// </summary>
public sealed record EventList(
    IReadOnlyList<EventView> Events,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ContinuationToken = null);

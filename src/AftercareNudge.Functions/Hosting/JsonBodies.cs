using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace AftercareNudge.Hosting;

/// <summary>A JSON request body as read: the value, its bytes (for an Idempotency-Key's hash), or why it was refused.</summary>
public sealed record JsonBody<T>(T? Value, ReadOnlyMemory<byte> Bytes, ProblemHttpResult? Refusal)
    where T : class;

/// <summary>
/// Reads the JSON bodies of the app's own JSON routes, turning every way one can be wrong into problem
/// details instead of an exception: not JSON, or not UTF-8, at all (415, by its <c>Content-Type</c>,
/// before a byte is read), too large (413), empty, malformed or of the wrong shape (400, naming the
/// field). The reading is strict, because a lenient reader hides a caller's mistake: a member given
/// twice, a member the object does not have (at any depth), a name in the wrong case, and text that is
/// not Unicode (invalid UTF-8, a lone surrogate escape) are each refused by name. The providers'
/// webhooks do not come through here: providers add fields, and those are read leniently.
/// </summary>
public static class JsonBodies
{
    public const int MaxBytes = RequestLimits.JsonBodyBytes;

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web)
    {
        AllowDuplicateProperties = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        PropertyNameCaseInsensitive = false,
        RespectNullableAnnotations = true,
    };

    /// <summary>What <see cref="ReadAsync"/> refuses a body with: declared for the functions that read one (<see cref="AcceptsJsonAttribute"/>).</summary>
    public static IReadOnlyList<DeclaredAnswer> Refusals { get; } =
    [
        DeclaredAnswer.ValidationProblem(StatusCodes.Status400BadRequest, "The body is empty, not JSON, or not Unicode, or a member is given twice, unknown, or of the wrong type: errors names it."),
        DeclaredAnswer.ValidationProblem(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {MaxBytes:N0} bytes."),
        DeclaredAnswer.Problem(StatusCodes.Status415UnsupportedMediaType, "The body is not sent as UTF-8 JSON (Content-Type: application/json, with no charset or charset=utf-8)."),
    ];

    /// <summary><c>application/json</c> or any <c>+json</c> type, whatever its parameters (<c>charset</c>).</summary>
    public static bool IsJson(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType.Value is not { } media)
        {
            return false;
        }

        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// JSON is UTF-8 (RFC 8259, section 8.1): a body that says it is in another charset is refused rather
    /// than read as UTF-8 regardless, which would turn the caller's text into other characters.
    /// </summary>
    private static bool IsUtf8(HttpRequest request) =>
        !MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        || type.Charset.Value is not { Length: > 0 } charset
        || charset.Trim('"').ToUpperInvariant() is "UTF-8" or "UTF8";

    public static async Task<JsonBody<T>> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsJson(request))
        {
            return Refuse<T>(
                StatusCodes.Status415UnsupportedMediaType,
                "The body must be JSON.",
                "Send it with Content-Type: application/json.");
        }

        if (!IsUtf8(request))
        {
            return Refuse<T>(
                StatusCodes.Status415UnsupportedMediaType,
                "The body must be UTF-8.",
                "JSON is sent as UTF-8: send the body in UTF-8, with Content-Type: application/json (no charset, or charset=utf-8).");
        }

        if (request.ContentLength > MaxBytes)
        {
            return TooLarge<T>();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBytes)
            {
                return TooLarge<T>();
            }
        }

        if (buffer.Length == 0)
        {
            return Invalid<T>("body", "A JSON body is required.");
        }

        var bytes = buffer.ToArray();

        // Syntax first, then text, then shape, so each gets the message that fits it.
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.AsMemory());
        }
        catch (JsonException e)
        {
            return Invalid<T>("body", $"The body is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1}).");
        }

        using (document)
        {
            if (JsonText.FirstProblem(document.RootElement) is { } text)
            {
                return Invalid<T>(text.Field, text.Message);
            }

            try
            {
                var value = document.Deserialize<T>(RequestJson);
                return value is null ? Invalid<T>("body", "The body must be a JSON object.") : new JsonBody<T>(value, bytes, null);
            }
            catch (JsonException e)
            {
                var (field, message) = JsonShapeProblems.Describe<T>(e, document.RootElement, RequestJson);
                return Invalid<T>(field, message);
            }
        }
    }

    private static JsonBody<T> TooLarge<T>()
        where T : class =>
        Refuse<T>(
            StatusCodes.Status413PayloadTooLarge,
            "The body is too large.",
            $"The body must be at most {MaxBytes:N0} bytes.",
            new Dictionary<string, string[]> { ["body"] = [$"The body must be at most {MaxBytes:N0} bytes."] });

    private static JsonBody<T> Invalid<T>(string field, string message)
        where T : class =>
        Refuse<T>(StatusCodes.Status400BadRequest, "The request body could not be read.", null, new Dictionary<string, string[]> { [field] = [message] });

    private static JsonBody<T> Refuse<T>(int status, string title, string? detail, Dictionary<string, string[]>? errors = null)
        where T : class =>
        new(null, default, TypedResults.Problem(
            title: title,
            detail: detail,
            statusCode: status,
            extensions: errors is null ? null : new Dictionary<string, object?> { ["errors"] = errors }));
}

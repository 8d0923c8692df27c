using System.Text.Json;
using AftercareNudge.Consent;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Events;

public static partial class EventEndpoints
{
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddSingleton<EventValidator>();
        services.AddSingleton<EventStore>();
        services.AddTransient<EventService>();
        services.AddSingleton<PendingChanges>();
        services.AddTransient<EventChanges>();
        return services;
    }

    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder api)
    {
        var events = api.MapGroup("/events").RequireApiKey();
        events.MapPost("/", RegisterAsync);
        events.MapGet("/{id}", GetAsync);
        events.MapPatch("/{id}", ChangeAsync);
        events.MapDelete("/{id}", CancelAsync);
        return events;
    }

    internal static async Task<Results<Created<EventView>, ValidationProblem>> RegisterAsync(
        HttpContext http,
        EventValidator validator,
        EventService service,
        CancellationToken cancellationToken)
    {
        var (request, readErrors) = await ReadBodyAsync<RegisterEventRequest>(http.Request, cancellationToken);
        if (request is null)
        {
            return TypedResults.ValidationProblem(readErrors, title: "The request body could not be read.");
        }

        var (planned, errors) = validator.Validate(request);
        if (planned is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The event is not valid.");
        }

        var view = await service.RegisterAsync(http.Client(), planned, cancellationToken);
        SetETag(http, view);
        return TypedResults.Created($"/api/events/{view.Id}", view);
    }

    internal static async Task<Results<Ok<EventView>, ProblemHttpResult>> GetAsync(
        string id,
        HttpContext http,
        EventService service,
        CancellationToken cancellationToken)
    {
        var view = await service.GetAsync(http.Client(), id, cancellationToken);
        if (view is null)
        {
            return TypedResults.Problem(title: "No such event.", statusCode: StatusCodes.Status404NotFound);
        }

        SetETag(http, view);
        return TypedResults.Ok(view);
    }

    /// <summary>
    /// <c>DELETE /api/events/{id}</c>: cancels the event and every pending check-in. Idempotent; with
    /// <c>If-Match</c> (the ETag of a GET), 412 if the event changed since.
    /// </summary>
    internal static async Task<Results<Ok<EventView>, ProblemHttpResult>> CancelAsync(
        string id,
        HttpContext http,
        EventService service,
        CancellationToken cancellationToken)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        var (outcome, view) = await service.CancelAsync(http.Client(), id, ifMatch.Length == 0 ? null : ifMatch, cancellationToken);
        switch (outcome)
        {
            case CancelOutcome.NotFound:
                return TypedResults.Problem(title: "No such event.", statusCode: StatusCodes.Status404NotFound);
            case CancelOutcome.PreconditionFailed:
                return TypedResults.Problem(
                    title: "The event changed since you read it.",
                    detail: "Read it again (GET) and send its ETag in If-Match.",
                    statusCode: StatusCodes.Status412PreconditionFailed);
            default:
                SetETag(http, view!);
                return TypedResults.Ok(view!);
        }
    }

    private static void SetETag(HttpContext http, EventView view)
    {
        if (view.ETag is not null)
        {
            http.Response.Headers.ETag = view.ETag;
        }
    }

    /// <summary>
    /// Reads a JSON body of at most <see cref="MaxBodyBytes"/>, turning every way it can be wrong (too
    /// large, empty, malformed, a value of the wrong type) into a field error instead of an exception.
    /// </summary>
    internal static async Task<(T? Value, Dictionary<string, string[]> Errors)> ReadBodyAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, BodyError($"The body must be at most {MaxBodyBytes:N0} bytes."));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                return (null, BodyError($"The body must be at most {MaxBodyBytes:N0} bytes."));
            }
        }

        if (buffer.Length == 0)
        {
            return (null, BodyError("A JSON body is required."));
        }

        // Syntax first, then types, so each gets the message that fits it.
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (JsonException e)
        {
            return (null, BodyError($"The body is not valid JSON (line {e.LineNumber + 1}, position {e.BytePositionInLine + 1})."));
        }

        using (document)
        {
            try
            {
                var value = document.Deserialize<T>(RequestJson);
                return value is null ? (null, BodyError("The body must be a JSON object.")) : (value, []);
            }
            catch (JsonException e)
            {
                var field = e.Path is null or "$" ? "body" : e.Path.TrimStart('$', '.');
                var message = field == "body" ? "The body must be a JSON object." : "This value has the wrong type.";
                return (null, new Dictionary<string, string[]> { [field] = [message] });
            }
        }
    }

    private static Dictionary<string, string[]> BodyError(string message) => new() { ["body"] = [message] };
}

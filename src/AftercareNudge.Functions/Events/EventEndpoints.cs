using System.Text.Json;
using AftercareNudge.Consent;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Events;

public static class EventEndpoints
{
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddEvents(this IServiceCollection services)
    {
        services.AddSingleton<EventValidator>();
        services.AddSingleton<EventStore>();
        services.AddTransient<EventService>();
        return services;
    }

    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder api)
    {
        var events = api.MapGroup("/events").RequireApiKey();
        events.MapPost("/", RegisterAsync);
        events.MapGet("/{id}", GetAsync);
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
        return TypedResults.Created($"/api/events/{view.Id}", view);
    }

    internal static async Task<Results<Ok<EventView>, ProblemHttpResult>> GetAsync(
        string id,
        HttpContext http,
        EventService service,
        CancellationToken cancellationToken)
    {
        var view = await service.GetAsync(http.Client(), id, cancellationToken);
        return view is null
            ? TypedResults.Problem(title: "No such event.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(view);
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

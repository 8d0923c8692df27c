using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Events;

public sealed partial class EventFunctions
{
    /// <summary>How the document describes the 404 of a route that names an event.</summary>
    internal const string NoSuchEventDescription = "No such event for this client.";

    /// <summary>404: this client has no event of that id (another client's is no more its own than none).</summary>
    private static ProblemHttpResult NoSuchEvent() =>
        TypedResults.Problem(title: "No such event.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>412: the <c>If-Match</c> the client sent is not the event's ETag any more.</summary>
    private static ProblemHttpResult ChangedSinceRead() =>
        TypedResults.Problem(
            title: "The event changed since you read it.",
            detail: "Read it again (GET) and send its ETag in If-Match.",
            statusCode: StatusCodes.Status412PreconditionFailed);

    /// <summary>
    /// <c>POST /api/events</c>. With an <c>Idempotency-Key</c>, a repeat within a day answers the event the
    /// first request registered (see <see cref="IdempotencyKeys"/>); without one, every request registers.
    /// </summary>
    private async Task<Results<Created<EventView>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var keyHeader = http.Request.Headers[IdempotencyKeys.HeaderName];
        if (keyHeader.Count > 1 || (keyHeader.Count == 1 && !IdempotencyKeys.IsWellFormed(keyHeader.ToString())))
        {
            return TypedResults.Problem(
                title: "The Idempotency-Key header is not valid.",
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?>
                {
                    ["errors"] = new Dictionary<string, string[]>
                    {
                        [IdempotencyKeys.HeaderName] = [$"Send one key of 1 to {IdempotencyKeys.MaxKeyLength} visible ASCII characters (no spaces), such as a UUID."],
                    },
                });
        }

        var body = await Hosting.JsonBodies.ReadAsync<RegisterEventRequest>(http.Request, cancellationToken);
        if (body.Refusal is not null)
        {
            return body.Refusal;
        }

        if (keyHeader.Count == 1)
        {
            return await RegisterOnceAsync(http, keyHeader.ToString(), body, cancellationToken);
        }

        var (planned, errors) = validator.Validate(body.Value!);
        if (planned is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The event is not valid.");
        }

        if (await service.TakeNewAddressesAsync(http.Client(), planned, cancellationToken) is { } over)
        {
            return OverQuota(http, over);
        }

        var view = await service.RegisterAsync(http.Client(), planned, cancellationToken);
        return Registered(http, view, body.Value!);
    }

    /// <summary>429: the client's daily quota would be passed. Nothing was stored or sent.</summary>
    private static ProblemHttpResult OverQuota(HttpContext http, QuotaRefusal over)
    {
        http.Response.Headers.RetryAfter = over.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            title: "This client's daily quota is used up.",
            detail: $"This registration names addresses this client has not named before, and its {over.Limit} {over.Name} are used up until {over.ResetsAt:yyyy-MM-dd'T'HH:mm:ss'Z'}. Nothing was registered or sent.",
            statusCode: StatusCodes.Status429TooManyRequests,
            extensions: new Dictionary<string, object?> { ["quota"] = "new-addresses-per-day", ["limit"] = over.Limit, ["resetsAt"] = over.ResetsAt });
    }

    /// <summary>201 with the event, and the warnings its check-in texts earned.</summary>
    private static Created<EventView> Registered(HttpContext http, EventView view, RegisterEventRequest request)
    {
        var warnings = new Dictionary<string, string[]>(view.Warnings ?? new Dictionary<string, string[]>(), StringComparer.Ordinal);
        for (var i = 0; i < (request.CheckIns?.Count ?? 0); i++)
        {
            if (request.CheckIns![i] is { Channel: ChannelNames.Sms, Message: { } message } && SmsTextWarnings.For(view.Organizer.Name, message, view.Title, view.Kind) is { Count: > 0 } found)
            {
                warnings[$"checkIns[{i}].message"] = [.. found];
            }

            // The note reaches the trusted contacts by text if it comes to that: it is checked like every SMS text.
            if (request.CheckIns![i]?.AwaitReply?.Note is { } note && LockScreenWarnings.For(note, view.Title, view.Kind) is { } named)
            {
                warnings[$"checkIns[{i}].awaitReply.note"] = [named];
            }
        }

        SetETag(http, view);
        return TypedResults.Created($"/api/events/{view.Id}", warnings.Count == 0 ? view : view with { Warnings = warnings });
    }

    /// <summary><c>GET /api/events</c>: a page of this client's events in start order, filtered by the query (see <see cref="EventListQuery"/>).</summary>
    private async Task<Results<Ok<EventList>, ValidationProblem>> ListAsync(
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var (query, errors) = EventListQuery.Parse(http.Request.Query);
        if (query is null)
        {
            return TypedResults.ValidationProblem(errors, title: "The list's query is not valid.");
        }

        return TypedResults.Ok(await service.ListAsync(http.Client(), query, cancellationToken));
    }

    private async Task<Results<Ok<EventView>, ProblemHttpResult>> GetAsync(
        string id,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var view = await service.GetAsync(http.Client(), id, cancellationToken);
        if (view is null)
        {
            return NoSuchEvent();
        }

        SetETag(http, view);
        return TypedResults.Ok(view);
    }

    /// <summary>
    /// <c>DELETE /api/events/{id}</c>: cancels the event and every pending check-in. Idempotent; with
    /// <c>If-Match</c> (the ETag of a GET), 412 if the event changed since.
    /// </summary>
    private async Task<Results<Ok<EventView>, ProblemHttpResult>> CancelAsync(
        string id,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var ifMatch = http.Request.Headers.IfMatch.ToString();
        var (outcome, view) = await service.CancelAsync(http.Client(), id, ifMatch.Length == 0 ? null : ifMatch, cancellationToken);
        switch (outcome)
        {
            case CancelOutcome.NotFound:
                return NoSuchEvent();
            case CancelOutcome.PreconditionFailed:
                return ChangedSinceRead();
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
}

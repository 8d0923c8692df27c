using AftercareNudge.Hosting;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Events;

/// <summary>The events API, <c>/api/events</c>: a client's planned events, with its API key.</summary>
[Tags("Events")]
public sealed partial class EventFunctions(EventValidator validator, EventService service, EventChanges changes, IdempotencyKeys keys)
{
    private const string ETagDescription = "The event's version: send it in If-Match to change or cancel it only as you read it.";
    private const string IfMatchDescription = "The ETag the event was read with: the change is refused (412) if the event changed since.";
    private const string Stale = "The event changed since it was read with this ETag.";

    [Function("RegisterEvent")]
    [RateLimited(RateLimits.Limited.Management)]
    [RequiresApiKey]
    [AcceptsJson(typeof(RegisterEventRequest))]
    [ProducesProblem(StatusCodes.Status400BadRequest, errors: true, Description = "The event is not valid, the body cannot be read, or the Idempotency-Key is malformed: errors names each field at fault.")]
    [ReadsHeader(IdempotencyKeys.HeaderName, "A key for this registration (visible ASCII, no spaces, such as a UUID): a repeat within 24 hours answers the first event.")]
    [SendsHeader(StatusCodes.Status201Created, "Location", "The event's URL.")]
    [SendsHeader(StatusCodes.Status201Created, "ETag", ETagDescription)]
    [SendsHeader(StatusCodes.Status201Created, "Idempotent-Replayed", "true when this answers an earlier request with the same Idempotency-Key.")]
    [ProducesProblem(StatusCodes.Status409Conflict, errors: true, Description = "A request with this Idempotency-Key is still in progress, or the event it registered no longer exists.")]
    [SendsHeader(StatusCodes.Status409Conflict, "Retry-After", "While the first request with this Idempotency-Key is in progress: seconds to wait before asking again.")]
    [ProducesProblem(StatusCodes.Status422UnprocessableEntity, errors: true, Description = "This Idempotency-Key was first used with another body.")]
    public Task<Results<Created<EventView>, ValidationProblem, ProblemHttpResult>> RegisterEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/events")] HttpRequest request,
        CancellationToken cancellationToken) =>
        RegisterAsync(request.HttpContext, cancellationToken);

    [Function("ListEvents")]
    [RateLimited(RateLimits.Limited.Management)]
    [RequiresApiKey]
    [ReadsQuery(EventListQuery.StatusName, "Only events with this status (derived as GET shows it).", Values = typeof(EventStatus))]
    [ReadsQuery(EventListQuery.OrganizerPhoneName, "Only events whose organiser has this phone number (E.164, '+' as %2B).")]
    [ReadsQuery(EventListQuery.OrganizerEmailName, "Only events whose organiser has this email address.", Format = "email")]
    [ReadsQuery(EventListQuery.StartsAfterName, "Only events that start after this instant (ISO 8601 with Z or an offset).", Format = "date-time")]
    [ReadsQuery(EventListQuery.PageSizeName, "How many events a page holds at most (default 20).", Integer = true, Minimum = 1, Maximum = EventListQuery.MaxPageSize)]
    [ReadsQuery(EventListQuery.ContinuationTokenName, "Where the last page stopped: its continuationToken, sent back as received with the same filters.")]
    [ProducesProblem(StatusCodes.Status400BadRequest, errors: true, Description = "A query parameter is not valid (or is not one the list takes): errors names each.")]
    public Task<Results<Ok<EventList>, ValidationProblem>> ListEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/events")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ListAsync(request.HttpContext, cancellationToken);

    [Function("GetEvent")]
    [RateLimited(RateLimits.Limited.Management)]
    [RequiresApiKey]
    [SendsHeader(StatusCodes.Status200OK, "ETag", ETagDescription)]
    [ProducesProblem(StatusCodes.Status404NotFound, Description = NoSuchEventDescription)]
    public Task<Results<Ok<EventView>, ProblemHttpResult>> GetEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/events/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        GetAsync(id, request.HttpContext, cancellationToken);

    [Function("ChangeEvent")]
    [RateLimited(RateLimits.Limited.Management)]
    [RequiresApiKey]
    [AcceptsJson(typeof(PatchEventRequest))]
    [ProducesProblem(StatusCodes.Status400BadRequest, errors: true, Description = "The change is not valid or the body cannot be read: errors names each field at fault.")]
    [ReadsHeader("If-Match", IfMatchDescription)]
    [SendsHeader(StatusCodes.Status200OK, "ETag", ETagDescription)]
    [ProducesProblem(StatusCodes.Status404NotFound, Description = NoSuchEventDescription)]
    [ProducesProblem(StatusCodes.Status409Conflict, errors: true, Description = "The check-ins named in errors can no longer be changed.")]
    [ProducesProblem(StatusCodes.Status412PreconditionFailed, Description = Stale)]
    public Task<Results<Ok<EventView>, ValidationProblem, ProblemHttpResult>> ChangeEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "api/events/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        ChangeAsync(id, request.HttpContext, cancellationToken);

    [Function("CancelEvent")]
    [RateLimited(RateLimits.Limited.Management)]
    [RequiresApiKey]
    [ReadsHeader("If-Match", IfMatchDescription)]
    [SendsHeader(StatusCodes.Status200OK, "ETag", ETagDescription)]
    [ProducesProblem(StatusCodes.Status404NotFound, Description = NoSuchEventDescription)]
    [ProducesProblem(StatusCodes.Status412PreconditionFailed, Description = Stale)]
    public Task<Results<Ok<EventView>, ProblemHttpResult>> CancelEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "api/events/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        CancelAsync(id, request.HttpContext, cancellationToken);
}

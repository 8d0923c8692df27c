using AftercareNudge.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Events;

/// <summary>The events API, <c>/api/events</c>: a client's planned events, with its API key.</summary>
public sealed class EventFunctions(EventValidator validator, EventService service, EventChanges changes, IdempotencyKeys keys)
{
    [Function("RegisterEvent")]
    [RequiresApiKey]
    public Task<Results<Created<EventView>, ValidationProblem, ProblemHttpResult>> RegisterEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "events")] HttpRequest request,
        CancellationToken cancellationToken) =>
        EventEndpoints.RegisterAsync(request.HttpContext, validator, service, keys, cancellationToken);

    [Function("GetEvent")]
    [RequiresApiKey]
    public Task<Results<Ok<EventView>, ProblemHttpResult>> GetEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "events/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        EventEndpoints.GetAsync(id, request.HttpContext, service, cancellationToken);

    [Function("ChangeEvent")]
    [RequiresApiKey]
    public Task<Results<Ok<EventView>, ValidationProblem, ProblemHttpResult>> ChangeEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "events/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        EventEndpoints.ChangeAsync(id, request.HttpContext, changes, cancellationToken);

    [Function("CancelEvent")]
    [RequiresApiKey]
    public Task<Results<Ok<EventView>, ProblemHttpResult>> CancelEvent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "events/{id}")] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        EventEndpoints.CancelAsync(id, request.HttpContext, service, cancellationToken);
}

using AftercareNudge.Docs;
using AftercareNudge.Hosting;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Planner;

/// <summary>
/// The site's root, where the planner will live (issue 24). For now a short page that says so and points
/// to the API reference. Not the API: its route is outside <c>api/</c>, so it is not in the OpenAPI document.
/// </summary>
public sealed class PlannerFunctions
{
    /// <summary>
    /// Matches <c>/</c> and nothing else: an optional parameter that must stay empty. A route of <c>""</c>
    /// would not do, as the real host serves it at the function's name (docs/local-functions-host.md, "The root").
    /// </summary>
    public const string RootRoute = "{root:maxlength(0)?}";

    [Function("ShowPlanner")]
    [RateLimited(RateLimits.Limited.None)]
    public ContentHttpResult ShowPlanner(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = RootRoute)] HttpRequest request) =>
        Pages.Show<PlannerComingPage>(request.HttpContext, StatusCodes.Status200OK, new PlannerComingModel(ApiReference.PageRoute));
}

/// <summary>What <c>PlannerComingPage</c> shows: where the API reference is.</summary>
public sealed record PlannerComingModel(string ApiReferenceUrl);

using AftercareNudge.Hosting;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Health;

[Tags("Health")]
public sealed class HealthFunctions(AppTables tables, TimeProvider time)
{
    [Function("CheckHealth")]
    [RateLimited(RateLimits.Limited.None)]
    [ProducesContent(StatusCodes.Status503ServiceUnavailable, "application/json", typeof(HealthView), Description = "Storage does not answer.")]
    public Task<Results<Ok<HealthView>, JsonHttpResult<HealthView>>> CheckHealth(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken) =>
        HealthEndpoints.CheckAsync(tables, time, cancellationToken);
}

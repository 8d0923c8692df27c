using AftercareNudge.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Health;

public sealed class HealthFunctions(AppTables tables, TimeProvider time)
{
    [Function("CheckHealth")]
    public Task<Results<Ok<HealthView>, JsonHttpResult<HealthView>>> CheckHealth(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request,
        CancellationToken cancellationToken) =>
        HealthEndpoints.CheckAsync(tables, time, cancellationToken);
}

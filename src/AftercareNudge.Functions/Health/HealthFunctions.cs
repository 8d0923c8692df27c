using AftercareNudge.Hosting;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Azure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Health;

[Tags("Health")]
public sealed class HealthFunctions(AppTables tables, TimeProvider time)
{
    [Function("CheckHealth")]
    [RateLimited(RateLimits.Limited.None)]
    [ProducesContent(StatusCodes.Status503ServiceUnavailable, "application/json", typeof(HealthView), Description = "Storage does not answer.")]
    public async Task<Results<Ok<HealthView>, JsonHttpResult<HealthView>>> CheckHealth(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/health")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        // 200 when the app is up and its storage answers, 503 when storage does not: within 5 s.
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
            var table = await tables.GetAsync(AppTables.Events, timeout.Token);

            // A real round trip every time: the table client itself is cached.
            await table.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("health", "probe", cancellationToken: timeout.Token);
            return TypedResults.Ok(new HealthView("healthy", "reachable"));
        }
        catch (Exception e) when (e is RequestFailedException or OperationCanceledException or AggregateException or HttpRequestException
            or Azure.Identity.AuthenticationFailedException or Azure.Identity.CredentialUnavailableException)
        {
            return TypedResults.Json(new HealthView("unhealthy", "unreachable"), statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}

public sealed record HealthView(string Status, string Storage);

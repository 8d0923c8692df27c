using AftercareNudge.Storage;
using Azure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AftercareNudge.Health;

public sealed record HealthView(string Status, string Storage);

public static class HealthEndpoints
{
    /// <summary><c>GET /api/health</c>: 200 when the app is up and its storage answers, 503 when storage does not.</summary>
    internal static async Task<Results<Ok<HealthView>, JsonHttpResult<HealthView>>> CheckAsync(AppTables tables, TimeProvider time, CancellationToken cancellationToken)
    {
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

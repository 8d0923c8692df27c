using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using AftercareNudge.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// In Azure the app reaches Table Storage with its managed identity: <c>AzureWebJobsStorage__tableServiceUri</c>
/// and no connection string. Here a local stand-in for the App Service identity endpoint
/// (<c>IDENTITY_ENDPOINT</c> / <c>IDENTITY_HEADER</c>, as the platform sets them) shows that the app asks its
/// identity for a storage token (through DefaultAzureCredential) before it talks to storage, and never
/// shows the token.
/// </summary>
public sealed class ManagedIdentityStorageTests(AzuriteFixture azurite)
{
    private const string IdentityHeader = "identity-header-for-tests";
    private const string Token = "token-from-the-managed-identity";

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WithATableServiceUriAndNoConnectionString_TheAppAsksItsManagedIdentityForAStorageToken(bool identityGivesAToken)
    {
        var requests = new ConcurrentQueue<(string Resource, string Header)>();
        var identityPort = ChildProcess.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{identityPort}");
        await using var identity = builder.Build();
        identity.MapGet("/msi/token", (HttpRequest request) =>
        {
            requests.Enqueue((request.Query["resource"].ToString(), request.Headers["X-IDENTITY-HEADER"].ToString()));
            if (!identityGivesAToken)
            {
                // The identity is not set up (no role, no identity): health says storage is unreachable, not 500.
                return Results.Json(new Dictionary<string, string> { ["error"] = "invalid_request", ["error_description"] = "Identity not found" }, statusCode: 400);
            }

            var expires = TimeProvider.System.GetUtcNow().AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            return Results.Json(new Dictionary<string, string>
            {
                ["access_token"] = Token,
                ["expires_on"] = expires,
                ["resource"] = request.Query["resource"].ToString(),
                ["token_type"] = "Bearer",
            });
        });
        await identity.StartAsync(TestContext.Current.CancellationToken);

        // Nothing listens at the table or queue endpoint: the request after the token fails, which the health check reports.
        await using var app = await AppProcess.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = null,
            ["AzureWebJobsStorage__tableServiceUri"] = $"https://127.0.0.1:{ChildProcess.FreePort()}/devstoreaccount1",
            ["AzureWebJobsStorage__queueServiceUri"] = $"https://127.0.0.1:{ChildProcess.FreePort()}/devstoreaccount1",
            ["IDENTITY_ENDPOINT"] = $"http://127.0.0.1:{identityPort}/msi/token",
            ["IDENTITY_HEADER"] = IdentityHeader,
        });
        var http = app.Http;

        var health = await http.GetAsync("/api/health", TestContext.Current.CancellationToken);
        var body = await health.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains(requests, r => r.Resource.StartsWith("https://storage.azure.com", StringComparison.Ordinal) && r.Header == IdentityHeader);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("unreachable", body, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, body, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, app.Output, StringComparison.Ordinal);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>With storage out of reach, callers get 503s that say so: never a 500 for something they sent.</summary>
public sealed class StorageOutageTests(AzuriteFixture azurite) : AppTest(azurite)
{
    protected override AppFactory CreateApp() => AppFactory.WithUnreachableStorage(Azurite);

    [Fact]
    public async Task Health_StorageUnreachable_Is503Unhealthy()
    {
        var response = await App.CreateClient().GetAsync("/api/health", Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("unreachable", (string?)body!["storage"]);
    }

    [Fact]
    public async Task Register_StorageUnreachable_Is503ProblemWithRetryAfter()
    {
        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("Storage is unavailable.", (string?)problem!["title"]);
    }
}

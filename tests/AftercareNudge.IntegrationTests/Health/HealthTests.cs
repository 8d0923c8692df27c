using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Health;

/// <summary><c>GET /api/health</c>: liveness and whether storage answers, for anyone, and nothing more.</summary>
public sealed class HealthTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task Health_StorageAnswers_Is200_SayingOnlyThat_WithoutAnApiKey()
    {
        var app = UseApp(new AppFactory(Azurite));

        var response = await app.CreateClient().GetAsync("/api/health", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"status":"healthy","storage":"reachable"}"""), JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))));
    }

    [Fact]
    public async Task Health_StorageUnreachable_Is503_WithoutTheConnectionStringOrTheError()
    {
        var port = ChildProcess.FreePort();
        var app = UseApp(AppFactory.WithUnreachableStorage(Azurite, port));

        var response = await app.CreateClient().GetAsync("/api/health", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"status":"unhealthy","storage":"unreachable"}"""), JsonNode.Parse(body)), body);
        Assert.DoesNotContain("devstoreaccount1", body, StringComparison.Ordinal);
        Assert.DoesNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
    }
}

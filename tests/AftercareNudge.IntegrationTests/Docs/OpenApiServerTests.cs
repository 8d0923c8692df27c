using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.Docs;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Docs;

/// <summary>
/// Issue 19.1: the built app as its own process under the local host, as a client meets it. The document's
/// server is the app's public address (Public:BaseUrl), and a path of the document under it answers; the
/// worker's own listener, which the generator would have named, is not a place to call.
/// </summary>
public sealed class OpenApiServerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task DocumentsServer_IsThePublicBaseUrl_WhereItsPathsAnswer()
    {
        await using var app = await AppProcess.StartAsync(azurite, new Dictionary<string, string?>());
        var ct = TestContext.Current.CancellationToken;
        var publicBaseUrl = app.BaseUrl.AbsoluteUri.TrimEnd('/');

        var document = JsonNode.Parse(await app.Http.GetStringAsync(ApiReference.DocumentRoute, ct))!;

        var server = (string?)Assert.Single(document["servers"]!.AsArray())!["url"];
        Assert.Equal(publicBaseUrl, server);
        Assert.True(document["paths"]!["/api/health"] is not null, "The paths keep their /api prefix.");
        using var client = new HttpClient();
        var health = await client.GetAsync(server + "/api/health", ct);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}

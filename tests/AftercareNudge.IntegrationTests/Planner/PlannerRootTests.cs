using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.Docs;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Planner;

/// <summary>
/// Issue 24 (a): the site's root is the app's own (host.json's route prefix is empty), a page that says the
/// planner is coming; every API route keeps its <c>/api/…</c> URL, and the OpenAPI document describes the
/// API and nothing else.
/// </summary>
public sealed class PlannerRootTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task Root_IsAPage_SayingThePlannerIsComing_WithALinkToTheApiReference()
    {
        using var response = await App.CreateBrowser().GetAsync("/", Ct);
        var page = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal((HttpStatusCode.OK, "text/html"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.Contains("A planner is coming to this page", page, StringComparison.Ordinal);
        Assert.Contains($"href=\"{ApiReference.PageRoute}\"", page, StringComparison.Ordinal);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
    }

    [Theory]
    [InlineData("/nothing-here")]
    [InlineData("/api")]
    [InlineData("/events")] // the API's routes are under /api only
    public async Task PathsNoFunctionServes_NearTheRoot_AreTheHosts404(string path)
    {
        using var response = await App.CreateBrowser().GetAsync(path, Ct);

        Assert.Equal((HttpStatusCode.NotFound, ""), (response.StatusCode, await response.Content.ReadAsStringAsync(Ct)));
    }

    [Fact]
    public async Task OpenApiDocument_DescribesOnlyTheApi_NotTheRootPage()
    {
        var document = JsonNode.Parse(await App.CreateClient().GetStringAsync(ApiReference.DocumentRoute, Ct))!;

        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/events", paths);
        Assert.All(paths, path => Assert.StartsWith("/api/", path, StringComparison.Ordinal));
        Assert.DoesNotContain(FunctionEndpoints.HttpFunctions(), f => f.Name == "ShowPlanner");
        Assert.DoesNotContain("ShowPlanner", document.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiUrls_AreUnchanged()
    {
        var client = App.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/health", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(ApiReference.PageRoute, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/events", Ct)).StatusCode);
    }
}

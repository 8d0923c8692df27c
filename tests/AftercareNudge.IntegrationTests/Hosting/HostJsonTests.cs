using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>What the Functions host itself records: its request telemetry carries URLs, and ours hold link tokens and addresses.</summary>
public sealed class HostJsonTests
{
    [Fact]
    public async Task TheHost_SendsNoRequestOrDependencyTelemetry_WhoseUrlsCouldHoldTokensOrAddresses()
    {
        var host = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "src", "AftercareNudge.Functions", "host.json"), TestContext.Current.CancellationToken), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;

        Assert.Equal("None", (string?)host["logging"]!["logLevel"]!["Host.Results"]);
        Assert.False((bool?)host["logging"]!["applicationInsights"]!["enableDependencyTracking"]);
        Assert.Null(host["customHandler"]);
        Assert.Equal("", (string?)host["extensions"]!["http"]!["routePrefix"]);
    }
}

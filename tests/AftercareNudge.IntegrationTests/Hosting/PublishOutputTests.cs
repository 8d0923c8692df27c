using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>What the Functions host needs is in the publish output, next to the executable.</summary>
public sealed class PublishOutputTests
{
    [Fact]
    public async Task Publish_PutsHostJsonAndEveryFunctionNextToTheExecutable()
    {
        var output = Path.Combine(Path.GetTempPath(), "aftercare-publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var publish = ChildProcess.Start(
                "dotnet",
                ["publish", Path.Combine("src", "AftercareNudge.Functions"), "-c", Repository.Configuration, "--no-build", "-o", output],
                Repository.Root);
            await publish.WaitUntilExitAsync(TimeSpan.FromMinutes(3));

            Assert.True(File.Exists(Path.Combine(output, "AftercareNudge.Functions")), publish.Output);
            var host = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "host.json"), TestContext.Current.CancellationToken))!;
            Assert.Equal("AftercareNudge.Functions", (string?)host["customHandler"]!["description"]!["defaultExecutablePath"]);
            Assert.True(File.Exists(Path.Combine(output, "Api", "function.json")));
            Assert.True(File.Exists(Path.Combine(output, "DispatchDueCheckIns", "function.json")));
            Assert.False(File.Exists(Path.Combine(output, "local.settings.json")), "local.settings.json holds secrets and must not be published.");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }
}

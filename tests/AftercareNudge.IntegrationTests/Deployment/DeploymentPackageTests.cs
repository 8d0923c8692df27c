using System.IO.Compression;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Deployment;

/// <summary>
/// The deployment zip, built by the README's command, is what Flex Consumption's <c>dotnet-isolated</c>
/// runtime needs: host.json, the worker's functions.metadata and worker.config.json, the app's assembly
/// as a framework-dependent publish, and no local settings; unpacked and started under the local
/// Functions host, it answers HTTP and runs its timers.
/// </summary>
public sealed class DeploymentPackageTests(DeploymentPackageTests.Package package, AzuriteFixture azurite) : IClassFixture<DeploymentPackageTests.Package>
{
    private static readonly string SourceDirectory = Path.Combine(Repository.Root, "src", "AftercareNudge.Functions");

    private static readonly Assembly App = typeof(FunctionMethods).Assembly;

    [Fact]
    public async Task Docs_GiveTheCommandThatBuildsThePackage()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "operating-and-deploying.md"), TestContext.Current.CancellationToken);
        var start = readme.IndexOf("\n## Deploying", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/operating-and-deploying.md has no Deploying section.");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var deploying = end < 0 ? readme[start..] : readme[start..end];

        Assert.Contains("dotnet " + string.Join(' ', Package.ReadmeCommand) + "\n", deploying, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Zip_HoldsHostJson_AsWrittenInTheSource_WithoutACustomHandler()
    {
        var host = JsonNode.Parse(package.ReadEntry("host.json"), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!;

        Assert.Null(host["customHandler"]);
        Assert.Equal("", (string?)host["extensions"]!["http"]!["routePrefix"]);
        var source = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(SourceDirectory, "host.json"), TestContext.Current.CancellationToken), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip });
        Assert.True(JsonNode.DeepEquals(source, host), "host.json in the zip differs from the source.");
    }

    [Fact]
    public void Zip_HoldsFunctionsMetadata_ListingEveryFunctionOfTheApp()
    {
        var declared = FunctionMethods.All().ToDictionary(f => f.Name, f => f.Method, StringComparer.Ordinal);
        var listed = JsonNode.Parse(package.ReadEntry("functions.metadata"))!.AsArray().Select(f => f!).ToList();

        Assert.Contains("CheckHealth", declared.Keys);
        Assert.Contains("DispatchDueCheckIns", declared.Keys);
        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), listed.Select(f => (string)f["name"]!).Order(StringComparer.Ordinal));
        foreach (var function in listed)
        {
            var name = (string)function["name"]!;
            var method = declared[name];
            Assert.Equal($"{method.DeclaringType!.FullName}.{method.Name}", (string?)function["entryPoint"]);
            Assert.Equal("dotnet-isolated", (string?)function["language"]);
            Assert.NotNull(package.Zip.GetEntry((string)function["scriptFile"]!));
        }
    }

    [Fact]
    public void Zip_HoldsWorkerConfig_NamingTheAppsAssemblyInTheZip()
    {
        var description = JsonNode.Parse(package.ReadEntry("worker.config.json"))!["description"]!;

        Assert.Equal("dotnet-isolated", (string?)description["language"]);
        Assert.Equal("dotnet", (string?)description["defaultExecutablePath"]);
        var worker = (string)description["defaultWorkerPath"]!;
        Assert.Equal(App.GetName().Name + ".dll", worker);
        Assert.NotNull(package.Zip.GetEntry(worker));
        Assert.Equal(App.GetName().Name, AssemblyName.GetAssemblyName(Path.Combine(package.Unpacked, worker)).Name);
    }

    [Fact]
    public void Zip_HoldsExtensionsJson_AndTheLoaderItNames()
    {
        var extensions = JsonNode.Parse(package.ReadEntry("extensions.json"))!["extensions"]!.AsArray();

        Assert.NotEmpty(extensions);
        foreach (var extension in extensions)
        {
            var hintPath = (string)extension!["hintPath"]!;
            var entry = Path.GetRelativePath(package.Unpacked, Path.GetFullPath(hintPath, package.Unpacked));
            Assert.True(package.Zip.GetEntry(entry) is not null, $"extensions.json names {hintPath}, which the zip does not hold.");
        }
    }

    [Fact]
    public void Zip_IsAFrameworkDependentPublish_ForNet10()
    {
        var options = JsonNode.Parse(package.ReadEntry(App.GetName().Name + ".runtimeconfig.json"))!["runtimeOptions"]!;

        // The dotnet-isolated 10.0 runtime brings .NET and ASP.NET Core: the zip carries neither.
        Assert.Equal("net10.0", (string?)options["tfm"]);
        Assert.Null(options["includedFrameworks"]);
        var frameworks = options["frameworks"]!.AsArray().Select(f => (string)f!["name"]!).ToList();
        Assert.Contains("Microsoft.NETCore.App", frameworks);
        Assert.Contains("Microsoft.AspNetCore.App", frameworks);
        Assert.DoesNotContain(package.Zip.Entries, e => e.Name is "libcoreclr.so" or "System.Private.CoreLib.dll");
    }

    [Fact]
    public void Zip_LeavesOutLocalSettings()
    {
        Assert.DoesNotContain(package.Zip.Entries, e => e.Name.Equals("local.settings.json", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task UnpackedZip_UnderTheLocalHost_AnswersHealth()
    {
        await using var app = await StartUnpackedAsync();

        var response = await app.Http.GetAsync("/api/health", TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}\n{app.Output}");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"status":"healthy","storage":"reachable"}"""), JsonNode.Parse(body)), body);
    }

    [Fact]
    public async Task UnpackedZip_UnderTheLocalHost_RunsTheDispatchTimer()
    {
        await using var app = await StartUnpackedAsync();

        var outcome = await app.Host.RunTimerAsync("DispatchDueCheckIns", TestContext.Current.CancellationToken);

        Assert.True(outcome.Succeeded, $"{outcome.Error}\n{app.Output}");
        Assert.Contains("Timer DispatchDueCheckIns ran", app.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The unpacked zip under the local host, with settings as in Azure: no development environment, so
    /// the app refuses the development outbox and gets provider settings; nothing is due, so nothing is sent.
    /// </summary>
    private Task<AppProcess> StartUnpackedAsync() =>
        AppProcess.StartAsync(
            azurite,
            new Dictionary<string, string?>
            {
                ["WEBSITE_SITE_NAME"] = "aftercare-nudge",
                ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Production",
                ["Public__BaseUrl"] = "https://aftercare.example.com",
                ["Twilio__AccountSid"] = "AC" + Guid.NewGuid().ToString("N"),
                ["Twilio__AuthToken"] = "test-auth-token-0123456789",
                ["Twilio__From"] = "+14155550123",
                ["Messaging__AllowedCountries"] = "GB,GG,US",
                ["Twilio__BaseUrl"] = "http://127.0.0.1:9/",
                ["SendGrid__ApiKey"] = "SG.test-key",
                ["SendGrid__From"] = "AftercareNudge <care@example.com>",
                ["SendGrid__BaseUrl"] = "http://127.0.0.1:9/",
            },
            timers: false,
            appDirectory: package.Unpacked);

    /// <summary>
    /// The zip, built once for the class with the README's command into a scratch folder, and unpacked
    /// beside it. The source gets a local.settings.json for the publish if it has none (the one
    /// <c>npm start</c> would create), so that leaving it out is tested.
    /// </summary>
    public sealed class Package : IAsyncLifetime
    {
        /// <summary>The README's command, after <c>dotnet</c>.</summary>
        public static readonly string[] ReadmeCommand = ["publish", "src/AftercareNudge.Functions", "-c", "Release", "-p:DeployZip=true"];

        private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("aftercare-package-");

        public ZipArchive Zip { get; private set; } = null!;

        public string Unpacked => Path.Combine(_scratch.FullName, "unpacked");

        public async ValueTask InitializeAsync()
        {
            var zipPath = Path.Combine(_scratch.FullName, "aftercare-nudge.zip");
            var localSettings = Path.Combine(SourceDirectory, "local.settings.json");
            var standIn = !File.Exists(localSettings);
            if (standIn)
            {
                File.Copy(Path.Combine(Repository.Root, "local.settings.example.json"), localSettings);
            }

            try
            {
                await using var publish = ChildProcess.Start(
                    "dotnet",
                    [.. ReadmeCommand, $"-p:DeployZipPath={zipPath}", "-o", Path.Combine(_scratch.FullName, "publish")],
                    Repository.Root);
                await publish.WaitUntilExitAsync(TimeSpan.FromMinutes(10));
                Assert.True(publish.ExitCode == 0 && File.Exists(zipPath), $"dotnet publish -p:DeployZip=true failed:\n{publish.Output}");
            }
            finally
            {
                if (standIn)
                {
                    // The build output keeps a copy too: leave both folders as they were.
                    File.Delete(localSettings);
                    File.Delete(Path.Combine(SourceDirectory, "bin", "Release", "net10.0", "local.settings.json"));
                }
            }

            Zip = ZipFile.OpenRead(zipPath);
            ZipFile.ExtractToDirectory(zipPath, Unpacked);
        }

        public string ReadEntry(string name)
        {
            var entry = Zip.GetEntry(name) ?? throw new InvalidOperationException($"The zip has no {name} at its root.");
            using var reader = new StreamReader(entry.Open());
            return reader.ReadToEnd();
        }

        public ValueTask DisposeAsync()
        {
            Zip?.Dispose();
            _scratch.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}

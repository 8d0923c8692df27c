using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using Cronos;

namespace AftercareNudge.IntegrationTests.Deployment;

/// <summary>
/// The deployment zip, built by the README's command, is what the Functions host on Flex Consumption
/// needs: host.json, one folder per function with the bindings the host reads, and a self-contained
/// executable that, started from the unpacked zip the way the host starts it, answers the host's poll
/// and its timer invocations.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class DeploymentPackageTests(DeploymentPackageTests.Package package, AzuriteFixture azurite) : IClassFixture<DeploymentPackageTests.Package>
{
    private static readonly string SourceDirectory = Path.Combine(Repository.Root, "src", "AftercareNudge.Functions");

    [Fact]
    public void Zip_HoldsHostJsonAndTheExecutableItNames_AtItsRoot()
    {
        var host = JsonNode.Parse(package.ReadEntry("host.json"))!;
        var executable = (string?)host["customHandler"]!["description"]!["defaultExecutablePath"];
        Assert.False(string.IsNullOrEmpty(executable));

        var entry = package.Zip.GetEntry(executable!);
        Assert.NotNull(entry);
        // The Unix mode sits in the high 16 bits of the external attributes: owner, group and others may execute.
        var mode = (UnixFileMode)((entry.ExternalAttributes >> 16) & 0x1FF);
        Assert.True(mode.HasFlag(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute), $"{executable} is stored with mode {mode}.");
        Assert.True(File.GetUnixFileMode(Path.Combine(package.Unpacked, executable!)).HasFlag(UnixFileMode.UserExecute));

        // Self-contained: the runtime travels with the app, whatever .NET the 'custom' image has.
        var runtimeConfig = JsonNode.Parse(package.ReadEntry("AftercareNudge.Functions.runtimeconfig.json"))!;
        Assert.NotNull(runtimeConfig["runtimeOptions"]!["includedFrameworks"]);
        Assert.NotNull(package.Zip.GetEntry("libcoreclr.so"));
    }

    [Fact]
    public void Zip_HoldsEveryFunctionFolder_AsWrittenInTheSource()
    {
        var source = Directory.EnumerateDirectories(SourceDirectory)
            .Where(d => File.Exists(Path.Combine(d, "function.json")))
            .Select(d => Path.GetFileName(d))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Contains("Api", source);
        Assert.Contains("DispatchDueCheckIns", source);
        Assert.Equal(source, package.FunctionNames);
        foreach (var function in source)
        {
            var written = JsonNode.Parse(File.ReadAllText(Path.Combine(SourceDirectory, function, "function.json")));
            Assert.True(JsonNode.DeepEquals(written, package.FunctionJson(function)), $"{function}/function.json in the zip differs from the source.");
        }
    }

    [Fact]
    public void Zip_LeavesOutLocalSettings()
    {
        Assert.DoesNotContain(package.Zip.Entries, e => e.Name.Equals("local.settings.json", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void EveryFunctionJson_DeclaresOneTrigger_WithWhatTheHostNeeds()
    {
        Assert.NotEmpty(package.FunctionNames);
        foreach (var function in package.FunctionNames)
        {
            var bindings = package.FunctionJson(function)["bindings"]!.AsArray();
            var trigger = Assert.Single(bindings, b => ((string?)b!["type"])!.EndsWith("Trigger", StringComparison.Ordinal))!;
            Assert.Equal("in", (string?)trigger["direction"]);
            Assert.False(string.IsNullOrEmpty((string?)trigger["name"]), $"{function}: the trigger needs a name.");

            switch ((string?)trigger["type"])
            {
                case "httpTrigger":
                    Assert.False(string.IsNullOrEmpty((string?)trigger["route"]), $"{function}: an HTTP trigger needs a route.");
                    Assert.NotEmpty(trigger["methods"]!.AsArray());
                    Assert.Equal("anonymous", (string?)trigger["authLevel"]);
                    Assert.Contains(bindings, b => (string?)b!["type"] == "http" && (string?)b["direction"] == "out");
                    break;
                case "timerTrigger":
                    // Six fields, seconds first: the host's NCRONTAB format.
                    var schedule = (string)trigger["schedule"]!;
                    Assert.Equal(6, schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
                    _ = CronExpression.Parse(schedule, CronFormat.IncludeSeconds);
                    break;
                default:
                    Assert.Fail($"{function}: the {(string?)trigger["type"]} trigger needs an extension bundle, which host.json does not load.");
                    break;
            }
        }

        Assert.Equal("{*path}", (string?)package.FunctionJson("Api")["bindings"]![0]!["route"]);
    }

    [Fact]
    public async Task Executable_StartedFromTheUnpackedZip_AnswersTheHostsPollAndEveryTimerInvocation()
    {
        var port = ChildProcess.FreePort();
        var executable = Path.Combine(package.Unpacked, package.ExecutableName);
        // Under the host the app refuses the development outbox, so it gets provider settings; nothing is due, so nothing is sent.
        await using var app = ChildProcess.Start(executable, [], package.Unpacked, new Dictionary<string, string?>
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString(CultureInfo.InvariantCulture),
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage__TablePrefix"] = AzuriteFixture.UniquePrefix(),
            ["Api__Keys__clientA"] = AppFactory.ClientAKey,
            ["Public__BaseUrl"] = "https://aftercare.example.com",
            ["Twilio__AccountSid"] = "AC" + Guid.NewGuid().ToString("N"),
            ["Twilio__AuthToken"] = "test-auth-token-0123456789",
            ["Twilio__From"] = "+14155550123",
            ["Twilio__BaseUrl"] = "http://127.0.0.1:9/",
            ["SendGrid__ApiKey"] = "SG.test-key",
            ["SendGrid__From"] = "AftercareNudge <care@example.com>",
            ["SendGrid__BaseUrl"] = "http://127.0.0.1:9/",
            ["Service__Contact"] = AppFactory.ServiceContact,
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };

        // The host polls GET / until it answers; Flex gives up after 30 s.
        await app.WaitUntilAsync(async () => (await http.GetAsync("/")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "The packaged app");

        var timers = package.FunctionNames.Where(f => package.FunctionJson(f)["bindings"]!.AsArray().Any(b => (string?)b!["type"] == "timerTrigger")).ToList();
        Assert.Contains("DispatchDueCheckIns", timers);
        foreach (var timer in timers)
        {
            using var invocation = await http.PostAsync($"/{timer}", new StringContent(TimerPayload(timer), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

            var body = await invocation.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(invocation.StatusCode == HttpStatusCode.OK, $"{timer}: {(int)invocation.StatusCode} {body}\n{app.Output}");
            Assert.Equal("application/json", invocation.Content.Headers.ContentType?.MediaType);
            var result = JsonNode.Parse(body)!.AsObject();
            Assert.Empty(result["Outputs"]!.AsObject());
            Assert.NotNull(result["Logs"]!.AsArray());
            Assert.True(result.ContainsKey("ReturnValue"));
        }

        Assert.False(app.HasExited, app.Output);
    }

    private static string TimerPayload(string function) =>
        $$"""
        {
          "Data": {
            "timer": {
              "Schedule": { "AdjustForDST": true },
              "ScheduleStatus": { "Last": "2026-11-24T09:00:00+00:00", "Next": "2026-11-24T09:01:00+00:00", "LastUpdated": "2026-11-24T09:00:00+00:00" },
              "IsPastDue": false
            }
          },
          "Metadata": { "sys": { "MethodName": "{{function}}", "UtcNow": "2026-11-24T09:01:00Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e" } }
        }
        """;

    /// <summary>
    /// The zip, built once for the class with the README's command into a scratch folder (a
    /// self-contained publish takes a minute), and unpacked beside it.
    /// </summary>
    public sealed class Package : IAsyncLifetime
    {
        private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("aftercare-package-");

        public ZipArchive Zip { get; private set; } = null!;

        public string Unpacked => Path.Combine(_scratch.FullName, "unpacked");

        public string ExecutableName { get; private set; } = "";

        /// <summary>The folders at the zip's root that hold a function.json.</summary>
        public IReadOnlyList<string> FunctionNames { get; private set; } = [];

        public async ValueTask InitializeAsync()
        {
            var zipPath = Path.Combine(_scratch.FullName, "aftercare-nudge.zip");
            await using (var publish = ChildProcess.Start(
                "dotnet",
                [
                    "publish", Path.Combine("src", "AftercareNudge.Functions"), "-c", "Release", "-r", "linux-x64", "--self-contained",
                    "-p:DeployZip=true", $"-p:DeployZipPath={zipPath}", "-o", Path.Combine(_scratch.FullName, "publish"),
                ],
                Repository.Root))
            {
                await publish.WaitUntilExitAsync(TimeSpan.FromMinutes(10));
                Assert.True(publish.ExitCode == 0 && File.Exists(zipPath), $"dotnet publish -p:DeployZip=true failed:\n{publish.Output}");
            }

            Zip = ZipFile.OpenRead(zipPath);
            ZipFile.ExtractToDirectory(zipPath, Unpacked);
            ExecutableName = (string)JsonNode.Parse(ReadEntry("host.json"))!["customHandler"]!["description"]!["defaultExecutablePath"]!;
            FunctionNames = [.. Zip.Entries
                .Select(e => e.FullName.Split('/'))
                .Where(parts => parts is [_, "function.json"])
                .Select(parts => parts[0])
                .Order(StringComparer.Ordinal)];
        }

        public string ReadEntry(string name)
        {
            var entry = Zip.GetEntry(name) ?? throw new InvalidOperationException($"The zip has no {name} at its root.");
            using var reader = new StreamReader(entry.Open());
            return reader.ReadToEnd();
        }

        public JsonNode FunctionJson(string function) => JsonNode.Parse(ReadEntry($"{function}/function.json"))!;

        public ValueTask DisposeAsync()
        {
            Zip?.Dispose();
            _scratch.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}

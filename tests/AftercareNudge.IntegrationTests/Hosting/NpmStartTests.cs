using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.Versioning;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// The README's first command, as a newcomer runs it (beside another copy: its own port, this test's
/// storage): the URL it prints answers, a timer runs through the host's admin route, and Ctrl-C stops
/// everything it started.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class NpmStartTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void NpmStart_InstallsOnlyWhatItRuns()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "package.json")))!;
        var installed = new[] { "dependencies", "devDependencies", "optionalDependencies" }
            .SelectMany(kind => manifest[kind]?.AsObject().Select(p => p.Key) ?? []).Order(StringComparer.Ordinal).ToList();
        var run = NodeModuleUse().Matches(File.ReadAllText(Path.Combine(Repository.Root, "scripts", "run-local.mjs")))
            .Select(m => m.Groups["package"].Value).Where(p => !p.StartsWith('.')).Distinct().ToList();

        Assert.Equal(["azurite"], run);
        Assert.Equal(run, installed);
    }

    [Fact]
    public async Task NpmStart_ServesAtTheUrlItPrints_RunsATimerOnDemand_AndCtrlCStopsEverythingItStarted()
    {
        var port = ChildProcess.FreePort();
        var prefix = AzuriteFixture.UniquePrefix();
        await using var npm = ChildProcess.Start("node", ["scripts/run-local.mjs", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--no-timers"], Repository.Root, new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage__TablePrefix"] = prefix,
        });
        var url = $"http://127.0.0.1:{port}/";
        await npm.WaitUntilAsync(() => Task.FromResult(npm.Output.Contains($"ready: {url}", StringComparison.Ordinal)), TimeSpan.FromMinutes(3), "npm start");
        Assert.Contains("AzureWebJobsStorage is set", npm.Output, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri(url) };

        var health = await http.GetAsync("/api/health", Ct);
        var run = await http.PostAsJsonAsync("/admin/functions/DispatchDueCheckIns", new { input = "" }, Ct);
        for (var waited = 0; !npm.Output.Contains("Timer DispatchDueCheckIns ran", StringComparison.Ordinal); waited += 100)
        {
            Assert.True(waited < 30_000, "The timer did not run:\n" + npm.Output);
            await Task.Delay(100, Ct);
        }

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, run.StatusCode);

        // Ctrl-C: the terminal signals the whole foreground group; here, node, which npm start runs.
        using (var interrupt = Process.Start("kill", ["-INT", npm.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(Ct);
        }

        await npm.WaitUntilExitAsync(TimeSpan.FromSeconds(30));
        for (var waited = 0; Started(prefix).Count > 0; waited += 200)
        {
            Assert.True(waited < 15_000, "Still running after Ctrl-C: " + string.Join(", ", Started(prefix)));
            await Task.Delay(200, Ct);
        }

        Assert.False(await ChildProcess.PortAcceptsAsync(port));
    }

    /// <summary>The processes with this test's table prefix in their environment: the host and the worker it started.</summary>
    private static List<string> Started(string prefix)
    {
        var found = new List<string>();
        foreach (var process in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(process, "environ")).Contains("Storage__TablePrefix=" + prefix, StringComparison.Ordinal))
                {
                    found.Add(File.ReadAllText(Path.Combine(process, "cmdline")).Replace('\0', ' '));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return found;
    }

    [GeneratedRegex(@"""node_modules"",\s*""(?<package>[^""]+)""")]
    private static partial Regex NodeModuleUse();
}

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
/// everything it started. What it prints reads well (issue 21.9): every line of the host's log (the
/// worker's too) has its time, the build's NU1603 about the Worker SDK's generated project is not
/// repeated, the ready line comes after the list of functions, and a clean Ctrl-C warns of nothing.
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
        var lines = npm.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var logged = lines.Where(l => LogLine().IsMatch(l)).ToList();
        Assert.Contains(logged, l => l.Contains("[worker]", StringComparison.Ordinal));
        Assert.All(logged, l => Assert.Matches(Timestamped(), l));
        Assert.True(Regex.Count(npm.Output, "NU1603") <= 1, "NU1603 is printed more than once:\n" + npm.Output);
        var ready = lines.FindIndex(l => l.Contains($"ready: {url}", StringComparison.Ordinal));
        var lastFunction = lines.FindLastIndex(l => FunctionLine().IsMatch(l));
        Assert.True(lastFunction > 0 && ready > lastFunction, "The ready line is not after the list of functions:\n" + npm.Output);
        Assert.DoesNotContain(logged, l => l.Contains(" warn: ", StringComparison.Ordinal) || l.Contains(" fail: ", StringComparison.Ordinal));
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

    /// <summary>A line of the host's log: its level, as the console formatter writes it, near the start.</summary>
    [GeneratedRegex(@"^\S*\s?(trce|dbug|info|warn|fail|crit): ")]
    private static partial Regex LogLine();

    /// <summary>A function in the host's list: <c>  Name: [GET] /api/…</c> or <c>  Name: timer …</c>.</summary>
    [GeneratedRegex(@" {2}\w+: (\[[^\]]*\] /|timer )")]
    private static partial Regex FunctionLine();

    /// <summary>A time of day first (<c>16:05:03.123</c>).</summary>
    [GeneratedRegex(@"^\d{2}:\d{2}:\d{2}\.\d{3} ")]
    private static partial Regex Timestamped();
}

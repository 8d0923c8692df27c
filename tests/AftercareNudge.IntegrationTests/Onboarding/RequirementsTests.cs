using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using Semver;

namespace AftercareNudge.IntegrationTests.Onboarding;

/// <summary>
/// The README's requirements are exact and true: each Node package of the project (the root one, which
/// <c>npm start</c> installs, and <c>tests/tools</c>, which the tests add) declares in its <c>engines</c> the
/// lowest Node.js that every package its lock file installs accepts, the README states those versions and
/// the .NET SDK of <c>global.json</c>, and the check command passes on a machine that has them.
/// </summary>
public sealed class RequirementsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> NodePackages => new()
    {
        { "", "npm start" },
        { "tests/tools/", "dotnet test" },
    };

    [Theory]
    [MemberData(nameof(NodePackages))]
    public async Task Engines_IsTheLowestNodeEveryInstalledPackageAccepts(string folder, string command)
    {
        var (needs, why) = await LowestNodeAsync(folder);

        var declared = (string?)(await ReadJsonAsync(folder + "package.json"))["engines"]?["node"];
        Assert.True(declared == $">={needs}", $"{folder}package.json (what {command} installs) declares node {declared}, but its lock file needs >={needs}: {why}.");
    }

    [Theory]
    [MemberData(nameof(NodePackages))]
    public async Task Readme_StatesTheNodeEachCommandNeeds(string folder, string command)
    {
        var (needs, _) = await LowestNodeAsync(folder);

        Assert.Contains($"| Node.js | {needs} or later | `{command}`", await ReadmeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readme_StatesTheDotNetSdkOfGlobalJson()
    {
        var sdk = (await ReadJsonAsync("global.json"))["sdk"]!;
        var version = SemVersion.Parse((string)sdk["version"]!);
        Assert.Equal("latestFeature", (string?)sdk["rollForward"]);

        Assert.Contains(
            $"| .NET SDK | {version.Major}.{version.Minor} ({version} or a later {version.Major}.{version.Minor}.x, as `global.json` says) | both commands |",
            await ReadmeAsync(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckCommand_FromTheReadme_PassesOnThisMachine_AndSaysWhatItChecked()
    {
        Assert.Contains("```sh\nnode scripts/check-requirements.mjs\n```", await ReadmeAsync(), StringComparison.Ordinal);

        await using var check = ChildProcess.Start("node", ["scripts/check-requirements.mjs"], Repository.Root);
        await check.WaitUntilExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(check.ExitCode == 0, "The requirements check failed on this machine:\n" + check.Output);
        foreach (var line in new[] { "ok      Node.js for npm start: needs ", "ok      Node.js for dotnet test: needs ", "ok      npm: needs ", "ok      .NET SDK: needs " })
        {
            Assert.Contains(line, check.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CheckCommand_SaysWhatIsMissing_AndFails_WhenNodeIsTooOld_ButNpmStartChecksOnlyItsOwn()
    {
        // The same script in a copy of the repository's manifests that asks for a Node.js no machine has.
        var copy = Directory.CreateTempSubdirectory("requirements-");
        try
        {
            Directory.CreateDirectory(Path.Combine(copy.FullName, "scripts"));
            Directory.CreateDirectory(Path.Combine(copy.FullName, "tests", "tools"));
            File.Copy(Path.Combine(Repository.Root, "scripts", "check-requirements.mjs"), Path.Combine(copy.FullName, "scripts", "check-requirements.mjs"));
            File.Copy(Path.Combine(Repository.Root, "global.json"), Path.Combine(copy.FullName, "global.json"));
            File.Copy(Path.Combine(Repository.Root, "package.json"), Path.Combine(copy.FullName, "package.json"));
            await File.WriteAllTextAsync(Path.Combine(copy.FullName, "tests", "tools", "package.json"), """{ "engines": { "node": ">=999.0.0" } }""", Ct);

            await using var check = ChildProcess.Start("node", [Path.Combine(copy.FullName, "scripts", "check-requirements.mjs")], copy.FullName);
            await check.WaitUntilExitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(1, check.ExitCode);
            Assert.Contains("MISSING Node.js for dotnet test: needs 999.0.0 or later; found ", check.Output, StringComparison.Ordinal);
            Assert.Contains("ok      Node.js for npm start", check.Output, StringComparison.Ordinal);

            // npm start asks only for what it runs: the test tools' Node.js is not its requirement.
            await using var forNpmStart = ChildProcess.Start("node", [Path.Combine(copy.FullName, "scripts", "check-requirements.mjs"), "--for", "npm-start"], copy.FullName);
            await forNpmStart.WaitUntilExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(forNpmStart.ExitCode == 0, "npm start's check failed on the test tools' requirement:\n" + forNpmStart.Output);
            Assert.DoesNotContain("dotnet test", forNpmStart.Output, StringComparison.Ordinal);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The lowest Node.js from which on every package in the lock file accepts every version: for each
    /// package's range, the lowest start of its parts with no upper bound; the highest of those.
    /// </summary>
    private static async Task<(SemVersion Needs, string Why)> LowestNodeAsync(string folder)
    {
        var lockFile = await ReadJsonAsync(folder + "package-lock.json");
        var needs = new SemVersion(0, 0, 0);
        var why = new List<string>();
        foreach (var (path, package) in lockFile["packages"]!.AsObject())
        {
            // An old package may give engines as a list (inflection: ["node >= 0.4.0"]), which npm does not check.
            if (path.Length == 0 || package?["engines"] is not JsonObject engines || engines["node"] is not JsonValue value || value.GetValue<string>() is not { } text)
            {
                continue;
            }

            var range = SemVersionRange.ParseNpm(text);
            var unbounded = range.Where(part => part.End is null).ToList();
            Assert.True(unbounded.Count > 0, $"{path} accepts no Node.js above some version ({text}): \"or later\" would not be true.");
            var lowest = unbounded.Select(part => part.Start ?? new SemVersion(0, 0, 0)).Min(SemVersion.PrecedenceComparer)!;
            var name = path[(path.LastIndexOf("node_modules/", StringComparison.Ordinal) + "node_modules/".Length)..];
            var order = SemVersion.ComparePrecedence(lowest, needs);
            if (order > 0)
            {
                needs = lowest;
                why.Clear();
            }

            if (order >= 0)
            {
                why.Add($"{name} ({text})");
            }
        }

        return (needs, string.Join(", ", why.Distinct()));
    }

    private static async Task<JsonNode> ReadJsonAsync(string relativePath) =>
        JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, relativePath), Ct))!;

    private static Task<string> ReadmeAsync() => File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"), Ct);
}

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Onboarding;

/// <summary>
/// The README's walk-through: its requests are the ones in <c>AftercareNudge.http</c>, it gives a person
/// ten minutes before anything falls due, and it works when followed literally. Each of its shell
/// blocks runs in bash, as written, against the app started with <c>local.settings.example.json</c> (as
/// <c>npm start</c> starts it, timers on the real clock); only the address moves to this test's port, and
/// the ten minutes' lead to one (the test agrees at once, and waits for the check-ins as the README says).
/// </summary>
public sealed partial class WalkThroughTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Readme_SendsTheRequestsOfAftercareNudgeHttp_InTheSameOrder()
    {
        var readme = WalkThrough.ReadmeRequests();
        var http = WalkThrough.HttpFileRequests();

        Assert.True(http.Count > 0, "AftercareNudge.http has no requests.");
        Assert.True(
            readme.Count == http.Count && readme.Zip(http).All(pair => pair.First.SameAs(pair.Second)),
            "The README's walk-through and AftercareNudge.http differ.\nREADME:\n" + string.Join('\n', readme) + "\nAftercareNudge.http:\n" + string.Join('\n', http));
    }

    [Fact]
    public void HttpFile_NamesTheValuesTheReadmeWritesOut()
    {
        var variables = WalkThrough.HttpFileVariables();
        var readme = string.Join('\n', WalkThrough.ReadmeBlocks());

        Assert.Equal(WalkThrough.BaseUrl, variables["baseUrl"]);
        Assert.Equal(WalkThrough.ApiKey, variables["apiKey"]);
        Assert.Equal(WalkThrough.ApiKey, ExampleSettings()["Api__Keys__local"]);
        Assert.Equal(WalkThrough.BaseUrl, ExampleSettings()["Public__BaseUrl"]);

        // The same dates: an hour ago, and ten minutes from now.
        Assert.Equal("{{$datetime iso8601 -1 h}}", variables["startsAt"]);
        Assert.Contains("startsAt=$(node -p 'new Date(Date.now() - 3600e3).toISOString()')", readme, StringComparison.Ordinal);
        Assert.Equal("{{$datetime iso8601 10 m}}", variables["endsAt"]);
        Assert.Contains(TenMinutesOn, readme, StringComparison.Ordinal);
        Assert.StartsWith("{{baseUrl}}/api/consent/", variables["consentLink"], StringComparison.Ordinal);
    }

    /// <summary>Issue 21.9: a person reads, types and agrees before the first check-in falls due, not after.</summary>
    [Fact]
    public void Readme_WalkThrough_GivesTenMinutesBeforeAnythingFallsDue()
    {
        var blocks = string.Join('\n', WalkThrough.ReadmeBlocks());
        var leads = DateLead().Matches(blocks).ToDictionary(m => m.Groups["name"].Value, m => TimeSpan.FromSeconds(int.Parse(m.Groups["sign"].Value + m.Groups["seconds"].Value, System.Globalization.CultureInfo.InvariantCulture)), StringComparer.Ordinal);
        var register = Assert.Single(WalkThrough.ReadmeRequests(), r => r.Method == "POST" && r.Url.EndsWith("/api/events", StringComparison.Ordinal));

        var falling = JsonNode.Parse(register.Body!)!["checkIns"]!.AsArray().Select(c => (string)c!["after"]! switch
        {
            "end" => leads["endsAt"] + System.Xml.XmlConvert.ToTimeSpan((string)c["offset"]!),
            "start" => leads["startsAt"] + System.Xml.XmlConvert.ToTimeSpan((string)c["offset"]!),
            var other => throw new Xunit.Sdk.XunitException($"A check-in after '{other}': teach this test when it falls due."),
        }).ToList();

        Assert.NotEmpty(falling);
        Assert.True(falling.Min() >= TimeSpan.FromMinutes(10), $"The walk-through's first check-in falls due {falling.Min()} after registering: give a person ten minutes.");
        Assert.True(leads["endsAt"] >= TimeSpan.FromMinutes(10), "The walk-through's event ends within ten minutes of registering.");
    }

    [Fact]
    public async Task WalkThrough_FollowedLiterally_AsksFirst_SendsOnTime_PassesTheReplyOn_AndStops()
    {
        var settings = ExampleSettings()
            .Where(s => s.Key is not ("AzureWebJobsStorage" or "Public__BaseUrl" or "Storage__TablePrefix") && s.Value.Length > 0)
            .ToDictionary(s => s.Key, s => (string?)s.Value);
        await using var app = await AppProcess.StartAsync(azurite, settings, timers: true);
        var baseUrl = app.BaseUrl.ToString().TrimEnd('/');
        var blocks = WalkThrough.ReadmeBlocks();
        Assert.True(blocks.Count == 8, $"The walk-through has {blocks.Count} shell blocks; this test follows 8 (health, register, outbox, YES, agree, the event, outbox, reply and stop): update it with the README.");
        var shell = new Shell(baseUrl);

        Assert.Contains("\"status\":\"healthy\"", await shell.RunAsync(blocks[0]), StringComparison.Ordinal);

        // A person has ten minutes to get to Agree; the test, there at once, does not wait ten for the check-ins.
        Assert.Contains(TenMinutesOn, blocks[1], StringComparison.Ordinal);
        var registered = await shell.RunAsync(blocks[1].Replace(TenMinutesOn, "endsAt=$(node -p 'new Date(Date.now() + 60e3).toISOString()')", StringComparison.Ordinal));
        Assert.Contains("\"status\":\"awaiting-consent\"", registered, StringComparison.Ordinal);

        var asked = await shell.RunAsync(blocks[2]);
        Assert.Contains("Sam via AftercareNudge: Sam would like to send you 1 check-in text", asked, StringComparison.Ordinal);
        Assert.Contains("please confirm this number to get the replies", asked, StringComparison.Ordinal);
        Assert.Contains(baseUrl + "/api/consent/", asked, StringComparison.Ordinal);

        var agreed = await shell.RunAsync(blocks[3]);
        Assert.Equal(2, Regex.Count(agreed, "<Response><Message>AftercareNudge: Thanks"));

        // "From bash, take the link from the outbox and send what Agree sends".
        Assert.Equal("<h1>Thank you, you agreed</h1>", (await shell.RunAsync(blocks[4])).Trim());

        var consented = JsonNode.Parse(await shell.RunAsync(blocks[5]))!;
        Assert.Equal("scheduled", (string?)consented["status"]);
        Assert.Equal("granted", (string?)consented["people"]![0]!["consent"]!["sms"]);
        Assert.Equal("granted", (string?)consented["people"]![0]!["consent"]!["email"]);

        // "... the text falls due ... the email follows a minute later": wait for both, on the app's own timer.
        var id = (string)JsonNode.Parse(registered)!["id"]!;
        app.Http.DefaultRequestHeaders.Add("X-Api-Key", WalkThrough.ApiKey);
        for (var waited = TimeSpan.Zero; ; waited += TimeSpan.FromSeconds(2))
        {
            var now = JsonNode.Parse(await app.Http.GetStringAsync($"/api/events/{id}", Ct))!;
            if (now["checkIns"]!.AsArray().All(c => (string?)c!["status"] == "sent"))
            {
                break;
            }

            Assert.True(waited < TimeSpan.FromMinutes(5), "The check-ins were not sent within five minutes:\n" + now + "\n" + app.Output);
            await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        }

        var sent = await shell.RunAsync(blocks[6]);
        Assert.Contains("A check-in from Sam", sent, StringComparison.Ordinal);
        Assert.Contains("Sam via AftercareNudge: Hey, how are you feeling?", sent, StringComparison.Ordinal);

        var stopped = await shell.RunAsync(blocks[7]);
        Assert.Contains("Your reply was passed on to Sam.", stopped, StringComparison.Ordinal);
        Assert.Contains("You're opted out", stopped, StringComparison.Ordinal);
        var final = JsonNode.Parse(stopped[stopped.IndexOf("{\"id\"", StringComparison.Ordinal)..])!;
        Assert.Equal("opted-out", (string?)final["people"]![0]!["consent"]!["sms"]);
        Assert.Contains(final["checkIns"]!.AsArray(), c => c!["replies"]!.AsArray().Any(r => (string?)r!["body"] == "honestly not great, can you call me"));
        var outbox = await app.Http.GetStringAsync("/api/dev/outbox?take=10", Ct);
        Assert.Contains("Alex replied to your", outbox, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> ExampleSettings() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "local.settings.example.json")))!["Values"]!.AsObject()
            .ToDictionary(p => p.Key, p => (string)p.Value!, StringComparer.Ordinal);

    /// <summary>The README's end of the event: ten minutes after the command runs.</summary>
    private const string TenMinutesOn = "endsAt=$(node -p 'new Date(Date.now() + 600e3).toISOString()')";

    /// <summary>A date the walk-through computes, <c>name=$(node -p 'new Date(Date.now() ± Ne3)…')</c>: its name and N seconds.</summary>
    [GeneratedRegex(@"(?<name>\w+)=\$\(node -p 'new Date\(Date\.now\(\) (?<sign>[-+]) (?<seconds>\d+)e3\)")]
    private static partial Regex DateLead();

    /// <summary>
    /// Runs the README's blocks one after another in bash, as a person types them into one terminal: the
    /// variables one block sets are there for the next. Only the address is this test's.
    /// </summary>
    private sealed class Shell(string baseUrl)
    {
        private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("walk-through-");

        public async Task<string> RunAsync(string block)
        {
            var script = Path.Combine(_directory.FullName, "step.sh");
            await File.WriteAllTextAsync(script, $$"""
                set -euo pipefail
                if [ -f vars.sh ]; then source vars.sh; fi
                __before=$(compgen -v | sort)
                {{block.Replace(WalkThrough.BaseUrl, baseUrl, StringComparison.Ordinal)}}
                comm -13 <(echo "$__before") <(compgen -v | sort) | grep -v -e '^__before$' -e '^BASH_' | while read -r name; do declare -p "$name"; done >> vars.sh || true
                """, Ct);

            await using var bash = ChildProcess.Start("bash", [script], _directory.FullName);
            await bash.WaitUntilExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(bash.ExitCode == 0, $"This README block failed (exit {bash.ExitCode}):\n{block}\n{bash.Output}");
            return bash.Output;
        }
    }
}

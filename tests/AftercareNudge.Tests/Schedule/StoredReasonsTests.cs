using System.Reflection;
using System.Text.RegularExpressions;
using AftercareNudge.Schedule;
using AftercareNudge.Tests.Hosting;

namespace AftercareNudge.Tests.Schedule;

/// <summary>
/// Every reason the app stores on a check-in is in the one reason list (<see cref="CheckInReasons"/>),
/// or is a provider's own code under its prefix (<c>twilio-…</c>, <c>sendgrid-…</c>): the sources are read
/// for a reason written as a literal where a check-in's reason is set (issue 20.5). What the dispatcher
/// stores for each answer is pinned in CheckInReasonsPinnedTests.
/// </summary>
public sealed partial class StoredReasonsTests
{
    private static readonly string[] ProviderPrefixes = ["twilio-", "sendgrid-"];

    [Fact]
    public void EveryReasonWrittenInTheSources_IsInTheListOrAProvidersCode()
    {
        var listed = typeof(CheckInReasons).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(AppFiles.SourceDirectory, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(AppFiles.SourceDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
            if (relative.StartsWith("obj/", StringComparison.Ordinal) || relative.StartsWith("bin/", StringComparison.Ordinal)
                || relative.StartsWith("Notifications/", StringComparison.Ordinal))
            {
                // Client webhooks carry reasons of their own (documented with their payloads), not a check-in's.
                continue;
            }

            foreach (Match match in ReasonLiteral().Matches(File.ReadAllText(file)))
            {
                var reason = match.Groups["reason"].Value;
                if (!listed.Contains(reason) && !ProviderPrefixes.Any(p => reason.StartsWith(p, StringComparison.Ordinal)))
                {
                    offenders.Add($"{relative}: \"{reason}\"");
                }
            }
        }

        Assert.True(offenders.Count == 0, "Reasons written as literals and not in CheckInReasons (add them to the list, with the value they are stored with):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void TheScan_FindsALiteralReason()
    {
        // The pattern must see what it is meant to catch, or the test above could never fail (a sent message's id is no reason).
        Assert.Equal(
            ["no-consent", "gone", "send-error", "twilio-21211"],
            ReasonLiteral().Matches("""c with { Reason = "no-consent" }; new FollowUpMessage(Withheld: "gone"); SendResult.Ambiguous("send-error"); SendResult.Permanent("twilio-21211"); SendResult.Sent("SM123")""")
                .Select(m => m.Groups["reason"].Value));
    }

    [GeneratedRegex(@"(?:\bReason\s*[=:]\s*|\bWithheld\s*:\s*|SendResult\.(?!Sent\b)\w+\(\s*)""(?<reason>[^""]+)""")]
    private static partial Regex ReasonLiteral();
}

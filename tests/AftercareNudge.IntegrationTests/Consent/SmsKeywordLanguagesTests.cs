using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// Every row of docs/sms-keywords.md, texted to the real app through the development SMS route from a
/// number of its own: a STOP opts it out with one confirmation, a START after a STOP opts it back in,
/// a HELP answers with the help text.
/// </summary>
public sealed class SmsKeywordLanguagesTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string OptedOutText = "<Message>AftercareNudge: You're opted out and will get no more messages. Reply START to undo.</Message>";

    [Fact]
    public async Task EveryDocumentedEntry_Texted_DoesWhatTheTableSays()
    {
        var rows = DocumentedRows();
        var consents = App.Services.GetRequiredService<ConsentStore>();
        var problems = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (says, languages, does) = rows[i];
            var from = "+1415555" + (1000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture);
            string answer;
            switch (does)
            {
                case "STOP":
                    answer = await App.ReplyAsync(from, says);
                    if (!answer.Contains(OptedOutText, StringComparison.Ordinal) || !await consents.IsOptedOutAsync(Channel.Sms, from, Ct))
                    {
                        problems.Add($"{languages} {says}: not opted out and confirmed ({answer})");
                    }

                    break;
                case "START":
                    await App.ReplyAsync(from, "STOP");
                    answer = await App.ReplyAsync(from, says);
                    if (!answer.Contains("You're opted back in", StringComparison.Ordinal) || await consents.IsOptedOutAsync(Channel.Sms, from, Ct))
                    {
                        problems.Add($"{languages} {says}: not opted back in ({answer})");
                    }

                    break;
                case "HELP":
                    answer = await App.ReplyAsync(from, says);
                    // As TwiML: "Msg&data" is escaped.
                    if (answer != $"<Response><Message>{ConsentWording.SmsHelp(AppFactory.ServiceContact).Replace("&", "&amp;", StringComparison.Ordinal)}</Message></Response>" || await consents.IsOptedOutAsync(Channel.Sms, from, Ct))
                    {
                        problems.Add($"{languages} {says}: not the help text ({answer})");
                    }

                    break;
                default:
                    problems.Add($"{says}: the table says it does {does}, which is none of STOP, START, HELP");
                    break;
            }
        }

        Assert.True(rows.Count > 40, $"docs/sms-keywords.md has {rows.Count} rows: its tables were not found");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>The rows of the page's tables whose first cell is a backticked word or sentence: (says, language, does).</summary>
    private static List<(string Says, string Languages, string Does)> DocumentedRows() =>
        File.ReadAllLines(Path.Combine(Repository.Root, "docs", "sms-keywords.md"))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray())
            .Select(cells => (cells[0].Trim('`'), cells[1], cells[2]))
            .ToList();
}

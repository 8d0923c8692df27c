using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Onboarding;

/// <summary>One HTTP request of the walk-through, written as <c>AftercareNudge.http</c> writes it.</summary>
internal sealed record WalkThroughRequest(string Method, string Url, IReadOnlyList<string> Headers, string? Body)
{
    public bool SameAs(WalkThroughRequest other) =>
        Method == other.Method && Url == other.Url && Headers.SequenceEqual(other.Headers) && SameBody(Body, other.Body);

    public override string ToString() => $"{Method} {Url} [{string.Join("; ", Headers)}] {Body}";

    private static bool SameBody(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a == b;
        }

        try
        {
            return JsonNode.DeepEquals(JsonNode.Parse(a), JsonNode.Parse(b));
        }
        catch (System.Text.Json.JsonException)
        {
            return a.Trim() == b.Trim();
        }
    }
}

/// <summary>
/// The README's walk-through (the <c>sh</c> blocks under "Try it in fifteen minutes") and
/// <c>AftercareNudge.http</c>, read as requests. The README's shell names what the .http file names in
/// its own variables: the base URL and key of <c>local.settings.example.json</c>, the dates, the event id.
/// </summary>
internal static partial class WalkThrough
{
    public const string Section = "Try it in fifteen minutes";

    public const string BaseUrl = "http://127.0.0.1:7071";

    public const string ApiKey = "local-dev-key-0123456789";

    /// <summary>What a README shell variable is in the .http file.</summary>
    private static readonly Dictionary<string, string> ShellToHttp = new(StringComparer.Ordinal)
    {
        ["$startsAt"] = "{{startsAt}}",
        ["$endsAt"] = "{{endsAt}}",
        ["$id"] = "{{register.response.body.$.id}}",
        ["$link"] = "{{consentLink}}",
    };

    public static IReadOnlyList<string> ReadmeBlocks() => Markdown.CodeBlocksUnder("README.md", Section, "sh");

    public static IReadOnlyList<WalkThroughRequest> ReadmeRequests() => [.. ReadmeBlocks().SelectMany(CurlRequests)];

    public static IReadOnlyList<WalkThroughRequest> HttpFileRequests()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "AftercareNudge.http")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var requests = new List<WalkThroughRequest>();
        foreach (var part in text.Split("\n###").Skip(1))
        {
            var lines = part.Split('\n').Skip(1).SkipWhile(l => l.Length == 0 || l.StartsWith('#')).ToList();
            var requestLine = lines[0].Split(' ', 2);
            var headers = lines.Skip(1).TakeWhile(l => l.Length > 0).ToList();
            var body = string.Join('\n', lines.Skip(1 + headers.Count)).Trim();
            requests.Add(new WalkThroughRequest(requestLine[0], requestLine[1], Sorted(headers), body.Length == 0 ? null : body));
        }

        return requests;
    }

    /// <summary>The .http file's own variables (<c>@name = value</c>).</summary>
    public static IReadOnlyDictionary<string, string> HttpFileVariables() =>
        File.ReadAllLines(Path.Combine(Repository.Root, "AftercareNudge.http"))
            .TakeWhile(l => !l.StartsWith("###", StringComparison.Ordinal))
            .Select(l => FileVariable().Match(l)).Where(m => m.Success)
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value.Trim(), StringComparer.Ordinal);

    /// <summary>The curl commands of one shell block, as requests; a heredoc (<c>&lt;&lt;EOF</c>) is the body of the command that reads it.</summary>
    public static IEnumerable<WalkThroughRequest> CurlRequests(string block)
    {
        var lines = block.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var at = lines[i].IndexOf("curl ", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var command = lines[i][(at + 5)..];
            string? heredoc = null;
            if (command.Contains("<<EOF", StringComparison.Ordinal))
            {
                var end = Array.IndexOf(lines, "EOF", i + 1);
                Assert.True(end > i, "A heredoc in the walk-through has no closing EOF line.");
                heredoc = string.Join('\n', lines[(i + 1)..end]);
                i = end;
            }

            yield return Parse(Tokens(command), heredoc);
        }
    }

    private static WalkThroughRequest Parse(List<string> tokens, string? heredoc)
    {
        string? method = null, url = null, body = null;
        var headers = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            switch (tokens[i])
            {
                case "-s" or "-i" or "-si":
                    break;
                case "-X":
                    method = tokens[++i];
                    break;
                case "-H":
                    headers.Add(tokens[++i]);
                    break;
                case "-d" or "--data-binary":
                    var data = tokens[++i];
                    body = data == "@-" ? heredoc : data;
                    break;
                default:
                    Assert.False(tokens[i].StartsWith('-'), $"The walk-through's curl uses {tokens[i]}, which this test does not read: teach it.");
                    url = tokens[i];
                    break;
            }
        }

        Assert.NotNull(url);
        return new WalkThroughRequest(method ?? (body is null ? "GET" : "POST"), ToHttp(url), Sorted(headers.Select(ToHttp)), body is null ? null : ToHttp(body));
    }

    private static string ToHttp(string shell)
    {
        var text = shell.Replace(BaseUrl, "{{baseUrl}}", StringComparison.Ordinal).Replace(ApiKey, "{{apiKey}}", StringComparison.Ordinal);
        foreach (var (variable, http) in ShellToHttp)
        {
            text = text.Replace(variable, http, StringComparison.Ordinal);
        }

        return text;
    }

    private static List<string> Sorted(IEnumerable<string> headers) => [.. headers.Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>Shell words up to a pipe, a closing parenthesis or a heredoc: single quotes literal, double quotes kept as written.</summary>
    private static List<string> Tokens(string command)
    {
        var tokens = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (c is '\'' or '"')
            {
                var close = command.IndexOf(c, i + 1);
                word.Append(command, i + 1, close - i - 1);
                i = close;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c) || c is '|' or ')' || command.AsSpan(i).StartsWith("<<"))
            {
                if (inWord)
                {
                    tokens.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                if (!char.IsWhiteSpace(c))
                {
                    break;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            tokens.Add(word.ToString());
        }

        return tokens;
    }

    [GeneratedRegex(@"^@(?<name>\w+)\s*=\s*(?<value>.*)$")]
    private static partial Regex FileVariable();
}

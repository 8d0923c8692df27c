using System.Text.RegularExpressions;
using AftercareNudge.IntegrationTests.Infrastructure;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace AftercareNudge.IntegrationTests.Onboarding;

/// <summary>
/// The README is the front page and <c>docs/</c> holds the rest, self-contained: every relative link in
/// them resolves to a file of the repository (and a heading of it, where it names one), nothing points
/// outside the repository but the local service itself, every page is reachable from the index, and each
/// is short enough to read in one sitting.
/// </summary>
public sealed partial class DocumentationTests
{
    /// <summary>The one address outside the repository a page may link to: the service <c>npm start</c> runs.</summary>
    private const string LocalService = "http://127.0.0.1:7071/";

    public static TheoryData<string> Pages => [.. Markdown.Pages()];

    [Theory]
    [MemberData(nameof(Pages))]
    public void EveryLink_ResolvesInsideTheRepository(string page)
    {
        var document = Markdown.Parse(page);
        var problems = new List<string>();
        foreach (var link in document.Descendants<LinkInline>().Select(l => l.Url ?? "").Concat(document.Descendants<AutolinkInline>().Select(l => l.Url)))
        {
            if (Problem(page, document, link) is { } problem)
            {
                problems.Add($"{link}: {problem}");
            }
        }

        Assert.True(problems.Count == 0, $"{page} has links that do not resolve:\n" + string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void NoPage_PointsOutsideTheRepository(string page)
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, page));

        Assert.DoesNotContain("../shared", text, StringComparison.Ordinal);
        Assert.DoesNotContain("/work/", text, StringComparison.Ordinal);
        var outside = WebAddress().Matches(text).Select(m => m.Value).Where(url => !url.StartsWith(LocalService, StringComparison.Ordinal) && !IsExample(url)).Distinct().ToList();
        Assert.True(outside.Count == 0, $"{page} names addresses outside the repository: {string.Join(", ", outside)}");
    }

    [Fact]
    public void EveryDocsPage_IsListedInTheIndex_AndTheIndexIsLinkedFromTheReadme()
    {
        var index = Markdown.Parse("docs/README.md").Descendants<LinkInline>().Select(l => l.Url).ToHashSet(StringComparer.Ordinal);
        var missing = Markdown.Pages().Where(p => p.StartsWith("docs/", StringComparison.Ordinal) && p != "docs/README.md")
            .Select(p => p["docs/".Length..]).Where(p => !index.Contains(p)).ToList();

        Assert.True(missing.Count == 0, "docs/README.md does not list: " + string.Join(", ", missing));
        Assert.Contains("docs/README.md", Markdown.Parse("README.md").Descendants<LinkInline>().Select(l => l.Url));
    }

    [Fact]
    public void Readme_FitsOnAFewScreens()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "README.md")).Length;

        Assert.True(lines <= 200, $"README.md has {lines} lines; the front page should fit on a few screens (200 lines): move detail to docs/.");
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void EachPage_IsShortEnoughForOneSitting(string page)
    {
        var words = File.ReadAllText(Path.Combine(Repository.Root, page)).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;

        Assert.True(words <= 2_500, $"{page} has {words} words; split it so each page reads in one sitting (2,500 words).");
    }

    private static string? Problem(string page, MarkdownDocument document, string link)
    {
        if (link.StartsWith(LocalService, StringComparison.Ordinal))
        {
            return null;
        }

        if (link.Contains("://", StringComparison.Ordinal) || link.StartsWith("mailto:", StringComparison.Ordinal) || link.StartsWith('/'))
        {
            return "points outside the repository";
        }

        var hash = link.IndexOf('#', StringComparison.Ordinal);
        var (path, anchor) = hash < 0 ? (link, null) : (link[..hash], link[(hash + 1)..]);
        if (path.Length == 0)
        {
            return Markdown.HeadingIds(document).Contains(anchor!) ? null : $"{page} has no heading #{anchor}";
        }

        var target = Path.GetFullPath(Path.Combine(Repository.Root, Path.GetDirectoryName(page)!, Uri.UnescapeDataString(path)));
        if (!target.StartsWith(Repository.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return "points outside the repository";
        }

        if (!File.Exists(target) && !Directory.Exists(target))
        {
            return "no such file";
        }

        if (anchor is not null)
        {
            var relative = Path.GetRelativePath(Repository.Root, target).Replace('\\', '/');
            if (!relative.EndsWith(".md", StringComparison.Ordinal) || !Markdown.HeadingIds(Markdown.Parse(relative)).Contains(anchor))
            {
                return $"{relative} has no heading #{anchor}";
            }
        }

        return null;
    }

    /// <summary>
    /// Values, not pointers: placeholders you fill in (<c>https://app.example.com/hooks/aftercare</c>, the
    /// deployed app's <c>https://…/api/twilio/sms</c>), loopback, and the providers' API addresses that
    /// settings default to.
    /// </summary>
    private static bool IsExample(string url) =>
        ExampleHost().IsMatch(url);

    [GeneratedRegex(@"https?://[^\s)`'""<>|]+")]
    private static partial Regex WebAddress();

    [GeneratedRegex(@"^https?://([a-z0-9.-]*\.)?(example\.(com|org)|localhost|127\.0\.0\.1|\[::1\]|<[^>]+>|…|api\.twilio\.com$|api\.sendgrid\.com$)", RegexOptions.IgnoreCase)]
    private static partial Regex ExampleHost();
}

using AftercareNudge.IntegrationTests.Infrastructure;
using Markdig;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace AftercareNudge.IntegrationTests.Onboarding;

/// <summary>The README and the pages of <c>docs/</c>, read as Markdown the way GitHub shows them.</summary>
internal static class Markdown
{
    public static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseAutoIdentifiers(Markdig.Extensions.AutoIdentifiers.AutoIdentifierOptions.GitHub)
        .Build();

    /// <summary>README.md and every page in docs/, as paths relative to the repository.</summary>
    public static IReadOnlyList<string> Pages() =>
        [
            "README.md",
            .. Directory.GetFiles(Path.Combine(Repository.Root, "docs"), "*.md")
                .Select(path => Path.GetRelativePath(Repository.Root, path).Replace('\\', '/'))
                .Order(StringComparer.Ordinal),
        ];

    public static MarkdownDocument Parse(string relativePath) =>
        Markdig.Markdown.Parse(File.ReadAllText(Path.Combine(Repository.Root, relativePath)), Pipeline);

    public static IReadOnlySet<string> HeadingIds(MarkdownDocument document) =>
        document.Descendants<HeadingBlock>().Select(h => h.GetAttributes().Id).OfType<string>().ToHashSet(StringComparer.Ordinal);

    /// <summary>The fenced code blocks of <paramref name="info"/> (such as <c>sh</c>) in the section under the heading <paramref name="heading"/>.</summary>
    public static IReadOnlyList<string> CodeBlocksUnder(string relativePath, string heading, string info)
    {
        var document = Parse(relativePath);
        var blocks = new List<string>();
        var inside = false;
        foreach (var block in document)
        {
            if (block is HeadingBlock { Level: 2 } h)
            {
                inside = h.Inline?.FirstChild?.ToString() == heading;
            }
            else if (inside && block is FencedCodeBlock code && code.Info == info)
            {
                blocks.Add(string.Join('\n', code.Lines.Lines.Take(code.Lines.Count).Select(l => l.ToString())));
            }
        }

        return blocks;
    }
}

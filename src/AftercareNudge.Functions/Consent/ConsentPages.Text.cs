namespace AftercareNudge.Consent;

public sealed partial class ConsentPages
{
    /// <summary>One line of the words a link was made with as a paragraph, or a run of planned messages as a list.</summary>
    internal sealed record ShownBlock(string? Paragraph, IReadOnlyList<string>? Items);

    /// <summary>
    /// The words a consent link was made with, as the page shows them: paragraphs, and the planned
    /// messages (lines starting "- ") as a list. The text itself is what the ledger keeps.
    /// </summary>
    internal static IReadOnlyList<ShownBlock> ShownTextBlocks(string shownText)
    {
        var blocks = new List<ShownBlock>();
        List<string>? items = null;
        foreach (var line in shownText.Split('\n'))
        {
            if (line.StartsWith("- ", StringComparison.Ordinal))
            {
                if (items is null)
                {
                    items = [];
                    blocks.Add(new ShownBlock(null, items));
                }

                items.Add(line[2..]);
                continue;
            }

            items = null;
            blocks.Add(new ShownBlock(line, null));
        }

        return blocks;
    }
}

using System.Text;

namespace AftercareNudge.Consent;

public static partial class ConsentPages
{
    /// <summary>
    /// The words a consent link was made with, as the page shows them: paragraphs, and the planned
    /// messages (lines starting "- ") as a list. The text itself is what the ledger keeps.
    /// </summary>
    private static string ShownTextHtml(string shownText)
    {
        var html = new StringBuilder();
        var inList = false;
        foreach (var line in shownText.Split('\n'))
        {
            var item = line.StartsWith("- ", StringComparison.Ordinal);
            if (item != inList)
            {
                html.Append(item ? "<ul class=\"planned\">" : "</ul>");
                inList = item;
            }

            html.Append(item ? $"<li>{Encode(line[2..])}</li>" : $"<p>{Encode(line)}</p>");
        }

        return html.Append(inList ? "</ul>" : "").ToString();
    }
}

using System.Text.RegularExpressions;

namespace AftercareNudge.Tests.Architecture;

/// <summary>
/// The folder graph read from the sources, as <c>shared/hooks/folder-deps.py</c> reads it (a port of its
/// logic): in each .cs and .razor file of a folder, <c>using AftercareNudge.X</c>, <c>AftercareNudge.X.Name</c>
/// and partly qualified <c>X.Name</c>, with comments (so <c>/// &lt;see cref&gt;</c> too) and string literals left out.
/// </summary>
internal static partial class SourceFolderDependencies
{
    public static FolderGraph Read(string appDirectory)
    {
        var folders = Directory.GetDirectories(appDirectory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ("bin" or "obj" or "Properties"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var names = string.Join('|', folders.Select(Regex.Escape));
        var reference = new Regex(@"(?<![\w.])(?:AftercareNudge\.)?(" + names + @")\.(?=[A-Z_@])");
        var usingDirective = new Regex(
            @"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?AftercareNudge\.(" + names + @")\b",
            RegexOptions.Multiline);

        var edges = new List<(string From, string To, string Example)>();
        foreach (var folder in folders)
        {
            foreach (var file in SourceFiles(Path.Combine(appDirectory, folder)))
            {
                var text = Strip(File.ReadAllText(file));
                var used = usingDirective.Matches(text).Concat(reference.Matches(text))
                    .Select(match => match.Groups[1].Value)
                    .Where(name => name != folder)
                    .Distinct();
                var example = Path.GetRelativePath(appDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
                edges.AddRange(used.Select(to => (folder, to, example)));
            }
        }

        return new FolderGraph(folders, edges);
    }

    private static IEnumerable<string> SourceFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(file => file.EndsWith(".cs", StringComparison.Ordinal) || file.EndsWith(".razor", StringComparison.Ordinal))
            .Where(file => !Path.GetRelativePath(folder, file).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    /// <summary>Comments and string literals out, in the script's order; line ends as Python reads them (LF).</summary>
    private static string Strip(string text)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        text = BlockComment().Replace(text, "");
        text = RazorComment().Replace(text, "");
        text = LineComment().Replace(text, "");
        return StringLiteral().Replace(text, "\"\"");
    }

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"@\*.*?\*@", RegexOptions.Singleline)]
    private static partial Regex RazorComment();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"@?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();
}

using AftercareNudge.Tests.Hosting;

namespace AftercareNudge.Tests.Architecture;

/// <summary>
/// Dependencies point one way: a folder of the app uses only folders below it (docs/architecture.md,
/// "Layers, bottom to top"). The folders are the app's top-level namespaces (<c>AftercareNudge.X</c>; a type in
/// <c>AftercareNudge.Messaging.Sms</c> is Messaging's). Today's exceptions are listed here, and the lists are a
/// ratchet: a new exception fails, and so does one that is gone but still listed.
/// </summary>
public sealed class FolderDependencyTests
{
    // Issue 20 emptied these lists: no two-way pair and no cycle is allowed. Never add to them: a failure
    // is fixed by taking out the use that points up (a domain event, or moving the rule down to Schedule).
    private static readonly string[] KnownTwoWayPairs = [];

    private static readonly string[] KnownCycleFolders = [];

    private static readonly Lazy<FolderGraph> CompiledApp = new(() => AssemblyFolderDependencies.Read(typeof(Program).Assembly));

    [Fact]
    public void TwoWayFolderDependencies_InTheCompiledApp_AreOnlyTheKnownPairsStillToRemove()
    {
        var app = CompiledApp.Value;
        var problems = new List<string>();

        var added = app.TwoWayPairs.Except(KnownTwoWayPairs, StringComparer.Ordinal).ToList();
        if (added.Count > 0)
        {
            problems.Add(
                "Folders that use each other and are not in KnownTwoWayPairs (a folder uses only folders below it: "
                + "take out the use that points up):" + Lines(added.Select(app.DescribePair)));
        }

        var gone = KnownTwoWayPairs.Except(app.TwoWayPairs, StringComparer.Ordinal).ToList();
        if (gone.Count > 0)
        {
            problems.Add("KnownTwoWayPairs lists pairs that no longer use each other both ways (delete them from the list):" + Lines(gone));
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    [Fact]
    public void FolderCycles_InTheCompiledApp_GoOnlyThroughTheKnownFolders()
    {
        var app = CompiledApp.Value;
        var problems = new List<string>();

        foreach (var cycle in app.Cycles)
        {
            var newcomers = cycle.Except(KnownCycleFolders, StringComparer.Ordinal).ToList();
            if (newcomers.Count > 0)
            {
                problems.Add(
                    $"{string.Join(", ", newcomers)} joined a cycle ({string.Join(" ", cycle)}) and "
                    + $"{(newcomers.Count == 1 ? "is" : "are")} not in KnownCycleFolders; for example:"
                    + Lines(app.ShortestCycleThrough(newcomers[0])));
            }
        }

        var gone = KnownCycleFolders.Except(app.Cycles.SelectMany(cycle => cycle), StringComparer.Ordinal).ToList();
        if (gone.Count > 0)
        {
            problems.Add("KnownCycleFolders lists folders that are in no cycle any more (delete them from the list):" + Lines(gone));
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    /// <summary>
    /// The sources, read as the shared folder-deps script reads them, have no cycle either: a constant or a
    /// <c>nameof</c> that points up is a use of that folder, even though the compiled app keeps no trace of it.
    /// </summary>
    [Fact]
    public void FolderCycles_InTheSources_AreNone()
    {
        var sources = SourceFolderDependencies.Read(AppFiles.SourceDirectory);
        Assert.True(
            sources.Cycles.Count == 0,
            string.Join("\n\n", sources.Cycles.Select(cycle => $"A cycle through {string.Join(" ", cycle)}; for example:" + Lines(sources.ShortestCycleThrough(cycle[0])))));
    }

    /// <summary>
    /// The compiled app and the sources, read as <c>python3 ../shared/hooks/folder-deps.py</c> reads them, name the
    /// same pairs. Single uses legitimately differ, so they are not compared. A constant, a <c>nameof</c> and an enum
    /// value in an attribute compile to their value, and the assembly keeps no trace of their folder: today the
    /// sources alone see Docs -> Consent
    /// (<c>nameof(ConsentDecisionForm)</c>), Docs -> Security (<c>ApiKeyExtensions.HeaderName</c>) and Health -> Security
    /// (<c>RateLimits.Limited.None</c> in <c>[RateLimited]</c>). The sources see only the names written: a type
    /// reached through <c>var</c>, or a component tag imported by the root <c>_Imports.razor</c>, is seen by the
    /// assembly alone. A <c>&lt;see cref&gt;</c> counts in neither (the script drops <c>//</c> comments, and doc
    /// comments are not in the assembly). None of this makes a pair today. A pair only one view sees is still a pair
    /// to remove, so the fix for a failure here is to remove the use, not to teach one view to ignore it.
    /// </summary>
    [Fact]
    public void TwoWayFolderDependencies_InTheSources_AreThoseOfTheCompiledApp()
    {
        var app = CompiledApp.Value;
        var sources = SourceFolderDependencies.Read(AppFiles.SourceDirectory);
        var problems = new List<string>();

        var sourcesOnly = sources.TwoWayPairs.Except(app.TwoWayPairs, StringComparer.Ordinal).ToList();
        if (sourcesOnly.Count > 0)
        {
            problems.Add(
                "Pairs the sources use both ways and the compiled app does not (a constant, nameof or an attribute's enum value?):"
                + Lines(sourcesOnly.Select(pair => sources.DescribePair(pair) + Missing(pair, app, "the compiled app"))));
        }

        var appOnly = app.TwoWayPairs.Except(sources.TwoWayPairs, StringComparer.Ordinal).ToList();
        if (appOnly.Count > 0)
        {
            problems.Add(
                "Pairs the compiled app uses both ways and the sources do not name (a type reached through var, a Razor tag?):"
                + Lines(appOnly.Select(pair => app.DescribePair(pair) + Missing(pair, sources, "the sources"))));
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    private static string Missing(string pair, FolderGraph other, string otherName)
    {
        var (a, b) = FolderGraph.SplitPair(pair);
        var missing = new[] { (a, b), (b, a) }.Where(edge => !other.Examples.ContainsKey(edge)).Select(edge => $"{edge.Item1} -> {edge.Item2}");
        return $" [not in {otherName}: {string.Join(", ", missing)}]";
    }

    private static string Lines(IEnumerable<string> lines) => string.Concat(lines.Select(line => "\n  " + line));
}

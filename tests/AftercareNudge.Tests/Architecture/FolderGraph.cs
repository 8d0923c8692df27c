namespace AftercareNudge.Tests.Architecture;

/// <summary>
/// Which top-level folder of the app (namespace <c>AftercareNudge.X</c>) uses which, with one example
/// of each use: the same graph whether it was read from the compiled assembly or from the sources.
/// </summary>
internal sealed class FolderGraph
{
    private readonly Dictionary<string, SortedSet<string>> _uses;

    /// <param name="folders">Every folder, whether or not it uses another.</param>
    /// <param name="edges">A use of one folder by another, and where it happens (a type or a file).</param>
    public FolderGraph(IEnumerable<string> folders, IEnumerable<(string From, string To, string Example)> edges)
    {
        var examples = new Dictionary<(string From, string To), string>();
        foreach (var (from, to, example) in edges)
        {
            // The smallest example, so that a failure names the same one on every run.
            if (from != to && (!examples.TryGetValue((from, to), out var kept) || string.CompareOrdinal(example, kept) < 0))
            {
                examples[(from, to)] = example;
            }
        }

        Examples = examples;
        Folders = [.. folders.Concat(examples.Keys.SelectMany(e => new[] { e.From, e.To })).Distinct().Order(StringComparer.Ordinal)];
        _uses = Folders.ToDictionary(f => f, _ => new SortedSet<string>(StringComparer.Ordinal));
        foreach (var (from, to) in examples.Keys)
        {
            _uses[from].Add(to);
        }

        TwoWayPairs = [.. examples.Keys
            .Where(e => string.CompareOrdinal(e.From, e.To) < 0 && examples.ContainsKey((e.To, e.From)))
            .Select(e => PairName(e.From, e.To))
            .Order(StringComparer.Ordinal)];
        Cycles = StronglyConnectedGroups().Where(group => group.Count > 1).ToList();
    }

    public IReadOnlyList<string> Folders { get; }

    public IReadOnlyDictionary<(string From, string To), string> Examples { get; }

    /// <summary>Pairs of folders that use each other directly, written as <c>"A &lt;-&gt; B"</c>, A before B.</summary>
    public IReadOnlyList<string> TwoWayPairs { get; }

    /// <summary>The groups of folders that reach each other (strongly connected, more than one folder).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles { get; }

    public static string PairName(string a, string b) =>
        string.CompareOrdinal(a, b) < 0 ? $"{a} <-> {b}" : $"{b} <-> {a}";

    public string Describe(string from, string to) => $"{from} -> {to} ({Examples[(from, to)]})";

    /// <summary>A two-way pair and an example of the use in each direction.</summary>
    public string DescribePair(string pair)
    {
        var (a, b) = SplitPair(pair);
        return $"{pair}: {Describe(a, b)}; {Describe(b, a)}";
    }

    public static (string A, string B) SplitPair(string pair)
    {
        var parts = pair.Split(" <-> ");
        return parts.Length == 2
            ? (parts[0], parts[1])
            : throw new ArgumentException($"'{pair}' is not written as \"A <-> B\".", nameof(pair));
    }

    /// <summary>One shortest way round from <paramref name="folder"/> back to itself, each step with its example.</summary>
    public IReadOnlyList<string> ShortestCycleThrough(string folder)
    {
        var cameFrom = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>([folder]);
        while (queue.Count > 0)
        {
            var current = queue.Dequeue();
            foreach (var next in _uses[current])
            {
                if (next == folder)
                {
                    var steps = new List<string> { Describe(current, folder) };
                    for (var at = current; at != folder; at = cameFrom[at])
                    {
                        steps.Insert(0, Describe(cameFrom[at], at));
                    }

                    return steps;
                }

                if (cameFrom.TryAdd(next, current))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return [];
    }

    /// <summary>Tarjan's strongly connected components, as folder-deps.py computes them.</summary>
    private List<IReadOnlyList<string>> StronglyConnectedGroups()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var groups = new List<IReadOnlyList<string>>();
        var next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in _uses[v])
            {
                if (!index.ContainsKey(w))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], index[w]);
                }
            }

            if (low[v] == index[v])
            {
                var group = new List<string>();
                string w;
                do
                {
                    w = stack.Pop();
                    onStack.Remove(w);
                    group.Add(w);
                }
                while (w != v);
                groups.Add([.. group.Order(StringComparer.Ordinal)]);
            }
        }

        foreach (var folder in Folders)
        {
            if (!index.ContainsKey(folder))
            {
                Visit(folder);
            }
        }

        return groups;
    }
}

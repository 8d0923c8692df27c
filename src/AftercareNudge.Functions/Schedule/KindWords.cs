using System.Text;
using System.Text.RegularExpressions;

namespace AftercareNudge.Schedule;

/// <summary>
/// The words that give an event's kind away to whoever reads a lock screen, one list per kind, in one
/// place. A word matches whole and in any case; a space or hyphen in it matches a space, a hyphen or
/// nothing ("safe word" is also "safeword" and "safe-word"); a trailing <c>*</c> takes any ending
/// ("psycholog*": psychologist, psychology). Words everyone uses every day are left out: "date" alone
/// (a day in the calendar), "conversation" alone, "session", "sub" and "dom" (names too). "other" has
/// none: it says nothing to give away.
/// </summary>
public static class KindWords
{
    private static readonly string[] DateWords =
    [
        "first date*", "blind date*", "dating", "tinder", "hinge", "bumble", "grindr", "hook up", "hooking up",
    ];

    /// <summary>Each kind registration accepts, and its words.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ByKind { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["date"] = DateWords,
        ["conversation"] =
        [
            "hard conversation*", "difficult conversation*", "tough conversation*", "hard talk", "difficult talk",
            "break up", "breaking up", "broke up", "split up", "divorce*", "confront*",
        ],
        ["therapy"] =
        [
            "therap*", "psychotherap*", "psycholog*", "psychiatr*", "counsel*", "shrink", "mental health", "cbt", "emdr", "dbt",
        ],
        ["scene"] =
        [
            "scene", "scenes", "kink", "kinks", "kinky", "kinkster*", "bdsm", "bondage", "fetish*", "dungeon*",
            "play party", "play parties", "safe word*", "sub drop", "sub space", "top drop", "submissive*",
            "domme*", "dominatrix", "spank*", "flogg*", "shibari", "impact play",
        ],
        ["enm-date"] =
        [
            "enm", "poly", "polyam*", "non monogam*", "open relationship*", "metamour*", "swinger*", "hall pass", "compersion",
            .. DateWords,
        ],
        ["other"] = [],
    };

    private static readonly Dictionary<string, Regex?> Patterns = ByKind.ToDictionary(k => k.Key, k => Pattern(k.Value), StringComparer.Ordinal);

    /// <summary>Whether <paramref name="text"/> holds a word of <paramref name="kind"/> (an unknown kind has none).</summary>
    public static bool Names(string text, string kind) => Patterns.GetValueOrDefault(kind)?.IsMatch(text) == true;

    private static Regex? Pattern(IReadOnlyList<string> words)
    {
        if (words.Count == 0)
        {
            return null;
        }

        var pattern = new StringBuilder(@"\b(?:");
        for (var i = 0; i < words.Count; i++)
        {
            pattern.Append(i == 0 ? "" : "|");
            foreach (var c in words[i])
            {
                pattern.Append(c switch
                {
                    ' ' or '-' => @"[\s-]?",
                    '*' => @"\w*",
                    _ => Regex.Escape(c.ToString()),
                });
            }
        }

        // Linear time whatever the text: the words are ours, the text is the client's.
        return new Regex(pattern.Append(@")\b").ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, TimeSpan.FromSeconds(1));
    }
}

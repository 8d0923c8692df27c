using System.Globalization;
using System.Text;

namespace AftercareNudge.Schedule;

/// <summary>
/// What free text a client sends may hold. A name is read as part of every SMS ("Sam via
/// AftercareNudge: …"), so it may hold nothing invisible: no format character at all (bidirectional
/// controls, zero-width spaces and joiners, the byte-order mark, soft hyphens, tags). A message, a
/// title, a plan or someone's needs may not hold the bidirectional controls (U+202E and its kin make
/// text read other than it is) nor the invisible spaces (U+200B, U+2060, U+FEFF), but may keep the two
/// joiners (U+200C, U+200D) between visible characters: emoji families and Persian or Indic script
/// need them. Every other format character (tags, soft hyphens, …) is refused there too. Control
/// characters (C0, DEL, C1) are refused everywhere, except a tab or a line feed in a message, title,
/// plan or needs; a CR LF line break is kept as LF, so a lone CR is refused.
/// </summary>
public static class FreeText
{
    /// <summary>Free text as stored: trimmed, its CR LF line breaks made LF.</summary>
    public static string? Normalize(string? text) => text?.Trim().Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>The first control character a name may not hold (any), or null.</summary>
    public static string? NameControlProblem(string text) => FirstControl(text, allowTabAndLineFeed: false);

    /// <summary>The first control character a message, title, plan or needs may not hold (any but TAB and LF), or null.</summary>
    public static string? TextControlProblem(string text) => FirstControl(text, allowTabAndLineFeed: true);

    /// <summary>A field error that names the control character and where it is.</summary>
    public static string ControlRefusal(string what, string problem) =>
        $"{what} cannot contain control characters other than tab and line feed ({problem}): remove it, and end lines with LF or CR LF.";

    /// <summary>A name's field error that names the control character and where it is.</summary>
    public static string NameControlRefusal(string problem) =>
        $"A name is one line of text, without control characters ({problem}): remove it.";

    /// <summary>The first character a name may not hold, or null.</summary>
    public static string? NameProblem(string text) => FirstRefused(text, allowJoiners: false);

    /// <summary>The first character a message, title, plan or needs may not hold, or null.</summary>
    public static string? TextProblem(string text) => FirstRefused(text, allowJoiners: true);

    /// <summary>A field error that names the character and where it is.</summary>
    public static string Refusal(string what, string problem) =>
        $"{what} cannot contain invisible or direction-changing characters ({problem}): retype it without them.";

    public static bool IsBidiControl(int codePoint) =>
        codePoint is 0x061C or 0x200E or 0x200F or (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);

    private static string? FirstControl(string text, bool allowTabAndLineFeed)
    {
        var position = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            position++;
            if (Rune.IsControl(rune) && !(allowTabAndLineFeed && rune.Value is '\t' or '\n'))
            {
                return string.Create(CultureInfo.InvariantCulture, $"U+{rune.Value:X4} at position {position}");
            }
        }

        return null;
    }

    private static string? FirstRefused(string text, bool allowJoiners)
    {
        var runes = text.EnumerateRunes().ToList();
        for (var i = 0; i < runes.Count; i++)
        {
            var rune = runes[i];
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.Format)
            {
                continue;
            }

            if (allowJoiners && rune.Value is 0x200C or 0x200D && i > 0 && i < runes.Count - 1 && IsVisible(runes[i - 1]) && IsVisible(runes[i + 1]))
            {
                continue;
            }

            return string.Create(CultureInfo.InvariantCulture, $"U+{rune.Value:X4} at position {i + 1}");
        }

        return null;
    }

    private static bool IsVisible(Rune rune) =>
        !Rune.IsWhiteSpace(rune) && !Rune.IsControl(rune) && Rune.GetUnicodeCategory(rune) != UnicodeCategory.Format;
}

/// <summary>
/// An SMS can be read on a lock screen by whoever holds the phone, so a check-in text that names the
/// event is accepted (the organiser may mean it) with a warning in the answer. "Names" means: the
/// event's title (when it is at least four characters), or a word that gives away its kind
/// (<see cref="KindWords"/>). Emails are not checked: their subject never carries the message.
/// </summary>
public static class LockScreenWarnings
{
    public const string NamesTitle = "This text names the event's title; an SMS can be read on a lock screen.";
    public const string NamesKind = "This text names the event's kind; an SMS can be read on a lock screen.";

    public static string? For(string message, string title, string kind)
    {
        var trimmedTitle = title.Trim();
        if (trimmedTitle.Length >= 4 && message.Contains(trimmedTitle, StringComparison.OrdinalIgnoreCase))
        {
            return NamesTitle;
        }

        return KindWords.Names(message, kind) ? NamesKind : null;
    }
}

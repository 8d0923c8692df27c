using System.Text.RegularExpressions;

namespace AftercareNudge.Consent;

public enum SmsKeyword
{
    Yes,
    No,
    Stop,
    Start,
    Help,
    Other,
}

/// <summary>
/// What a reply means, read on the whole trimmed message, case-insensitively. STOP's family is
/// Twilio's list; plain-language revocations count as STOP too, because the law and decency both say
/// any reasonable way of saying "stop" must work. When in doubt between a revocation and anything
/// else, it is a revocation.
/// </summary>
public static partial class SmsKeywords
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "opt out", "opt-out",
    };

    public static SmsKeyword Classify(string? body)
    {
        var text = Normalize(body);
        if (text.Length == 0)
        {
            return SmsKeyword.Other;
        }

        if (StopWords.Contains(text) || PlainRevocation().IsMatch(text))
        {
            return SmsKeyword.Stop;
        }

        return text switch
        {
            "yes" or "y" => SmsKeyword.Yes,
            "no" or "n" => SmsKeyword.No,
            "start" or "unstop" => SmsKeyword.Start,
            "help" or "info" => SmsKeyword.Help,
            _ => SmsKeyword.Other,
        };
    }

    /// <summary>
    /// Whether a message says yes in other words than the keyword ("yes please", "ok", "sure", "yep",
    /// "Yes I agree"). Never consent: double opt-in is the word YES alone (surrounding punctuation
    /// aside, so "YES!" and "Yes." are YES). Such a reply to a consent request gets one hint to reply YES.
    /// </summary>
    public static bool MeansYesInPlainWords(string? body)
    {
        var text = Normalize(body);
        return text.Length is > 0 and <= 60 && Classify(body) == SmsKeyword.Other && PlainYes().IsMatch(text);
    }

    /// <summary>Lower case, single spaces, no surrounding punctuation or emoji: "STOP!!", " Stop. " and "stop 🙏" are all "stop".</summary>
    internal static string Normalize(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return "";
        }

        // Full-width letters (ＳＴＯＰ) and typographic apostrophes (don’t) read as their plain forms.
        var plain = body.Normalize(System.Text.NormalizationForm.FormKC).Replace('\u2019', '\'').Replace('\u2018', '\'');
        var words = plain.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var joined = string.Join(' ', words);
        var start = 0;
        var end = joined.Length;
        while (start < end && !char.IsLetterOrDigit(joined[start]))
        {
            start++;
        }

        while (end > start && !char.IsLetterOrDigit(joined[end - 1]))
        {
            end--;
        }

        return joined[start..end];
    }

    // "stop texting me", "please stop", "stop it", "unsubscribe me", "opt me out", "no more messages",
    // "remove me from this list", "don't text me again", "leave me alone".
    [GeneratedRegex(
        @"^(please\s+)?(stop|unsubscribe|opt\s*me\s*out|opt\s*out|remove\s+me|take\s+me\s+off|cancel\s+(this|these|it|my|all)|end\s+(this|these)|quit\s+(texting|messaging))\b"
        + @"|^(please\s+)?(stop|unsubscribe)$"
        + @"|\bplease\s+stop\b"
        + @"|^no\s+more(\s+(messages|texts|texting|msgs|check-?ins))?\b"
        + @"|^(please\s+)?(don'?t|do\s+not|never)\s+(text|message|contact|msg)\s+me\b"
        + @"|^i\s+(want|would\s+like|need)\s+(you\s+)?to\s+(stop|unsubscribe|opt\s*out)\b"
        + @"|^leave\s+me\s+alone\b",
        RegexOptions.CultureInvariant)]
    private static partial Regex PlainRevocation();

    // "yes please", "yes i agree", "ok", "okay sure", "sure", "yep", "yeah!", "i agree", "agreed",
    // "of course", "sounds good", "go ahead", "fine by me". (An emoji alone normalises to nothing.)
    [GeneratedRegex(
        @"^(yes+|yeah|yea|yep|yup|ya|yah|ok|okay|okey|k|kk|sure|agree|agreed|i\s+agree|i\s+do|of\s+course|absolutely|definitely|certainly|fine|alright|all\s+right|sounds\s+good|go\s+ahead|please\s+do|sí|si|oui|ja)"
        + @"(\W+(please|pls|plz|thanks|thank\s+you|ty|sure|ok|okay|i\s+agree|i\s+do|agreed|that'?s\s+fine|fine|by\s+me|with\s+me|go\s+ahead|of\s+course|absolutely|sounds\s+good|yes|yeah|yep|great|cool))*$",
        RegexOptions.CultureInvariant)]
    private static partial Regex PlainYes();
}

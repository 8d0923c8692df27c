using System.Buffers;

namespace AftercareNudge.Messaging.Sms;

/// <summary>
/// How many SMS segments a text costs, as carriers count them. A text wholly in the GSM 03.38 alphabet
/// (GSM-7) fits 160 characters in one segment and 153 per segment when split (the rest is the
/// concatenation header); the characters of its extension table (<c>^{}\[~]|€</c> and form feed) take
/// two. Anything else makes the whole text UCS-2: 70 UTF-16 code units in one segment, 67 when split.
/// A split never cuts a character in two (an extension character's escape from its code, an emoji's
/// surrogate pair), as handsets need and Twilio's segment calculator counts: such a character that
/// does not fit starts the next segment.
/// </summary>
public static class SmsSegments
{
    private const string Gsm7Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Gsm7Extension = "\f^{}\\[~]|€";

    private static readonly SearchValues<char> Gsm7 = SearchValues.Create(Gsm7Basic + Gsm7Extension);
    private static readonly SearchValues<char> Extension = SearchValues.Create(Gsm7Extension);

    /// <summary>The marker a shortened quote ends with: three dots keep a GSM-7 text GSM-7; UCS-2 can afford the one character.</summary>
    private const string GsmEllipsis = "...";
    private const string UnicodeEllipsis = "\u2026";

    public static bool IsGsm7(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return !text.AsSpan().ContainsAnyExcept(Gsm7);
    }

    /// <summary>The number of segments <paramref name="text"/> is sent as (an empty text is one).</summary>
    public static int Count(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var gsm7 = IsGsm7(text);
        var (single, multi) = gsm7 ? (160, 153) : (70, 67);
        if ((gsm7 ? text.Length + ExtensionCount(text) : text.Length) <= single)
        {
            return 1;
        }

        int segments = 1, used = 0;
        for (var i = 0; i < text.Length; i++)
        {
            // Septets of GSM-7, or UTF-16 code units of UCS-2, that this character takes.
            var size = gsm7
                ? (Extension.Contains(text[i]) ? 2 : 1)
                : (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1);
            if (!gsm7 && size == 2)
            {
                i++;
            }

            if (used + size > multi)
            {
                segments++;
                used = 0;
            }

            used += size;
        }

        return segments;
    }

    private static int ExtensionCount(ReadOnlySpan<char> text)
    {
        var count = 0;
        for (var i = text.IndexOfAny(Extension); i >= 0; i = text.IndexOfAny(Extension))
        {
            count++;
            text = text[(i + 1)..];
        }

        return count;
    }

    /// <summary>
    /// <paramref name="prefix"/> + <paramref name="quote"/> + <paramref name="suffix"/>, with the quote
    /// shortened (ending in an ellipsis, never splitting a surrogate pair) until the whole fits in
    /// <paramref name="maxSegments"/>. The prefix and suffix are kept whole; if they alone do not fit,
    /// the quote is dropped to the ellipsis.
    /// </summary>
    public static string Fit(string prefix, string quote, string suffix, int maxSegments)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(quote);
        ArgumentNullException.ThrowIfNull(suffix);
        var whole = prefix + quote + suffix;
        if (Count(whole) <= maxSegments)
        {
            return whole;
        }

        var ellipsis = IsGsm7(whole) ? GsmEllipsis : UnicodeEllipsis;

        // Binary search for the longest prefix of the quote that fits: Count is monotonic in its length.
        int low = 0, high = quote.Length;
        while (low < high)
        {
            var mid = (low + high + 1) / 2;
            if (Count(prefix + Cut(quote, mid) + ellipsis + suffix) <= maxSegments)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }

        return prefix + Cut(quote, low).TrimEnd() + ellipsis + suffix;
    }

    /// <summary>At most <paramref name="length"/> UTF-16 code units of <paramref name="text"/>, never half a surrogate pair.</summary>
    public static string Cut(string text, int length)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (length >= text.Length)
        {
            return text;
        }

        if (length > 0 && char.IsHighSurrogate(text[length - 1]))
        {
            length--;
        }

        return text[..length];
    }
}

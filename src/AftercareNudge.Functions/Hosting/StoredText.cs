namespace AftercareNudge.Hosting;

/// <summary>
/// Text people send us is stored within Table Storage's limits (64 KiB a string, 1 MiB an entity):
/// what is longer than a limit is cut there, on a whole character, and ends with <see cref="Marker"/>.
/// </summary>
public static class StoredText
{
    /// <summary>A reply to a check-in: Twilio's longest inbound message is 1,600 characters.</summary>
    public const int MaxReplyLength = 1600;

    public const string Marker = "… [truncated]";

    public static string Truncate(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= maxLength)
        {
            return text;
        }

        var cut = maxLength - Marker.Length;
        if (char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        return string.Concat(text.AsSpan(0, cut), Marker);
    }
}

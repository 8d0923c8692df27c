using System.Net.Mail;
using System.Text;

namespace AftercareNudge.Schedule;

/// <summary>
/// What an email address the app takes may be. An address is stored as given (trimmed), and its rows
/// are keyed by a hash of it lower-cased (<see cref="AddressKeys.For"/>), so anything
/// that makes one address look like another would give it a second, empty consent record: an opt-out
/// could be dodged by appending an invisible character. So, beyond being one bare address (what
/// <see cref="IsWellFormed"/> checks, the rule before this one), it may hold no format character at all
/// (the rule names follow, <see cref="FreeText.NameProblem"/>: bidirectional controls, zero-width
/// characters, the byte-order mark, tags…), no whitespace or control character, and no form SendGrid
/// will not deliver to: a quoted local part (<c>"a b"@example.com</c>) or a domain literal
/// (<c>alex@[127.0.0.1]</c>). Every address the old rule took and this one takes keeps its key.
/// </summary>
public static class EmailAddresses
{
    public const int MaxLength = 254;

    public const string NotValid = "This is not a valid email address.";

    public const string NotDeliverable = "Email is not delivered to a quoted name or an address in brackets: give an address like name@example.com.";

    /// <summary>
    /// Why <paramref name="address"/> (already trimmed) is not an address the app takes, or null. Format
    /// characters are refused with the words a name's are, naming the character and where it is.
    /// </summary>
    public static string? Problem(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IsWellFormed(address))
        {
            return NotValid;
        }

        if (FreeText.NameProblem(address) is { } refused)
        {
            return FreeText.Refusal("An email address", refused);
        }

        var at = address.LastIndexOf('@');
        if (address.AsSpan(0, at).Contains('"') || address.AsSpan(at + 1).StartsWith("[", StringComparison.Ordinal))
        {
            return NotDeliverable;
        }

        return address.EnumerateRunes().Any(r => Rune.IsWhiteSpace(r) || Rune.IsControl(r)) ? NotValid : null;
    }

    /// <summary>
    /// Whether <paramref name="address"/> (trimmed) is one bare address with a dotted domain: the whole
    /// rule before format characters and undeliverable forms were refused, so every address stored so far
    /// passes it (erasure takes these, so that rows stored before can still be erased).
    /// </summary>
    public static bool IsWellFormed(string address) =>
        address.Length <= MaxLength
        && MailAddress.TryCreate(address, out var parsed)
        && parsed.Address == address
        && parsed.Host.Contains('.', StringComparison.Ordinal);
}

using System.Security.Cryptography;

namespace AftercareNudge.Events;

/// <summary>
/// The shape of the ids the app makes, in one place: a prefix (<c>ev_</c>, <c>ci_</c>, <c>chg_</c>) and
/// 24 lowercase hex digits. A check-in's follow-ups add a suffix to its id (<c>-fb</c>, <c>-nt</c>,
/// <c>-fb-nt</c>). Every check of an id that comes back to us (a path, a callback's query, a custom arg)
/// asks this class, so they cannot disagree.
/// </summary>
internal static class Ids
{
    public const string EventPrefix = "ev_";
    public const string CheckInPrefix = "ci_";
    public const string ChangePrefix = "chg_";

    /// <summary>The suffix of a check-in's fallback on the other channel.</summary>
    public const string FallbackSuffix = "-fb";

    /// <summary>The suffix of the notice to the organiser about a check-in (or its fallback).</summary>
    public const string NoticeSuffix = "-nt";

    private const int RandomBytes = 12;
    private const string HexDigits = "0123456789abcdef";

    // Longest first: "-fb-nt" must be cut whole, not as "-nt" leaving "…-fb".
    private static readonly string[] FollowUpSuffixes = [FallbackSuffix + NoticeSuffix, FallbackSuffix, NoticeSuffix];

    /// <summary>A new id: the prefix and 24 lowercase hex digits of randomness.</summary>
    public static string New(string prefix) => prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>Whether <paramref name="id"/> is one <see cref="New"/> could have made with <paramref name="prefix"/>.</summary>
    public static bool IsOurs(string? id, string prefix) =>
        id is not null
        && id.Length == prefix.Length + (RandomBytes * 2)
        && id.StartsWith(prefix, StringComparison.Ordinal)
        && !id.AsSpan(prefix.Length).ContainsAnyExcept(HexDigits);

    /// <summary>Whether <paramref name="id"/> is an event id we made.</summary>
    public static bool IsEventId(string? id) => IsOurs(id, EventPrefix);

    /// <summary>Whether <paramref name="id"/> is a check-in id we made, or one of its follow-ups (<c>-fb</c>, <c>-nt</c>, <c>-fb-nt</c>).</summary>
    public static bool IsCheckInId(string? id)
    {
        if (id is null)
        {
            return false;
        }

        foreach (var suffix in FollowUpSuffixes)
        {
            if (id.EndsWith(suffix, StringComparison.Ordinal))
            {
                id = id[..^suffix.Length];
                break;
            }
        }

        return IsOurs(id, CheckInPrefix);
    }
}

using System.Security.Cryptography;

namespace AftercareNudge.Schedule;

/// <summary>
/// The shape of the ids the app makes, in one place: a prefix (<c>ev_</c>, <c>ci_</c>, <c>chg_</c>) and
/// 24 lowercase hex digits. A check-in's follow-ups add a suffix to its id (<c>-fb</c>, <c>-nt</c>,
/// <c>-fb-nt</c>). A relayed reply is <c>rl-</c> and the id of the message replied with (a Twilio SID,
/// <c>dev-</c> and 32 hex digits from the development route, whatever an inbound webhook carries that
/// <see cref="IsMessageId"/> accepts); relays have no follow-ups. Every id the app mints is minted here,
/// and every check of an id that comes back to us (a path, a callback's query, a custom arg) asks this
/// class, so they cannot disagree.
/// </summary>
internal static partial class Ids
{
    public const string EventPrefix = "ev_";
    public const string CheckInPrefix = "ci_";
    public const string ChangePrefix = "chg_";

    /// <summary>The suffix of a check-in's fallback on the other channel.</summary>
    public const string FallbackSuffix = "-fb";

    /// <summary>The suffix of the notice to the organiser about a check-in (or its fallback).</summary>
    public const string NoticeSuffix = "-nt";

    /// <summary>The prefix of a relayed reply: the rest is the id of the message replied with.</summary>
    public const string RelayPrefix = "rl-";

    /// <summary>The longest inbound message id we act on (Twilio's SIDs are 34 characters).</summary>
    public const int MaxMessageIdLength = 64;

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

    /// <summary>The id of the fallback of check-in <paramref name="checkInId"/> on its other channel.</summary>
    public static string FallbackId(string checkInId) => checkInId + FallbackSuffix;

    /// <summary>The id of the notice to the organiser about <paramref name="checkInId"/> (a check-in, a reminder or a fallback).</summary>
    public static string NoticeId(string checkInId) => checkInId + NoticeSuffix;

    /// <summary>
    /// Whether an inbound message's id (Twilio's <c>MessageSid</c>, the development route's) is one we act
    /// on: 1 to 64 ASCII letters, digits, <c>-</c> or <c>_</c>. It becomes part of table keys and of a
    /// relay's id, so nothing else may pass.
    /// </summary>
    public static bool IsMessageId(string? id) =>
        id is { Length: > 0 and <= MaxMessageIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The prefix of the ids the development SMS route gives the messages it takes, as Twilio gives SIDs.</summary>
    public const string DevelopmentMessagePrefix = "dev-";

    /// <summary>A message id for an SMS the development route takes: <c>dev-</c> and 32 lowercase hex digits.</summary>
    public static string NewDevelopmentMessageId() => DevelopmentMessagePrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The id of the relay of the reply <paramref name="messageId"/>: fixed, so a webhook retried makes one relay.</summary>
    public static string RelayId(string messageId) =>
        IsMessageId(messageId) ? RelayPrefix + messageId : throw new ArgumentException("Not an inbound message id we act on.", nameof(messageId));

    /// <summary>Whether <paramref name="id"/> is the id of a relayed reply (<see cref="RelayId"/>).</summary>
    public static bool IsRelayId(string? id) =>
        id is not null && id.StartsWith(RelayPrefix, StringComparison.Ordinal) && IsMessageId(id[RelayPrefix.Length..]);

    /// <summary>The id of the message a relay passes on (the reply's row key).</summary>
    public static string RelayedMessageId(string relayId) =>
        IsRelayId(relayId) ? relayId[RelayPrefix.Length..] : throw new ArgumentException("Not a relay id.", nameof(relayId));

    /// <summary>
    /// Whether <paramref name="id"/> names a row of an event's schedule we made, that is a message we send
    /// about a check-in: a check-in or reminder, one of its follow-ups (<c>-fb</c>, <c>-nt</c>,
    /// <c>-fb-nt</c>), or a relayed reply to it. What a provider's delivery report names is checked here.
    /// </summary>
    public static bool IsCheckInId(string? id)
    {
        if (id is null)
        {
            return false;
        }

        if (IsRelayId(id))
        {
            return true;
        }

        foreach (var suffix in FollowUpSuffixes)
        {
            if (id.EndsWith(suffix, StringComparison.Ordinal))
            {
                id = id[..^suffix.Length];
                break;
            }
        }

        // A rung of an armed check-in's safety ladder: the check-in's id and -rm, -al<n>, or what follows alert n (-ac<n>, -ur<n>, -cx<n>).
        if (LadderSuffix().Match(id) is { Success: true } rung)
        {
            id = id[..rung.Index];
        }

        return IsOurs(id, CheckInPrefix);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"-(rm|al[1-9]|ac[1-9]|ur[1-9]|cx[1-9])\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex LadderSuffix();
}

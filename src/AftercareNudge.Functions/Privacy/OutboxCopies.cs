using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;

namespace AftercareNudge.Privacy;

/// <summary>
/// Which of one event's development outbox messages are copies of what an erased person is: every
/// message sent to their address; every message of a check-in to them and of what followed it (a
/// relay to the organiser that quotes their reply, a notice that it did not arrive, a fallback on their
/// other channel), found by id; and any other message that names them or shows their address (the
/// organiser's notice that they have not agreed yet, a reminder listing their needs, words the
/// organiser wrote about them). It errs towards deleting: the outbox is a developer's copy of what was
/// sent, and nothing needs it kept.
/// </summary>
internal sealed class OutboxCopies
{
    private readonly string _address;
    private readonly HashSet<string> _checkInIds;
    private readonly List<string> _names;

    /// <param name="address">The erased phone number or email address.</param>
    /// <param name="names">Their names in the event (an erased or purged name is skipped).</param>
    /// <param name="keys">Their keys in the event, as the check-ins' <see cref="CheckInRecord.To"/> name them.</param>
    /// <param name="checkIns">The event's check-ins, follow-ups included.</param>
    public OutboxCopies(string address, IEnumerable<string> names, IReadOnlySet<string> keys, IEnumerable<CheckInRecord> checkIns)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        ArgumentNullException.ThrowIfNull(keys);
        var rows = checkIns.ToList();
        _address = address;
        _names = names.Select(n => RemovedNames.Readable(n)?.Trim()).OfType<string>().Where(n => n.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        _checkInIds = rows.Where(c => keys.Contains(c.To)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);

        // What followed a check-in to them, and what followed that.
        bool added;
        do
        {
            added = false;
            foreach (var row in rows.Where(c => c.RelatesTo is { } r && _checkInIds.Contains(r)))
            {
                added |= _checkInIds.Add(row.Id);
            }
        }
        while (added);
    }

    public bool IsCopy(OutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return string.Equals(message.To, _address, StringComparison.OrdinalIgnoreCase)
            || (message.CheckInId is { } id && _checkInIds.Contains(id))
            || Mentions(message.Subject ?? "") || Mentions(message.Body);
    }

    private bool Mentions(string text) =>
        text.Contains(_address, StringComparison.OrdinalIgnoreCase) || _names.Any(name => HasWord(text, name));

    /// <summary>Whether <paramref name="text"/> holds <paramref name="word"/> as a whole word, in any case: "Al" is not in "Also".</summary>
    internal static bool HasWord(string text, string word)
    {
        for (var at = text.IndexOf(word, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(word, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + word.Length;
            if ((at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
            {
                return true;
            }
        }

        return false;
    }
}

using AftercareNudge.Hosting;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Replies;

/// <summary>
/// The one answer someone gets for replying to a check-in: what became of their reply, that nobody
/// reads this number, and that this is not an emergency service. Once per <see cref="Window"/> per
/// number, not once per message: the window is a row beside the number's inbound-message rows
/// (<c>InboundMessages</c>, row <c>ack-window</c>), opened with a conditional write, so that two
/// instances answering two texts at once answer only one of them. A webhook retry is answered from the
/// inbound message's own row, before this is asked.
/// </summary>
public sealed class ReplyAcknowledgements(AppTables tables, TimeProvider time)
{
    /// <summary>A conversation: after this long without an acknowledgement, the next reply gets one again.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(12);

    /// <summary>An acknowledgement is at most this many SMS segments.</summary>
    public const int MaxSegments = 2;

    internal const string WindowRow = "ack-window";

    /// <summary>
    /// True if this reply opens a new window (and so gets an acknowledgement); false inside one.
    /// <paramref name="about"/> says which conversation (ids and the outcome, never words): a reply
    /// about something else than the last acknowledged one opens a new window.
    /// </summary>
    public async Task<bool> TryOpenWindowAsync(string from, string about, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.InboundMessages, cancellationToken);
        var partition = AddressKeys.For(Channel.Sms, from);
        var now = time.GetUtcNow();
        var row = new TableEntity(partition, WindowRow) { ["AckedAt"] = now, ["About"] = about };
        var current = await table.GetEntityIfExistsAsync<TableEntity>(partition, WindowRow, cancellationToken: cancellationToken);
        try
        {
            if (!current.HasValue)
            {
                await table.AddEntityAsync(row, cancellationToken);
                return true;
            }

            if (current.Value!.GetDateTimeOffset("AckedAt") is { } acked && now - acked < Window && current.Value.GetString("About") == about)
            {
                return false;
            }

            await table.UpdateEntityAsync(row, current.Value.ETag, TableUpdateMode.Replace, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.IsConflict() || e.IsPreconditionFailed())
        {
            // Another instance answered another text from this number a moment ago: that was the one.
            return false;
        }
    }

    /// <summary>
    /// What a conversation is about: the event replied to, and whether the replies reach its organiser
    /// ("being passed on" and "passed on" are the same news; "could not be passed on" is not).
    /// </summary>
    public static string Conversation(string eventId, RelayOutcome outcome) => eventId + ":" + outcome switch
    {
        RelayOutcome.PassedOn or RelayOutcome.Pending => "passed-on",
        RelayOutcome.CouldNotPassOn => "not-passed-on",
        RelayOutcome.AwaitingOrganizer => "awaiting-organizer",
        _ => "kept",
    };

    /// <summary>The acknowledgement's words: within <see cref="MaxSegments"/> segments whatever the organiser's name.</summary>
    public static string Text(RelayOutcome outcome, string? organizerName)
    {
        var name = string.IsNullOrWhiteSpace(organizerName) ? "the person who set this up" : organizerName.Trim();
        var (full, brief) = outcome switch
        {
            RelayOutcome.PassedOn => ("Your reply was passed on to ", "Passed on to "),
            RelayOutcome.Pending => ("Your reply is being passed on to ", "Being passed on to "),
            RelayOutcome.CouldNotPassOn => ("Your reply was kept, but it could not be passed on to ", "Kept, not passed on to "),
            _ => ("", ""),
        };

        if (outcome == RelayOutcome.AwaitingOrganizer)
        {
            var waiting = $"{Brand.Name}: Your reply was kept. {name} has not confirmed their number yet: it is passed on when they do." + FullTail;
            return SmsSegments.Count(waiting) <= MaxSegments
                ? waiting
                : SmsSegments.Fit($"{Brand.Name}: Kept until ", name, " confirms, then passed on." + BriefTail, MaxSegments);
        }

        if (outcome == RelayOutcome.NotRelayed)
        {
            return $"{Brand.Name}: Your reply was kept with your check-in." + FullTail;
        }

        var text = $"{Brand.Name}: {full}{name}." + FullTail;
        return SmsSegments.Count(text) <= MaxSegments
            ? text
            : SmsSegments.Fit($"{Brand.Name}: {brief}", name, "." + BriefTail, MaxSegments);
    }

    /// <summary>Later, once: a reply that waited for its organiser to confirm has been passed on.</summary>
    public static string PassedOnLaterText(string? organizerName, string writtenWhen)
    {
        var name = string.IsNullOrWhiteSpace(organizerName) ? "the person who set this up" : organizerName.Trim();
        var text = $"{Brand.Name}: Your reply {writtenWhen} has now been passed on to {name}." + FullTail;
        return SmsSegments.Count(text) <= MaxSegments ? text : SmsSegments.Fit($"{Brand.Name}: Your reply {writtenWhen} was passed on to ", name, "." + BriefTail, MaxSegments);
    }

    /// <summary>To a reply when nothing of ours reached the number within a day: it was not passed on, and why.</summary>
    public const string NotPassedOnText =
        $"{Brand.Name}: Your message was not passed on: replies reach the person who sent you a check-in only within a day of it. Contact them directly." + FullTail;

    /// <summary>
    /// To a message from a number with check-ins planned but none sent yet: it was not passed on and is
    /// not kept. Names who planned them only when exactly one organiser did (<paramref name="organizerName"/>;
    /// null otherwise: naming one could tell them of another's plans); within <see cref="MaxSegments"/> segments.
    /// </summary>
    public static string NothingSentYetText(string? organizerName)
    {
        var name = string.IsNullOrWhiteSpace(organizerName) ? null : organizerName.Trim();
        var text = name is null
            ? $"{Brand.Name}: Your message was not passed on or kept. To reach the person who planned your check-ins, contact them directly." + FullTail
            : $"{Brand.Name}: Your message was not passed on or kept. To reach {name}, contact them directly." + FullTail;
        return SmsSegments.Count(text) <= MaxSegments
            ? text
            : name is null ? NotPassedOnText : SmsSegments.Fit($"{Brand.Name}: Not passed on or kept. Contact ", name, " directly." + BriefTail, MaxSegments);
    }

    /// <summary>
    /// The question when check-ins from more than one organiser reached the number within a day: which
    /// one the reply is for. Names only those organisers, numbered; the reply waits until it is answered.
    /// </summary>
    public static string WhichOrganizer(IReadOnlyList<string> organizers)
    {
        ArgumentNullException.ThrowIfNull(organizers);
        var choices = string.Join(", ", organizers.Select((name, i) => $"{i + 1} for {name}"));
        return $"{Brand.Name}: Who is your reply for? Reply {choices}. It is kept until you answer (7 days)." + FullTail;
    }

    private const string FullTail = " No one reads this number." + EmergencyTail;

    private const string EmergencyTail = " This is not an emergency service: in an emergency, call your local emergency number.";

    // For a name that makes the text UCS-2 (two segments are then 134 characters).
    private const string BriefTail = " Unmonitored number. Not for emergencies: call your local emergency number.";
}

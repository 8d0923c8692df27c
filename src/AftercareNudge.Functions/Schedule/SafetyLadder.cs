namespace AftercareNudge.Schedule;

/// <summary>
/// The rows an armed check-in adds to its event's schedule, written with it: the one reminder to the
/// organiser at <see cref="SafetyNet.Within"/> after its due time, and an alert to each trusted
/// contact <see cref="SafetyNet.Grace"/> after that. They are sent like any row (claimed once, by the
/// send queue, on time); what they say and whether they still go is decided when they are due, against
/// the net's state (an answer cancels them). Their ids are the armed check-in's with a suffix:
/// <c>-rm</c>, <c>-al1</c>, <c>-al2</c>… (the contact's place in <c>escalateTo</c>), and an all-clear <c>-ac1</c>….
/// An alert that fails for good goes once more on the contact's other channel as <c>-al1-fb</c>… (<see cref="FallbackId"/>).
/// </summary>
public static class SafetyLadder
{
    public const string ReminderSuffix = "-rm";
    public const string AlertSuffix = "-al";
    public const string AllClearSuffix = "-ac";

    /// <summary>At most this many contacts per armed check-in.</summary>
    public const int MaxContacts = 5;

    /// <summary>Whether a row is a ladder's (reminder, alert or all-clear) rather than one of the event's own messages to its people.</summary>
    public static bool Holds(CheckInRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Kind is CheckInKind.SafetyReminder or CheckInKind.Alert or CheckInKind.AllClear;
    }

    public static string ReminderId(string checkInId) => checkInId + ReminderSuffix;

    /// <summary>The alert to the contact at <paramref name="place"/> (1-based) in <c>escalateTo</c>.</summary>
    public static string AlertId(string checkInId, int place) => checkInId + AlertSuffix + place.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The alert <paramref name="alertId"/> once more, on the contact's other channel, when it failed for
    /// good: <c>-al&lt;n&gt;-fb</c>, a fixed id, so that it is made once. Its all-clear is still the contact's one
    /// <c>-ac&lt;n&gt;</c>, made from the alert's id.
    /// </summary>
    public static string FallbackId(string alertId) =>
        IsFallbackId(alertId) ? throw new ArgumentException("A fallback has no fallback.", nameof(alertId)) : Ids.FallbackId(alertId);

    /// <summary>Whether <paramref name="id"/> is an alert's fallback (<see cref="FallbackId"/>) rather than the alert itself.</summary>
    public static bool IsFallbackId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.EndsWith(Ids.FallbackSuffix, StringComparison.Ordinal);
    }

    /// <summary>The all-clear that follows alert <paramref name="alertId"/> (or its fallback: one all-clear per contact).</summary>
    public static string AllClearId(string alertId)
    {
        var alert = IsFallbackId(alertId) ? alertId[..^Ids.FallbackSuffix.Length] : alertId;
        return alert.LastIndexOf(AlertSuffix, StringComparison.Ordinal) is var at and >= 0
            ? alert[..at] + AllClearSuffix + alert[(at + AlertSuffix.Length)..]
            : throw new ArgumentException("Not an alert's id.", nameof(alertId));
    }

    /// <summary>The reminder and one alert per contact, for an armed check-in as planned; a contact with no address gets none.</summary>
    public static IReadOnlyList<CheckInRecord> Rows(EventRecord record, CheckInRecord armed, SafetyNet net)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(armed);
        ArgumentNullException.ThrowIfNull(net);
        var remindAt = armed.DueAt + net.Within;
        var rows = new List<CheckInRecord> { Row(record.Id, ReminderId(armed.Id), armed.Position, Participant.OrganizerKey, Channel.Sms, remindAt, CheckInKind.SafetyReminder, armed.Id) };
        for (var i = 0; i < net.EscalateTo.Count; i++)
        {
            if (record.Find(net.EscalateTo[i]) is { } contact && contact.Channels().FirstOrDefault() is var channel && contact.Address(channel) is not null)
            {
                rows.Add(Row(record.Id, AlertId(armed.Id, i + 1), armed.Position, contact.Key, channel, remindAt + net.Grace, CheckInKind.Alert, armed.Id));
            }
        }

        return rows;
    }

    private static CheckInRecord Row(string eventId, string id, int position, string to, Channel channel, DateTimeOffset at, CheckInKind kind, string relatesTo) =>
        new(eventId, id, position, to, channel, "", new CheckInTiming(null, null, null), at, at, CheckInStatus.Scheduled, null, 0, null, null, null, Kind: kind, RelatesTo: relatesTo);

    /// <summary>
    /// The terms a trusted contact agrees to, as a short hash: who chose them, and for every armed
    /// check-in of the event that names them, when the alert could come and the note it would carry. A
    /// change to any of these (a PATCH that moves the time or edits the note) asks them again, and no
    /// alert goes on terms they did not see.
    /// </summary>
    public static string TermsVersion(EventRecord record, IEnumerable<AwaitedReply> nets, string contactKey)
    {
        ArgumentNullException.ThrowIfNull(record);
        var terms = string.Join(
            "\n",
            nets.Where(n => n.Net.EscalateTo.Contains(contactKey, StringComparer.Ordinal))
                .OrderBy(n => n.PlannedAlertAt)
                .Select(n => $"{n.PlannedAlertAt.UtcTicks}|{n.Net.Note}")
                .Prepend(record.Organizer.Name));
        return Storage.Sha256Hex.OfUtf8(terms)[..16];
    }

    /// <summary>
    /// The consent a trusted contact gives is not consent to an organiser's check-ins: it is recorded
    /// under an id of its own, <c>contact:&lt;event id&gt;:&lt;person key&gt;:&lt;terms&gt;</c>, so that it can never let a
    /// check-in through, and so that a YES agrees to exactly the terms the request showed.
    /// </summary>
    public const string ContactConsentPrefix = "contact:";

    public static string ContactConsentId(string eventId, string contactKey, string terms) => $"{ContactConsentPrefix}{eventId}:{contactKey}:{terms}";

    /// <summary>The event, person and terms a contact's consent id names, or null for an organiser's id.</summary>
    public static (string EventId, string ContactKey, string Terms)? ParseContactConsentId(string? organizerId) =>
        organizerId is not null && organizerId.StartsWith(ContactConsentPrefix, StringComparison.Ordinal)
        && organizerId[ContactConsentPrefix.Length..].Split(':') is [var eventId, var key, var terms]
            ? (eventId, key, terms)
            : null;
}

namespace AftercareNudge.Schedule;

/// <summary>
/// The rows an armed check-in adds to its event's schedule, written with it: the one reminder to the
/// organiser at <see cref="SafetyNet.Within"/> after its due time, and an alert to each trusted
/// contact <see cref="SafetyNet.Grace"/> after that. They are sent like any row (claimed once, by the
/// send queue, on time); what they say and whether they still go is decided when they are due, against
/// the net's state (an answer cancels them). Their ids are the armed check-in's with a suffix:
/// <c>-rm</c>, <c>-al1</c>, <c>-al2</c>… (the contact's place in <c>escalateTo</c>); and what may follow
/// a contact's alert, each with the alert's place: an all-clear <c>-ac1</c>…, an urgent follow-up
/// <c>-ur1</c>… (the duress word after the alert went) and the news that the check-in was cancelled
/// <c>-cx1</c>…. A follow-up's id is fixed and it is added, never upserted, so it is made once. An
/// alert that fails for good goes once more on the contact's other channel as <c>-al1-fb</c>…
/// (<see cref="FallbackId"/>); what follows it keeps the contact's one id (<c>-ac1</c>…).
/// </summary>
public static class SafetyLadder
{
    public const string ReminderSuffix = "-rm";
    public const string AlertSuffix = "-al";
    public const string AllClearSuffix = "-ac";
    public const string UrgentSuffix = "-ur";
    public const string CancelledSuffix = "-cx";

    /// <summary>At most this many contacts per armed check-in.</summary>
    public const int MaxContacts = 5;

    /// <summary>Whether a row is a ladder's (reminder, alert or all-clear) rather than one of the event's own messages to its people.</summary>
    public static bool Holds(CheckInRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Kind is CheckInKind.SafetyReminder or CheckInKind.Alert or CheckInKind.AllClear or CheckInKind.UrgentAlert or CheckInKind.SafetyCancelled;
    }

    /// <summary>
    /// Whether a finished alert reached the provider: sent, or its outcome unknown (it may have
    /// arrived). What follows an alert that did not go (an all-clear, the news of a cancellation) is not sent.
    /// </summary>
    public static bool AlertWent(CheckInRecord alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.SentAt is not null || alert.Reason?.StartsWith(CheckInReasons.OutcomeUnknownPrefix, StringComparison.Ordinal) == true;
    }

    /// <summary>
    /// Whether what follows an alert need no longer wait for it: it is finished, or it waits for a retry
    /// after a try of unknown outcome (it may have arrived; the retry is withheld by an answer, or goes as
    /// the duplicate alert it would be anyway).
    /// </summary>
    public static bool AlertSettled(CheckInRecord alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return alert.IsFinished || (alert.Status == CheckInStatus.Scheduled && AlertWent(alert));
    }

    /// <summary>Whether a row follows a contact's alert (an all-clear, an urgent follow-up, a cancellation's news): it waits until that alert is finished.</summary>
    public static bool FollowsAlert(CheckInRecord row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Kind is CheckInKind.AllClear or CheckInKind.UrgentAlert or CheckInKind.SafetyCancelled;
    }

    public static string ReminderId(string checkInId) => checkInId + ReminderSuffix;

    /// <summary>The alert to the contact at <paramref name="place"/> (1-based) in <c>escalateTo</c>.</summary>
    public static string AlertId(string checkInId, int place) => checkInId + AlertSuffix + place.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The alert <paramref name="alertId"/> once more, on the contact's other channel, when it failed for
    /// good: <c>-al&lt;n&gt;-fb</c>, a fixed id, so that it is made once.
    /// </summary>
    public static string FallbackId(string alertId) =>
        IsFallbackId(alertId) ? throw new ArgumentException("A fallback has no fallback.", nameof(alertId)) : Ids.FallbackId(alertId);

    /// <summary>Whether <paramref name="id"/> is an alert's fallback (<see cref="FallbackId"/>) rather than the alert itself.</summary>
    public static bool IsFallbackId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.EndsWith(Ids.FallbackSuffix, StringComparison.Ordinal);
    }

    /// <summary>
    /// Which of a contact's alert and its fallback (if any) what follows it waits for and goes by: the
    /// fallback once it was claimed to be sent (it may be committed: wait for it) or went, or may have
    /// (a try of unknown outcome waiting for its retry): it then is how the contact was reached;
    /// otherwise the alert itself. A fallback never tried can no longer be committed once an answer is
    /// recorded (nor, after a cancellation, sent), so it is not waited for.
    /// </summary>
    public static CheckInRecord CurrentAlert(CheckInRecord alert, CheckInRecord? fallback)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return fallback is not null && (fallback.Status == CheckInStatus.Sending || AlertWent(fallback)) ? fallback : alert;
    }

    /// <summary>The all-clear that follows alert <paramref name="alertId"/> (or its fallback: one all-clear per contact).</summary>
    public static string AllClearId(string alertId) => Following(alertId, AllClearSuffix);

    /// <summary>The urgent follow-up to alert <paramref name="alertId"/>: the duress word came after it went.</summary>
    public static string UrgentId(string alertId) => Following(alertId, UrgentSuffix);

    /// <summary>The news to the contact of alert <paramref name="alertId"/> that the check-in was cancelled.</summary>
    public static string CancelledId(string alertId) => Following(alertId, CancelledSuffix);

    /// <summary>The alert a follow-up (<c>-ac</c>, <c>-ur</c>, <c>-cx</c>) follows.</summary>
    public static string AlertIdOf(string followUpId)
    {
        ArgumentNullException.ThrowIfNull(followUpId);
        if (IsFallbackId(followUpId))
        {
            // An urgent follow-up's own fallback follows the same alert.
            return AlertIdOf(followUpId[..^Ids.FallbackSuffix.Length]);
        }

        foreach (var suffix in new[] { AllClearSuffix, UrgentSuffix, CancelledSuffix })
        {
            if (followUpId.LastIndexOf(suffix, StringComparison.Ordinal) is var at and >= 0 && at == followUpId.Length - suffix.Length - 1)
            {
                return followUpId[..at] + AlertSuffix + followUpId[(at + suffix.Length)..];
            }
        }

        throw new ArgumentException("Not an alert's follow-up.", nameof(followUpId));
    }

    /// <summary>
    /// A row that follows <paramref name="alert"/>, to its contact on its channel, due at <paramref name="now"/>:
    /// the alert's row with its sending history cleared.
    /// </summary>
    public static CheckInRecord FollowUp(CheckInRecord alert, CheckInKind kind, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var id = kind switch
        {
            CheckInKind.AllClear => AllClearId(alert.Id),
            CheckInKind.UrgentAlert => UrgentId(alert.Id),
            CheckInKind.SafetyCancelled => CancelledId(alert.Id),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not what follows an alert."),
        };
        return alert.Unsent(id, now) with { Kind = kind, DueAt = now };
    }

    private static string Following(string alertId, string suffix) =>
        IsFallbackId(alertId) ? Following(alertId[..^Ids.FallbackSuffix.Length], suffix) :
        alertId.LastIndexOf(AlertSuffix, StringComparison.Ordinal) is var at and >= 0
            ? alertId[..at] + suffix + alertId[(at + AlertSuffix.Length)..]
            : throw new ArgumentException("Not an alert's id.", nameof(alertId));

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

using AftercareNudge.Consent;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;

namespace AftercareNudge.Events;

// Armed check-ins (checkIns[].awaitReply) and the trusted contacts they name (people[].role): issue 23.
public sealed partial class EventValidator
{
    /// <summary>The note the trusted contacts get: short enough to sit in one alert text.</summary>
    public const int MaxNoteLength = 160;

    /// <summary>
    /// At most this many armed check-ins per event: each adds its safety net and up to six ladder rows
    /// to the one partition transaction that writes the event (at most 100 rows).
    /// </summary>
    public const int MaxArmedCheckIns = 5;

    public const int MinDuressWordLength = 3;
    public const int MaxDuressWordLength = 32;

    public static readonly TimeSpan MinWait = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxWithin = TimeSpan.FromHours(12);
    public static readonly TimeSpan MaxGrace = TimeSpan.FromHours(2);
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMinutes(10);

    /// <summary>A person's <c>role</c>: none (a recipient), or a trusted contact; the organiser has none.</summary>
    private static string? ValidateRole(PersonRequest person, string path, Errors errors, bool isOrganizer)
    {
        if (person.Role is null)
        {
            return null;
        }

        if (isOrganizer)
        {
            errors.Add($"{path}.role", "The organizer has no 'role': 'trustedContact' is for someone the organizer chose to be told if they do not answer an armed check-in.");
            return null;
        }

        if (person.Role != Participant.TrustedContactRole)
        {
            errors.Add($"{path}.role", $"'role' must be '{Participant.TrustedContactRole}' (someone told if an armed check-in goes unanswered), or left out for someone who gets check-ins.");
            return null;
        }

        return person.Role;
    }

    private static string TrustedContactGetsNothing(string key, string what) =>
        $"'{key}' is a trusted contact, who is sent nothing but an alert if an armed check-in goes unanswered: no {what}.";

    /// <summary>
    /// An armed check-in's safety net: only on an SMS check-in to the organiser, who has a phone; the
    /// wait and the grace as time-only ISO 8601 durations; 1 to <see cref="SafetyLadder.MaxContacts"/>
    /// trusted contacts; a short note; a duress word that no keyword reads as something else. The duress
    /// word is never written into an error.
    /// </summary>
    private static SafetyNet? ValidateAwaitReply(
        AwaitReplyRequest awaitReply,
        CheckInRequest checkIn,
        string path,
        PersonRequest? organizer,
        IReadOnlyList<Participant> people,
        IReadOnlyDictionary<string, PersonRequest> refused,
        Errors errors) =>
        ValidateNet(awaitReply, checkIn.To, ChannelNames.Parse(checkIn.Channel), organizer is null || organizer.Phone is not null, path, people, refused, errors);

    /// <summary>
    /// An armed check-in's safety net by the registration's rules, for a check-in to <paramref name="to"/>
    /// by <paramref name="channel"/> (a PATCH's as its registration's).
    /// </summary>
    internal static SafetyNet? ValidateNet(
        AwaitReplyRequest awaitReply,
        string? to,
        Channel? channel,
        bool organizerHasPhone,
        string path,
        IReadOnlyList<Participant> people,
        IReadOnlyDictionary<string, PersonRequest> refused,
        Errors errors)
    {
        var before = errors.Count;
        if (to != Participant.OrganizerKey || channel != Channel.Sms)
        {
            errors.Add(path, "Only an SMS check-in to the organizer can wait for an answer: email check-ins and check-ins to anyone else cannot. Send this one to 'organizer' by 'sms', or leave 'awaitReply' out.");
        }
        else if (!organizerHasPhone)
        {
            errors.Add(path, "An armed check-in waits for the organizer's answer by SMS: give the organizer a phone number.");
        }

        var within = ParseWait(awaitReply.Within, "within", $"{path}.within", MaxWithin, null, errors);
        var grace = ParseWait(awaitReply.Grace, "grace", $"{path}.grace", MaxGrace, DefaultGrace, errors);
        var contacts = ValidateEscalateTo(awaitReply.EscalateTo, $"{path}.escalateTo", people, refused, errors);
        var note = ValidateNote(awaitReply.Note, $"{path}.note", errors);
        var duressWord = ValidateDuressWord(awaitReply.DuressWord, $"{path}.duressWord", errors);
        return errors.Count == before ? new SafetyNet(within!.Value, grace!.Value, contacts, note, duressWord) : null;
    }

    /// <summary>A wait as a time-only ISO 8601 duration (<c>PT20M</c>, <c>PT1H30M</c>; no days), from <see cref="MinWait"/> to <paramref name="max"/>.</summary>
    private static TimeSpan? ParseWait(string? text, string name, string field, TimeSpan max, TimeSpan? byDefault, Errors errors)
    {
        if (text is null)
        {
            if (byDefault is null)
            {
                errors.Add(field, $"'{name}' is required: how long after the check-in is due its answer may take, from {Iso(MinWait)} to {Iso(max)}, such as PT20M.");
            }

            return byDefault;
        }

        var period = text.StartsWith("PT", StringComparison.Ordinal) ? EventTime.ParseOffset(text) : null;
        if (period is null)
        {
            errors.Add(field, $"'{name}' must be an ISO 8601 duration in hours, minutes or seconds, such as PT20M or PT1H30M (no days, no sign).");
            return null;
        }

        var length = period.ToDuration().ToTimeSpan();
        if (length < MinWait || length > max)
        {
            errors.Add(field, $"'{name}' must be from {Iso(MinWait)} to {Iso(max)}.");
            return null;
        }

        return length;
    }

    /// <summary>A wait as the view shows it, normalised: <c>PT1H30M</c>, <c>PT20M</c>, <c>PT45S</c>.</summary>
    public static string Iso(TimeSpan length)
    {
        var text = new System.Text.StringBuilder("PT");
        var hours = (int)length.TotalHours;
        if (hours > 0)
        {
            text.Append(hours).Append('H');
        }

        if (length.Minutes > 0)
        {
            text.Append(length.Minutes).Append('M');
        }

        if (length.Seconds > 0 || text.Length == 2)
        {
            text.Append(length.Seconds).Append('S');
        }

        return text.ToString();
    }

    private static List<string> ValidateEscalateTo(IReadOnlyList<string>? keys, string field, IReadOnlyList<Participant> people, IReadOnlyDictionary<string, PersonRequest> refused, Errors errors)
    {
        var contacts = new List<string>();
        if (keys is null || keys.Count == 0)
        {
            errors.Add(field, $"'escalateTo' needs 1 to {SafetyLadder.MaxContacts} keys of people with \"role\": \"{Participant.TrustedContactRole}\": they are who is told if no answer comes.");
            return contacts;
        }

        if (keys.Count > SafetyLadder.MaxContacts)
        {
            errors.Add(field, $"'escalateTo' can name at most {SafetyLadder.MaxContacts} trusted contacts.");
            return contacts;
        }

        for (var j = 0; j < keys.Count; j++)
        {
            var path = $"{field}[{j}]";
            var key = keys[j];
            if (key is null)
            {
                errors.Add(path, "A trusted contact's key cannot be null.");
                continue;
            }

            var person = people.FirstOrDefault(p => p.Key == key);
            var given = refused.GetValueOrDefault(key);
            if (contacts.Contains(key, StringComparer.Ordinal))
            {
                errors.Add(path, $"'{key}' is named more than once: name each trusted contact once.");
            }
            else if (person is null && (given is null || key == Participant.OrganizerKey))
            {
                errors.Add(path, $"'{key}' is not the key of one of the people.");
            }
            else if ((person?.Role ?? given?.Role) != Participant.TrustedContactRole)
            {
                errors.Add(path, $"'{key}' is not a trusted contact: give them \"role\": \"{Participant.TrustedContactRole}\" (a trusted contact gets no check-ins, only an alert if no answer comes).");
            }

            contacts.Add(key);
        }

        return contacts;
    }

    /// <summary>The note for the trusted contacts, trimmed (empty is none); its kind words are warned about as every SMS text's are.</summary>
    private static string? ValidateNote(string? text, string field, Errors errors)
    {
        var note = FreeText.Normalize(text);
        if (note is { Length: > MaxNoteLength })
        {
            errors.Add(field, $"The note must be at most {MaxNoteLength} characters: it goes in one text to the trusted contacts.");
        }
        else if (note is not null && FreeText.TextControlProblem(note) is { } control)
        {
            errors.Add(field, FreeText.ControlRefusal("The note", control));
        }
        else if (note is not null && FreeText.TextProblem(note) is { } refused)
        {
            errors.Add(field, FreeText.Refusal("The note", refused));
        }

        return string.IsNullOrEmpty(note) ? null : note;
    }

    /// <summary>One word of letters or digits that no keyword reads as something else. Never echoed: an error says what is wrong, not what was sent.</summary>
    private static string? ValidateDuressWord(string? text, string field, Errors errors)
    {
        if (text is null)
        {
            return null;
        }

        var word = text.Trim();
        if (word.Length is < MinDuressWordLength or > MaxDuressWordLength || !word.All(char.IsLetterOrDigit))
        {
            errors.Add(field, $"The duress word must be one word of {MinDuressWordLength} to {MaxDuressWordLength} letters or digits (no spaces or punctuation).");
            return null;
        }

        if (SmsKeywords.Classify(word) != SmsKeyword.Other || word.Equals("later", StringComparison.OrdinalIgnoreCase) || word.Equals("night", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(field, "The duress word cannot be a word texts already mean something by (STOP, START, HELP, YES, NO, LATER, NIGHT and their like): a reply holding it must read as an answer.");
            return null;
        }

        return word;
    }

    /// <summary>
    /// Across check-ins: at most <see cref="MaxArmedCheckIns"/> armed, and every trusted contact named by
    /// some check-in's <c>escalateTo</c> (a contact nothing names would be told of nothing).
    /// </summary>
    private static void CheckTrustedContacts(RegisterEventRequest request, Errors errors)
    {
        if ((request.CheckIns ?? []).Count(c => c?.AwaitReply is not null) > MaxArmedCheckIns)
        {
            errors.Add("checkIns", $"An event can have at most {MaxArmedCheckIns} check-ins that wait for an answer.");
        }

        var named = (request.CheckIns ?? [])
            .SelectMany(c => c?.AwaitReply?.EscalateTo ?? [])
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < (request.People?.Count ?? 0); i++)
        {
            if (request.People![i] is { Role: Participant.TrustedContactRole, Key: { } key } && !named.Contains(key.Trim()))
            {
                errors.Add($"people[{i}].role", "A trusted contact is told only when an armed check-in names them: add their key to a check-in's 'awaitReply.escalateTo', or leave 'role' out.");
            }
        }
    }
}

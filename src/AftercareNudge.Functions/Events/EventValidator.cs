using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;
using NodaTime;

namespace AftercareNudge.Events;

/// <summary>
/// Checks a registration and turns it into a <see cref="PlannedEvent"/>, or reports every bad field by
/// its JSON path (<c>checkIns[1].offset</c>) with a sentence a person can act on.
/// </summary>
public sealed partial class EventValidator(
    TimeProvider time,
    Microsoft.Extensions.Options.IOptions<Messaging.SmsCountryOptions>? countries = null)
{
    public const int MaxCheckIns = 20;
    public const int MaxPeople = 10;
    /// <summary>An SMS check-in's words, the organiser's name in front included: the most one send to Twilio carries (10 segments and more).</summary>
    public const int MaxSmsMessageLength = 1600;

    /// <summary>An email check-in's words: a long note reads well in an email, but a check-in is not a letter, and a registration's body is at most 64 KiB.</summary>
    public const int MaxEmailMessageLength = 5000;

    /// <summary>The longest any check-in message may be, whatever its channel (the OpenAPI document's maxLength): email's.</summary>
    public const int MaxMessageLength = MaxEmailMessageLength;
    public const int MaxTitleLength = 200;
    public const int MaxNameLength = 40;
    public static readonly Duration MaxAhead = Duration.FromDays(365);

    public static readonly IReadOnlySet<string> Kinds = new HashSet<string>(StringComparer.Ordinal)
    {
        "date", "conversation", "therapy", "scene", "enm-date", "other",
    };

    internal const string ZoneRule = "The time zone must be an IANA zone id such as Europe/London.";

    /// <remarks>
    /// A change (PATCH) is checked by the same rules, on the stored event's own values, in
    /// <see cref="EventChangePlanner"/>: the rules it shares are the internal methods below.
    /// </remarks>
    public (PlannedEvent? Event, Dictionary<string, string[]> Errors) Validate(RegisterEventRequest request)
    {
        var errors = new Errors();
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());

        var title = FreeText.Normalize(request.Title);
        if (string.IsNullOrEmpty(title))
        {
            errors.Add("title", "A title is required. It is shown only to you and in email bodies, never in an SMS.");
        }
        else if (title.Length > MaxTitleLength)
        {
            errors.Add("title", $"The title must be at most {MaxTitleLength} characters.");
        }
        else if (FreeText.TextControlProblem(title) is { } control)
        {
            errors.Add("title", FreeText.ControlRefusal("The title", control));
        }
        else if (FreeText.TextProblem(title) is { } invisible)
        {
            errors.Add("title", FreeText.Refusal("The title", invisible));
        }

        if (request.Kind is null || !Kinds.Contains(request.Kind))
        {
            errors.Add("kind", $"The kind must be one of: {string.Join(", ", Kinds)}.");
        }

        var zone = EventTime.FindZone(request.TimeZone);
        if (zone is null)
        {
            errors.Add("timeZone", ZoneRule);
        }

        ZonedDateTime? startsAt = null, endsAt = null;
        if (zone is null)
        {
            // Still report malformed times, read as UTC just to check their form.
            ParseTime(request.StartsAt, DateTimeZone.Utc, "startsAt", errors);
            ParseTime(request.EndsAt, DateTimeZone.Utc, "endsAt", errors);
        }
        else
        {
            startsAt = ParseTime(request.StartsAt, zone, "startsAt", errors);
            endsAt = ParseTime(request.EndsAt, zone, "endsAt", errors);
            CheckEventTimes(startsAt, endsAt, now, errors);
        }

        var allowed = countries?.Value.Allowed;
        var organizer = ValidatePerson(request.Organizer, "organizer", zone, errors, isOrganizer: true, allowed);

        // Whoever is given but refused for their own fields is still someone check-ins may name: their
        // fields carry the errors, not every check-in, reminder and need that names them.
        var refused = new Dictionary<string, PersonRequest>(StringComparer.Ordinal);
        if (organizer is null && request.Organizer is not null)
        {
            refused[Participant.OrganizerKey] = request.Organizer;
        }

        var people = new List<Participant>();
        if (request.People is { Count: > MaxPeople })
        {
            errors.Add("people", $"An event can have at most {MaxPeople} people besides the organizer.");
        }

        for (var i = 0; i < (request.People?.Count ?? 0); i++)
        {
            var person = ValidatePerson(request.People![i], $"people[{i}]", zone, errors, isOrganizer: false, allowed);
            if (person is null)
            {
                if (request.People[i] is { Key: { } given } raw && given.Trim() is { Length: > 0 } key && key != Participant.OrganizerKey)
                {
                    refused.TryAdd(key, raw);
                }

                continue;
            }

            if (person.Key == Participant.OrganizerKey || people.Any(p => p.Key == person.Key))
            {
                errors.Add($"people[{i}].key", "Each person needs a key of their own, other than 'organizer'.");
                continue;
            }

            people.Add(person);
        }

        var checkIns = new List<PlannedCheckIn>();
        if (request.CheckIns is null || request.CheckIns.Count == 0)
        {
            errors.Add("checkIns", "At least one check-in is required.");
        }
        else if (request.CheckIns.Count > MaxCheckIns)
        {
            errors.Add("checkIns", $"An event can have at most {MaxCheckIns} check-ins.");
        }
        else
        {
            var everyone = organizer is null ? people : [organizer, .. people];
            for (var i = 0; i < request.CheckIns.Count; i++)
            {
                var checkIn = ValidateCheckIn(request.CheckIns[i], $"checkIns[{i}]", zone, startsAt, endsAt, organizer, everyone, now, errors, refused);
                var net = request.CheckIns[i]?.AwaitReply is { } awaitReply
                    ? ValidateAwaitReply(awaitReply, request.CheckIns[i]!, $"checkIns[{i}].awaitReply", request.Organizer, people, refused, errors)
                    : null;
                if (checkIn is not null)
                {
                    checkIns.Add(checkIn with { Net = net });
                }
            }
        }

        CheckTrustedContacts(request, errors);

        var everyoneKnown = organizer is null ? people : [organizer, .. people];
        var (plan, needs, reminders) = ValidateAftercare(request.Aftercare, zone, startsAt, endsAt, everyoneKnown, refused, now, errors);
        if (errors.Count > 0)
        {
            return (null, errors.ToDictionary());
        }

        organizer = organizer! with { Needs = needs.GetValueOrDefault(Participant.OrganizerKey) };
        people = people.Select(p => p with { Needs = needs.GetValueOrDefault(p.Key) }).ToList();
        return (new PlannedEvent(title!, request.Kind!, zone!, startsAt!.Value, endsAt!.Value, organizer, people, [.. checkIns, .. reminders], plan), errors.ToDictionary());
    }

    /// <summary>The event's own times: the end after the start, the start within the year ahead.</summary>
    internal static void CheckEventTimes(ZonedDateTime? startsAt, ZonedDateTime? endsAt, Instant now, Errors errors)
    {
        if (startsAt is { } s && endsAt is { } e && e.ToInstant() <= s.ToInstant())
        {
            errors.Add("endsAt", "The end must be after the start.");
        }

        if (startsAt is { } start && start.ToInstant() > now + MaxAhead)
        {
            errors.Add("startsAt", "The event must start within a year from now.");
        }
    }

    /// <summary>
    /// The aftercare object: the shared plan, each known person's needs, and email reminders to people
    /// who have an email address, timed like check-ins. All optional; a reminder needs something to remind of.
    /// </summary>
    private static (string? Plan, Dictionary<string, string> Needs, List<PlannedCheckIn> Reminders) ValidateAftercare(
        AftercareRequest? aftercare,
        DateTimeZone? zone,
        ZonedDateTime? startsAt,
        ZonedDateTime? endsAt,
        IReadOnlyList<Participant> everyone,
        IReadOnlyDictionary<string, PersonRequest> refused,
        Instant now,
        Errors errors)
    {
        var reminders = new List<PlannedCheckIn>();
        if (aftercare is null)
        {
            return (null, new Dictionary<string, string>(StringComparer.Ordinal), reminders);
        }

        var plan = ValidatePlan(aftercare.Plan, errors);
        var needs = ValidateNeeds(aftercare.Needs, everyone, errors, refused.Keys);
        var count = aftercare.Reminders?.Count ?? 0;
        if (count > AftercarePlan.MaxReminders)
        {
            errors.Add("aftercare.reminders", $"An event can have at most {AftercarePlan.MaxReminders} reminders.");
            return (plan, needs, reminders);
        }

        if (count > 0 && string.IsNullOrEmpty(plan) && needs.Count == 0)
        {
            errors.Add("aftercare.reminders", "A reminder reminds of the plan or of someone's needs: give 'plan' or 'needs' too.");
        }

        for (var i = 0; i < count; i++)
        {
            var path = $"aftercare.reminders[{i}]";
            if (aftercare.Reminders![i] is not { } reminder)
            {
                errors.Add(path, "A reminder cannot be null.");
                continue;
            }

            var before = errors.Count;
            var recipient = everyone.FirstOrDefault(p => p.Key == reminder.To);
            var given = reminder.To is null ? null : refused.GetValueOrDefault(reminder.To);
            if (recipient is null && given is null)
            {
                errors.Add($"{path}.to", "'to' must be 'organizer' or the key of one of the people.");
            }
            else if (recipient?.IsTrustedContact() == true || (given?.Role == Participant.TrustedContactRole && reminder.To != Participant.OrganizerKey))
            {
                errors.Add($"{path}.to", TrustedContactGetsNothing(reminder.To!, "reminders"));
            }
            else if ((recipient?.Email ?? given?.Email) is null)
            {
                errors.Add($"{path}.to", $"Reminders are emails, and '{reminder.To}' has no email address.");
            }

            var timing = new CheckInTiming(reminder.At, reminder.After, reminder.Offset);
            var due = ResolveDue(timing, path, RecipientZone(recipient, zone, given), startsAt, endsAt, errors);
            CheckDueWindow(due, path, now, errors, "reminder");
            if (errors.Count == before && due is { } d)
            {
                reminders.Add(new PlannedCheckIn(reminder.To!, Channel.Email, d, "", timing, CheckInKind.Reminder));
            }
        }

        return (string.IsNullOrEmpty(plan) ? null : plan, needs, reminders);
    }

    /// <summary>The shared plan, trimmed (empty is none).</summary>
    internal static string? ValidatePlan(string? text, Errors errors)
    {
        var plan = FreeText.Normalize(text);
        if (plan is { Length: > AftercarePlan.MaxPlanLength })
        {
            errors.Add("aftercare.plan", $"The plan must be at most {AftercarePlan.MaxPlanLength} characters.");
        }
        else if (plan is not null && FreeText.TextControlProblem(plan) is { } control)
        {
            errors.Add("aftercare.plan", FreeText.ControlRefusal("The plan", control));
        }
        else if (plan is not null && FreeText.TextProblem(plan) is { } refused)
        {
            errors.Add("aftercare.plan", FreeText.Refusal("The plan", refused));
        }

        return plan;
    }

    /// <summary>
    /// What each known person needs, by key, trimmed; an empty text is no needs. Needs of someone
    /// <paramref name="refused"/> for their own fields are checked but not kept (the registration fails anyway).
    /// </summary>
    internal static Dictionary<string, string> ValidateNeeds(IReadOnlyDictionary<string, string?>? given, IEnumerable<Participant> everyone, Errors errors, IEnumerable<string>? refused = null)
    {
        var needs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, text) in given ?? new Dictionary<string, string?>())
        {
            var path = $"aftercare.needs.{key}";
            var trimmed = FreeText.Normalize(text);
            if (everyone.All(p => p.Key != key) && refused?.Contains(key) != true)
            {
                errors.Add(path, "Needs are keyed by 'organizer' or the key of one of the people.");
            }
            else if (everyone.FirstOrDefault(p => p.Key == key)?.IsTrustedContact() == true && !string.IsNullOrEmpty(trimmed))
            {
                errors.Add(path, TrustedContactGetsNothing(key, "aftercare plan, so no needs"));
            }
            else if (trimmed is { Length: > AftercarePlan.MaxNeedsLength })
            {
                errors.Add(path, $"What someone needs must be at most {AftercarePlan.MaxNeedsLength} characters.");
            }
            else if (trimmed is not null && FreeText.TextControlProblem(trimmed) is { } control)
            {
                errors.Add(path, FreeText.ControlRefusal("What someone needs", control));
            }
            else if (trimmed is not null && FreeText.TextProblem(trimmed) is { } invisible)
            {
                errors.Add(path, FreeText.Refusal("What someone needs", invisible));
            }
            else if (!string.IsNullOrEmpty(trimmed))
            {
                needs[key] = trimmed;
            }
        }

        return needs;
    }

    internal static ZonedDateTime? ParseTime(string? text, DateTimeZone zone, string field, Errors errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors.Add(field, "A time is required, as local wall-clock time like 2026-12-05T19:00.");
            return null;
        }

        var parsed = EventTime.ParseLocal(text, zone);
        if (parsed is null)
        {
            errors.Add(field, "The time must look like 2026-12-05T19:00 (local time in the event's zone), or carry an offset like 2026-12-05T19:00+01:00.");
        }

        return parsed;
    }

    private static Participant? ValidatePerson(PersonRequest? person, string path, DateTimeZone? eventZone, Errors errors, bool isOrganizer, IReadOnlySet<string>? allowedCountries)
    {
        if (person is null)
        {
            errors.Add(path, isOrganizer ? "The organizer is required." : "A person cannot be null.");
            return null;
        }

        var before = errors.Count;
        var key = isOrganizer ? Participant.OrganizerKey : person.Key?.Trim();
        if (!isOrganizer && (string.IsNullOrEmpty(key) || key.Length > 40 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            errors.Add($"{path}.key", "A key of 1 to 40 letters, digits, '-' or '_' is required: check-ins name their recipient by it.");
        }

        var name = person.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            errors.Add($"{path}.name", $"A name of 1 to {MaxNameLength} characters is required{(isOrganizer ? ": every SMS starts with it" : "")}.");
        }
        else if (FreeText.NameControlProblem(name) is { } control)
        {
            errors.Add($"{path}.name", FreeText.NameControlRefusal(control));
        }
        else if (FreeText.NameProblem(name) is { } refused)
        {
            errors.Add($"{path}.name", FreeText.Refusal("A name", refused));
        }

        var phone = NormalizePhone(person.Phone, $"{path}.phone", errors);
        if (phone is not null && allowedCountries is not null && Messaging.SmsCountryOptions.RegionOf(phone) is var country && (country is null || !allowedCountries.Contains(country)))
        {
            errors.Add($"{path}.phone", $"This service texts numbers in {string.Join(", ", allowedCountries.Order(StringComparer.Ordinal))} only, and this number is in {country ?? "no country it can tell"}: give a number there, or only an email address.");
            phone = null;
        }

        var email = NormalizeEmail(person.Email, $"{path}.email", errors);
        if (person.Phone is null && person.Email is null)
        {
            errors.Add(path, "Give a phone number, an email address, or both: they are how this person is asked for consent.");
        }

        var zoneId = person.TimeZone ?? eventZone?.Id;
        if (person.TimeZone is not null && EventTime.FindZone(person.TimeZone) is null)
        {
            errors.Add($"{path}.timeZone", ZoneRule);
        }

        string? quietHours = null;
        if (person.QuietHours is not null)
        {
            quietHours = QuietHours.Parse(person.QuietHours.From, person.QuietHours.To)?.ToString();
            if (quietHours is null)
            {
                errors.Add($"{path}.quietHours", "Quiet hours need 'from' and 'to' as different local times like 21:00 and 08:00: { \"from\": \"21:00\", \"to\": \"08:00\" }, or \"21:00-08:00\" as GET shows them.");
            }
        }

        var repliesBy = ValidateRepliesBy(person, path, errors, isOrganizer);
        var role = ValidateRole(person, path, errors, isOrganizer);
        return errors.Count == before && zoneId is not null ? new Participant(key!, name!, phone, email, zoneId, quietHours, ZoneFromEvent: person.TimeZone is null, RepliesBy: repliesBy, Role: role) : null;
    }

    /// <summary>The organiser's <c>repliesBy</c>: a channel they have an address for. Nobody else's replies are passed on to them.</summary>
    private static Channel? ValidateRepliesBy(PersonRequest person, string path, Errors errors, bool isOrganizer)
    {
        if (person.RepliesBy is null)
        {
            return null;
        }

        if (!isOrganizer)
        {
            errors.Add($"{path}.repliesBy", "Only the organizer has 'repliesBy': replies to check-ins are passed on to the organizer.");
            return null;
        }

        var channel = ChannelNames.Parse(person.RepliesBy);
        if (channel is null)
        {
            errors.Add($"{path}.repliesBy", "'repliesBy' must be 'sms' or 'email'.");
        }
        else if ((channel == Channel.Sms ? person.Phone : person.Email) is null)
        {
            errors.Add($"{path}.repliesBy", channel == Channel.Sms ? "Replies can come by SMS only to an organizer with a phone." : "Replies can come by email only to an organizer with an email address.");
        }

        return channel;
    }

    /// <summary>E.164 only, and only numbers that can take an SMS: no guessing of a missing country code.</summary>
    internal static string? NormalizePhone(string? text, string field, Errors errors)
    {
        if (text is null)
        {
            return null;
        }

        var problem = PhoneNumber.ParseForSms(text, out var e164);
        switch (problem)
        {
            case PhoneProblem.None:
                return e164;
            case PhoneProblem.NoCountryCode:
                errors.Add(field, "The phone number must start with + and its country code, such as +447911123456.");
                return null;
            case PhoneProblem.NotDigitsOnly:
                errors.Add(field, "The phone number must be digits only, such as +447911123456 (no letters or extensions).");
                return null;
            case PhoneProblem.CannotText:
                errors.Add(field, "This number cannot receive text messages: give a mobile number.");
                return null;
            default:
                errors.Add(field, "This is not a valid phone number.");
                return null;
        }
    }

    internal static string? NormalizeEmail(string? text, string field, Errors errors)
    {
        if (text is null)
        {
            return null;
        }

        var trimmed = text.Trim();
        if (EmailAddresses.Problem(trimmed) is { } problem)
        {
            errors.Add(field, problem);
            return null;
        }

        return trimmed;
    }

    /// <summary>
    /// An address that may already be stored, as erasure takes it: well formed by the rule registration
    /// had before <see cref="EmailAddresses.Problem"/> refused format characters and undeliverable forms,
    /// so that rows stored with them can still be erased.
    /// </summary>
    internal static string? NormalizeStoredEmail(string text, string field, Errors errors)
    {
        var trimmed = text.Trim();
        if (!EmailAddresses.IsWellFormed(trimmed))
        {
            errors.Add(field, EmailAddresses.NotValid);
            return null;
        }

        return trimmed;
    }

    internal static PlannedCheckIn? ValidateCheckIn(
        CheckInRequest? checkIn,
        string path,
        DateTimeZone? zone,
        ZonedDateTime? startsAt,
        ZonedDateTime? endsAt,
        Participant? organizer,
        IReadOnlyList<Participant> everyone,
        Instant now,
        Errors errors,
        IReadOnlyDictionary<string, PersonRequest>? refused = null)
    {
        if (checkIn is null)
        {
            errors.Add(path, "A check-in cannot be null.");
            return null;
        }

        var before = errors.Count;
        var recipient = everyone.FirstOrDefault(p => p.Key == checkIn.To);
        var given = checkIn.To is null ? null : refused?.GetValueOrDefault(checkIn.To);
        if (checkIn.To is null || (recipient is null && given is null && !(checkIn.To == Participant.OrganizerKey && organizer is null)))
        {
            errors.Add($"{path}.to", "'to' must be 'organizer' or the key of one of the people.");
        }
        else if (recipient?.IsTrustedContact() == true || (given?.Role == Participant.TrustedContactRole && checkIn.To != Participant.OrganizerKey))
        {
            errors.Add($"{path}.to", TrustedContactGetsNothing(checkIn.To, "check-ins"));
        }

        var channel = ChannelNames.Parse(checkIn.Channel);
        if (channel is null)
        {
            errors.Add($"{path}.channel", "The channel must be 'sms' or 'email'.");
        }
        else if ((recipient is not null && recipient.Address(channel.Value) is null) || (given is not null && (channel == Channel.Sms ? given.Phone : given.Email) is null))
        {
            errors.Add($"{path}.channel", $"'{checkIn.To}' has no {(channel == Channel.Sms ? "phone number" : "email address")} to send this to.");
        }

        var message = ValidateMessage(checkIn.Message, path, channel, organizer, errors);
        var timing = new CheckInTiming(checkIn.At, checkIn.After, checkIn.Offset);
        var due = ResolveDue(timing, path, RecipientZone(recipient, zone, given), startsAt, endsAt, errors);
        CheckDueWindow(due, path, now, errors);

        return errors.Count == before && due is not null
            ? new PlannedCheckIn(checkIn.To!, channel!.Value, due.Value, message!, timing)
            : null;
    }

    /// <summary>
    /// A check-in's words, trimmed: not empty, within its channel's cap (<see cref="MaxSmsMessageLength"/>,
    /// <see cref="MaxEmailMessageLength"/>; with no valid channel, the larger), and an SMS not too long with the sender's name in front.
    /// </summary>
    internal static string? ValidateMessage(string? text, string path, Channel? channel, Participant? organizer, Errors errors)
    {
        var message = FreeText.Normalize(text);
        var cap = channel == Channel.Sms ? MaxSmsMessageLength : MaxEmailMessageLength;
        if (string.IsNullOrEmpty(message))
        {
            errors.Add($"{path}.message", "The message cannot be empty.");
        }
        else if (message.Length > cap)
        {
            var what = channel switch
            {
                Channel.Sms => "An SMS check-in's message",
                Channel.Email => "An email check-in's message",
                _ => "The message",
            };
            errors.Add($"{path}.message", $"{what} must be at most {Count(cap)} characters.");
        }
        else if (FreeText.TextControlProblem(message) is { } control)
        {
            errors.Add($"{path}.message", FreeText.ControlRefusal("The message", control));
        }
        else if (FreeText.TextProblem(message) is { } refused)
        {
            errors.Add($"{path}.message", FreeText.Refusal("The message", refused));
        }
        else if (channel == Channel.Sms && organizer is not null && CheckInWording.Sms(organizer.Name, message).Length > MaxSmsMessageLength)
        {
            errors.Add($"{path}.message", $"With the sender's name in front the SMS would pass {Count(MaxSmsMessageLength)} characters: shorten the message.");
        }

        return message;
    }

    /// <summary>"1,600": a cap as the docs write it.</summary>
    private static string Count(int n) => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>'at' is a time on the recipient's clock: their own zone, or the event's if they gave none.</summary>
    internal static DateTimeZone? RecipientZone(Participant? recipient, DateTimeZone? eventZone, PersonRequest? refused = null) =>
        recipient is not null ? EventTime.FindZone(recipient.TimeZone) ?? eventZone
        : refused is not null ? EventTime.FindZone(refused.TimeZone) ?? eventZone
        : eventZone;

    internal static void CheckDueWindow(Instant? due, string path, Instant now, Errors errors, string what = "check-in")
    {
        if (due is not { } d)
        {
            return;
        }

        if (d <= now)
        {
            errors.Add(path, $"This {what} would be due in the past.");
        }
        else if (d > now + MaxAhead + Duration.FromDays(31))
        {
            errors.Add(path, $"This {what} would be due more than a year from now.");
        }
    }

    internal static Instant? ResolveDue(CheckInTiming checkIn, string path, DateTimeZone? zone, ZonedDateTime? startsAt, ZonedDateTime? endsAt, Errors errors)
    {
        var hasAt = checkIn.At is not null;
        var hasAfter = checkIn.After is not null;
        if (hasAt == hasAfter)
        {
            errors.Add(path, "Give either 'at' (a local time) or 'after' ('start' or 'end') with an 'offset', not both and not neither.");
            return null;
        }

        if (hasAt)
        {
            if (checkIn.Offset is not null)
            {
                errors.Add($"{path}.offset", "'offset' goes with 'after'; with 'at', put the time itself in 'at'.");
            }

            if (zone is null)
            {
                return null;
            }

            var at = EventTime.ParseLocal(checkIn.At, zone);
            if (at is null)
            {
                errors.Add($"{path}.at", "The time must look like 2026-12-06T10:00 (local time in the recipient's zone, or the event's if they have none).");
            }

            return at?.ToInstant();
        }

        if (checkIn.Offset is not null && checkIn.Offset.Length > 0 && checkIn.Offset.Trim().Length == 0)
        {
            errors.Add($"{path}.offset", "The offset must be an ISO 8601 duration such as PT30M or -PT2H.");
            return null;
        }

        var offset = checkIn.Offset is null ? Period.Zero : EventTime.ParseOffset(checkIn.Offset);
        if (offset is null)
        {
            errors.Add($"{path}.offset", "The offset must be an ISO 8601 duration such as PT30M, -PT2H or P1D (no years or months).");
        }

        ZonedDateTime? anchor = checkIn.After switch
        {
            "start" => startsAt,
            "end" => endsAt,
            _ => null,
        };
        if (checkIn.After is not ("start" or "end"))
        {
            errors.Add($"{path}.after", "'after' must be 'start' or 'end'.");
        }

        return anchor is { } a && offset is not null ? EventTime.Apply(a, offset) : null;
    }

    /// <summary>Field errors in the order found, several per field allowed.</summary>
    internal sealed class Errors
    {
        private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

        public int Count => _errors.Sum(e => e.Value.Count);

        public void Add(string field, string message)
        {
            if (!_errors.TryGetValue(field, out var list))
            {
                _errors[field] = list = [];
            }

            list.Add(message);
        }

        public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }
}

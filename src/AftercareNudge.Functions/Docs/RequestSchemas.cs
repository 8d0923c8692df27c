using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AftercareNudge.Docs;

/// <summary>
/// What the request bodies must hold, as the validator checks it: which fields are required, their
/// enums, forms and lengths, and what each is for. The contract types are nullable throughout so that
/// the validator, not the JSON reader, names what is missing; left to themselves they would describe
/// every field as an optional <c>null | string</c>, and a client generated from that would send <c>{}</c>.
/// The limits are the validator's own constants. A field left out is optional; null is not described
/// (the server reads it as left out), so a generated client sends a field or leaves it out.
/// </summary>
internal static class RequestSchemas
{
    // A wall-clock time (seconds optional), or an instant with an offset or Z, as EventTime.ParseLocal reads it.
    private const string TimePattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:\d{2}(:\d{2})?)?)?$";

    // An ISO 8601 duration with an optional sign, in weeks, days, hours, minutes and seconds (EventTime.ParseOffset).
    private const string OffsetPattern = @"^[+-]?P(?!$)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?$";

    // E.164: '+', the country code and the number, digits only.
    private const string PhonePattern = @"^\+[1-9]\d{1,14}$";

    // A wait: an ISO 8601 duration in hours, minutes and seconds only (EventValidator's awaitReply rules).
    private const string WaitPattern = @"^PT(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?$";

    private const string KeyPattern = "^[A-Za-z0-9_-]{1,40}$";
    private const string ClockPattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$";
    private const string QuietHoursPattern = "^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$";
    private const string ZoneText = "An IANA time zone id, such as Europe/London.";
    private const string ToText = "Who it goes to: 'organizer' or the key of one of the people.";

    /// <summary>Each channel's cap on a check-in's words; the schema's maxLength is the larger, email's.</summary>
    private static readonly string MessageCaps = string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"1 to {EventValidator.MaxSmsMessageLength:N0} by SMS (with the organiser's name in front), 1 to {EventValidator.MaxEmailMessageLength:N0} by email");

    private static readonly string[] Channels = [.. ChannelNames.All];
    private static readonly string[] Anchors = ["start", "end"];

    /// <summary>Each described body type's schema: its properties (in the contract's order) and what else it says.</summary>
    private static readonly Dictionary<string, Func<OpenApiDocument, Body>> Bodies = new(StringComparer.Ordinal)
    {
        [nameof(RegisterEventRequest)] = document => new(
            "An event to register: what it is, when, who takes part, and the check-ins everyone agrees to.",
            ["title", "kind", "timeZone", "startsAt", "endsAt", "organizer", "checkIns"],
            new()
            {
                ["title"] = Text($"Shown only to you and in email bodies, never in an SMS. 1 to {EventValidator.MaxTitleLength} characters, without invisible or direction-changing characters.", 1, EventValidator.MaxTitleLength),
                ["kind"] = OneOf(EventValidator.Kinds, "What kind of moment it is. It never appears in a message."),
                ["timeZone"] = Zone("The event's time zone: " + ZoneText),
                ["startsAt"] = Time("When it starts: a wall-clock time in timeZone, such as 2026-12-05T19:00 (seconds optional), or an instant with an offset or Z (RFC 3339). Within a year from now."),
                ["endsAt"] = Time("When it ends, after startsAt; written as startsAt is."),
                ["organizer"] = Ref(document, nameof(PersonRequest), "Who organises it: every SMS starts with their name, and replies reach them. Their key is 'organizer'; only they may have repliesBy."),
                ["people"] = Array(
                    new OpenApiSchema { AllOf = [Ref(document, nameof(PersonRequest)), Object(["key"], new() { ["key"] = Text("", pattern: KeyPattern) })] },
                    $"Everyone else, at most {EventValidator.MaxPeople}: each with a key of their own, which check-ins name.",
                    max: EventValidator.MaxPeople),
                ["checkIns"] = Array(Ref(document, nameof(CheckInRequest)), $"The check-ins: 1 to {EventValidator.MaxCheckIns}.", 1, EventValidator.MaxCheckIns),
                ["aftercare"] = Ref(document, nameof(AftercareRequest), "The plan everyone agrees to, each person's needs, and email reminders of them."),
            }),
        [nameof(PersonRequest)] = document => new(
            "The organiser or one of the people: a name, and a phone number, an email address or both (how they are asked for consent and reached).",
            ["name"],
            new()
            {
                ["key"] = Text($"Required for each of people, and not 'organizer': 1 to 40 letters, digits, '-' or '_', unique in the event. The organiser has none (their key is 'organizer').", pattern: KeyPattern),
                ["name"] = Text($"The name others know them by: 1 to {EventValidator.MaxNameLength} characters, without invisible or direction-changing characters. The organiser's starts every SMS.", 1, EventValidator.MaxNameLength),
                ["phone"] = Text("A mobile number in E.164 form, such as +447911123456: the country code is never guessed.", pattern: PhonePattern),
                ["email"] = Text($"One bare address, such as alex@example.com: at most {EmailAddresses.MaxLength} characters, a dotted domain, no quoted local part, bracketed domain, space or invisible character.", max: EmailAddresses.MaxLength, format: "email"),
                ["timeZone"] = Zone("Their own time zone, if not the event's: " + ZoneText + " A check-in's 'at' is on their clock."),
                ["quietHours"] = Ref(document, nameof(QuietHoursRequest), "Their own quiet hours, if not the default 21:00 to 08:00: nothing they did not agree to for that time reaches them then."),
                ["repliesBy"] = OneOf(Channels, "The organiser only: how replies to their check-ins are passed on to them, a channel they have an address for (default: SMS if they have a phone, else email)."),
                ["role"] = OneOf([Participant.TrustedContactRole], "Left out for someone who gets check-ins. 'trustedContact': someone an armed check-in's awaitReply.escalateTo names, told if the organiser does not answer, and sent nothing else (no check-ins, plan, needs or reminders). Not on the organiser. Refused, as awaitReply is, until this service arms check-ins."),
            },
            // Either address, or both: a generated client then asks for one of them.
            AllOf: [new OpenApiSchema { AnyOf = [Object(["phone"], new() { ["phone"] = Text("", pattern: PhonePattern) }), Object(["email"], new() { ["email"] = Text("", format: "email") })] }]),
        [nameof(CheckInRequest)] = document => new(
            "A message to send to one person at one time: either at a time on their clock ('at'), or a while after the start or end ('after' with 'offset').",
            ["to", "channel", "message"],
            new()
            {
                ["to"] = Text(ToText, 1),
                ["channel"] = OneOf(Channels, "How: a text (sms) or an email; the recipient must have that address."),
                ["at"] = Time("A wall-clock time on the recipient's clock (their timeZone, or the event's), such as 2026-12-06T10:00, or an instant with an offset or Z. Not with 'after'."),
                ["after"] = OneOf(Anchors, "The moment it is timed from: the event's start or end. Not with 'at'."),
                ["offset"] = Offset("With 'after': how long after (or, with '-', before), an ISO 8601 duration such as PT30M, -PT2H or P1D (no years or months). Default PT0S."),
                ["message"] = Text($"What it says, in characters: {MessageCaps}; without invisible or direction-changing characters except joiners inside words and emoji.", 1, EventValidator.MaxMessageLength),
                ["awaitReply"] = Ref(document, nameof(AwaitReplyRequest), "Arms the check-in: it waits for the organiser's answer, and trusted contacts are told if none comes. Only on an SMS check-in to the organiser, who has a phone. No emergency service: see docs/safety-check-ins.md."),
            },
            OneOf: Timings()),
        [nameof(AwaitReplyRequest)] = _ => new(
            "What an armed check-in waits for, and who is told if no answer comes. The duress word is never shown in any answer.",
            ["within", "escalateTo"],
            new()
            {
                ["within"] = WithExample(Text($"How long after the check-in is due its answer may take: an ISO 8601 duration in hours, minutes or seconds, from {EventValidator.Iso(EventValidator.MinWait)} to {EventValidator.Iso(EventValidator.MaxWithin)}. Then one reminder goes.", pattern: WaitPattern), "PT20M"),
                ["grace"] = WithExample(Text($"How long after the reminder the contacts are alerted: {EventValidator.Iso(EventValidator.MinWait)} to {EventValidator.Iso(EventValidator.MaxGrace)}, default {EventValidator.Iso(EventValidator.DefaultGrace)}.", pattern: WaitPattern), "PT10M"),
                ["escalateTo"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Array,
                    Description = $"The keys of the people told if no answer comes, 1 to {SafetyLadder.MaxContacts}, each once, each with role 'trustedContact'.",
                    Items = Text("", pattern: KeyPattern),
                    MinItems = 1,
                    MaxItems = SafetyLadder.MaxContacts,
                    UniqueItems = true,
                },
                ["note"] = Text($"What the contacts are told besides, such as where you are: at most {EventValidator.MaxNoteLength} characters, warned about like an SMS text if it names the event.", max: EventValidator.MaxNoteLength),
                ["duressWord"] = Text($"A word that, in a reply, answers as any reply does but alerts the contacts at once: one word of {EventValidator.MinDuressWordLength} to {EventValidator.MaxDuressWordLength} letters or digits, not a keyword such as STOP, START, HELP, YES or NO. Never shown in any answer.", EventValidator.MinDuressWordLength, EventValidator.MaxDuressWordLength),
            }),
        [nameof(AftercareRequest)] = document => new(
            "The aftercare everyone agrees to: a shared plan, each person's needs, and email reminders of them. All optional.",
            [],
            new()
            {
                ["plan"] = Text($"The shared plan, at most {AftercarePlan.MaxPlanLength} characters.", max: AftercarePlan.MaxPlanLength),
                ["needs"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = $"What each person needs, keyed by 'organizer' or a person's key; at most {AftercarePlan.MaxNeedsLength} characters each.",
                    AdditionalProperties = Text("", max: AftercarePlan.MaxNeedsLength),
                },
                ["reminders"] = Array(Ref(document, nameof(ReminderRequest)), $"Email reminders of the plan and needs, at most {AftercarePlan.MaxReminders}; each to someone with an email address.", max: AftercarePlan.MaxReminders),
            }),
        [nameof(ReminderRequest)] = _ => new(
            "An email reminder of the agreed aftercare to one person, timed as a check-in is.",
            ["to"],
            new()
            {
                ["to"] = Text(ToText + " They need an email address.", 1),
                ["at"] = Time("A wall-clock time on the recipient's clock, or an instant with an offset or Z. Not with 'after'."),
                ["after"] = OneOf(Anchors, "The moment it is timed from: the event's start or end. Not with 'at'."),
                ["offset"] = Offset("With 'after': how long after (or, with '-', before), such as PT2H. Default PT0S."),
            },
            OneOf: Timings()),
        [nameof(PatchEventRequest)] = document => new(
            "A change to an event before it happens; every field is optional, and what is left out stays. Any other field (title, people) is refused by name.",
            [],
            new()
            {
                ["timeZone"] = Zone("A new time zone for the event (and everyone without one of their own): " + ZoneText),
                ["startsAt"] = Time("A new start, written as at registration."),
                ["endsAt"] = Time("A new end, after the start."),
                ["checkIns"] = Array(Ref(document, nameof(PatchCheckInRequest)), $"The whole new list of your check-ins, at most {EventValidator.MaxCheckIns}: an entry with an id edits that check-in, one without adds one, and a waiting check-in left out is cancelled.", max: EventValidator.MaxCheckIns),
                ["aftercare"] = Ref(document, nameof(PatchAftercareRequest), "A change to the aftercare plan."),
            },
            Closed: true),
        [nameof(PatchCheckInRequest)] = document => new(
            "One check-in of a change. With an id, what is left out stays, and a new time replaces the old one whole; without, it is a new check-in, with to, channel, message and a time, as at registration.",
            [],
            new()
            {
                ["id"] = Text("The check-in to edit, as the event shows it (ci_…).", 1),
                ["to"] = Text(ToText + " Cannot be changed for an existing check-in.", 1),
                ["channel"] = OneOf(Channels, "How: sms or email. Cannot be changed for an existing check-in."),
                ["at"] = Time("A wall-clock time on the recipient's clock, or an instant with an offset or Z. Not with 'after'."),
                ["after"] = OneOf(Anchors, "The moment it is timed from: the event's start or end. Not with 'at'."),
                ["offset"] = Offset("With 'after': how long after (or, with '-', before), such as PT30M."),
                ["message"] = Text($"What it says, in characters: {MessageCaps}.", 1, EventValidator.MaxMessageLength),
                ["awaitReply"] = Ref(document, nameof(AwaitReplyRequest), "Arms the check-in, or re-arms it on these terms (the whole net is replaced; the contacts are asked again). Refused with 409 once the check-in is due or its ladder has started. To disarm it, remove the check-in."),
            },
            Closed: true),
        [nameof(PatchAftercareRequest)] = _ => new(
            "A change to the aftercare plan: what is left out stays. Reminders move with the event and are not changed here.",
            [],
            new()
            {
                ["plan"] = Text($"The new shared plan, at most {AftercarePlan.MaxPlanLength} characters; an empty string removes it.", max: AftercarePlan.MaxPlanLength),
                ["needs"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = $"The whole new set of needs, keyed by 'organizer' or a person's key; at most {AftercarePlan.MaxNeedsLength} characters each.",
                    AdditionalProperties = Text("", max: AftercarePlan.MaxNeedsLength),
                },
            },
            Closed: true),
        [nameof(DevSmsRequest)] = _ => new(
            "A text as a person would send it, played through the inbound SMS webhook's code.",
            ["from", "body"],
            new()
            {
                ["from"] = Text("The sender's number, in E.164 form.", 1),
                ["body"] = Text("What they wrote, such as YES or STOP."),
            }),
        [nameof(ConsentDecisionForm)] = _ => new(
            "The consent page's form.",
            ["decision"],
            new()
            {
                ["decision"] = OneOf(["agree", "decline"], "The person's answer."),
                ["quietFrom"] = Text("Optional quiet hours: when they start, HH:mm. With quietTo.", pattern: ClockPattern),
                ["quietTo"] = Text("When the quiet hours end, HH:mm. With quietFrom.", pattern: ClockPattern),
            }),
        [nameof(UnsubscribeForm)] = _ => new(
            "What stops every email to the address: an RFC 8058 one-click POST (List-Unsubscribe=One-Click), the page's Stop button, or any other body or none. Only the page's own form with action=resubscribe, and no List-Unsubscribe field, opts the address back in.",
            [],
            new()
            {
                ["List-Unsubscribe"] = OneOf(["One-Click"], "RFC 8058 one-click unsubscribe, as a mail client posts it."),
                ["action"] = OneOf(["resubscribe"], "The page's way back in, after an unsubscribe."),
            }),
    };

    /// <summary>Describes every request body type in the document, as <see cref="Bodies"/> says.</summary>
    public static Task Describe(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemas = document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>();

        // Quiet hours are read by a converter of their own (either form), so the generator knows nothing of them.
        schemas[nameof(QuietHoursRequest)] = QuietHours();
        foreach (var (name, describe) in Bodies)
        {
            if (!schemas.TryGetValue(name, out var found) || found is not OpenApiSchema schema)
            {
                // A development body is not in the document when the development routes are not.
                continue;
            }

            var described = describe(document);
            var properties = schema.Properties ?? new Dictionary<string, IOpenApiSchema>();
            var undescribed = properties.Keys.Except(described.Properties.Keys).Concat(described.Properties.Keys.Except(properties.Keys)).ToList();
            if (undescribed.Count > 0)
            {
                throw new InvalidOperationException($"{name}'s description does not match its fields ({string.Join(", ", undescribed)}): describe each field in Docs/RequestSchemas.cs.");
            }

            foreach (var key in properties.Keys.ToList())
            {
                properties[key] = described.Properties[key];
            }

            schema.Description = described.Description;
            schema.Required = described.Required.Count == 0 ? null : new HashSet<string>(described.Required, StringComparer.Ordinal);
            schema.AllOf = described.AllOf;
            schema.OneOf = described.OneOf;
            if (described.Closed)
            {
                schema.AdditionalPropertiesAllowed = false;
            }
        }

        return Task.CompletedTask;
    }

    private sealed record Body(
        string Description,
        IReadOnlyList<string> Required,
        Dictionary<string, IOpenApiSchema> Properties,
        IList<IOpenApiSchema>? AllOf = null,
        IList<IOpenApiSchema>? OneOf = null,
        bool Closed = false);

    private static OpenApiSchema Text(string description, int? min = null, int? max = null, string? pattern = null, string? format = null) => new()
    {
        Type = JsonSchemaType.String,
        Description = description.Length == 0 ? null : description,
        MinLength = min,
        MaxLength = max,
        Pattern = pattern,
        Format = format,
    };

    private static OpenApiSchema OneOf(IEnumerable<string> values, string description) => new()
    {
        Type = JsonSchemaType.String,
        Description = description.Length == 0 ? null : description,
        Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
    };

    private static OpenApiSchema Zone(string description) => WithExample(Text(description, 1), "Europe/London");

    private static OpenApiSchema Time(string description) => WithExample(Text(description, pattern: TimePattern), "2026-12-05T19:00");

    private static OpenApiSchema Offset(string description) => WithExample(Text(description, pattern: OffsetPattern), "PT30M");

    private static OpenApiSchema WithExample(OpenApiSchema schema, string example)
    {
        schema.Examples = [JsonValue.Create(example)];
        return schema;
    }

    private static OpenApiSchema Array(IOpenApiSchema items, string description, int? min = null, int? max = null) => new()
    {
        Type = JsonSchemaType.Array,
        Description = description,
        Items = items,
        MinItems = min,
        MaxItems = max,
    };

    private static OpenApiSchema Object(string[] required, Dictionary<string, IOpenApiSchema> properties) => new()
    {
        Type = JsonSchemaType.Object,
        Required = new HashSet<string>(required, StringComparer.Ordinal),
        Properties = properties,
    };

    private static IOpenApiSchema Ref(OpenApiDocument document, string name, string? description = null) =>
        new OpenApiSchemaReference(name, document) { Description = description };

    /// <summary>Quiet hours in either form the API reads: the object, or the one string a GET answers.</summary>
    private static OpenApiSchema QuietHours() => new()
    {
        Description = "Hours not to be disturbed, as two different local times on the person's clock; they may span midnight. Default 21:00 to 08:00. Either { \"from\": \"22:00\", \"to\": \"07:30\" } or \"22:00-07:30\", the form a GET answers.",
        OneOf =
        [
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string>(["from", "to"], StringComparer.Ordinal),
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["from"] = Text("When they start, HH:mm, such as 22:00.", pattern: ClockPattern),
                    ["to"] = Text("When they end, HH:mm, such as 07:30.", pattern: ClockPattern),
                },
                AdditionalPropertiesAllowed = false,
            },
            WithExample(Text("From and to in one string, HH:mm-HH:mm.", pattern: QuietHoursPattern), "22:00-07:30"),
        ],
    };

    /// <summary>Exactly one timing: 'at', or 'after' (with an optional offset).</summary>
    private static List<IOpenApiSchema> Timings() =>
    [
        Object(["at"], new() { ["at"] = Text("", pattern: TimePattern) }),
        Object(["after"], new() { ["after"] = OneOf(Anchors, "") }),
    ];
}

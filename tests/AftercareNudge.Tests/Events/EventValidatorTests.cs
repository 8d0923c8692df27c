using System.Text.RegularExpressions;
using AftercareNudge.Events;
using AftercareNudge.Schedule;
using Microsoft.Extensions.Time.Testing;
using NodaTime;

namespace AftercareNudge.Tests.Events;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private static EventValidator CreateValidator() => new(new FakeTimeProvider(Now));

    private static RegisterEventRequest Minimal(params CheckInRequest[] checkIns) => new(
        Title: "Dinner with Alex",
        Kind: "date",
        TimeZone: "Europe/London",
        StartsAt: "2026-07-10T19:00",
        EndsAt: "2026-07-10T23:00",
        Organizer: new PersonRequest(null, "Sam", "+447911123456", "sam@example.com", null),
        People: null,
        CheckIns: checkIns.Length > 0
            ? checkIns
            : [new CheckInRequest("organizer", "sms", null, "end", "PT30M", "Hey, how are you feeling?")]);

    // ---- phones ----

    [Theory]
    [InlineData("+447911123456", "+447911123456")]
    [InlineData("+14155550123", "+14155550123")]
    [InlineData("+44 7911 123-456", "+447911123456")]
    [InlineData("  +44 (0)7911 123456 ", "+447911123456")]
    [InlineData("+1 (415) 555-0123", "+14155550123")]
    public void NormalizePhone_ValidMobile_IsE164(string text, string expected)
    {
        var errors = new EventValidator.Errors();

        var phone = EventValidator.NormalizePhone(text, "organizer.phone", errors);

        Assert.Equal(expected, phone);
        Assert.Equal(0, errors.Count);
    }

    [Fact]
    public void NormalizePhone_WithoutCountryCode_IsRejectedNotGuessed()
    {
        var errors = new EventValidator.Errors();

        var phone = EventValidator.NormalizePhone("07911123456", "organizer.phone", errors);

        Assert.Null(phone);
        var message = Assert.Single(errors.ToDictionary()["organizer.phone"]);
        Assert.Contains("country code", message, StringComparison.Ordinal);
    }

    [Fact]
    public void NormalizePhone_UkDramaRange_IsInvalid()
    {
        var errors = new EventValidator.Errors();

        var phone = EventValidator.NormalizePhone("+447700900123", "people[0].phone", errors);

        Assert.Null(phone);
        Assert.Equal(["This is not a valid phone number."], errors.ToDictionary()["people[0].phone"]);
    }

    [Fact]
    public void NormalizePhone_UkLandline_IsRejectedAsNotSmsCapable()
    {
        var errors = new EventValidator.Errors();

        var phone = EventValidator.NormalizePhone("+442071838750", "organizer.phone", errors);

        Assert.Null(phone);
        var message = Assert.Single(errors.ToDictionary()["organizer.phone"]);
        Assert.Contains("cannot receive text messages", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+")]
    [InlineData("+abc")]
    [InlineData("+44")]
    [InlineData("+999 123")]
    public void NormalizePhone_Unparseable_IsInvalid(string text)
    {
        var errors = new EventValidator.Errors();

        Assert.Null(EventValidator.NormalizePhone(text, "organizer.phone", errors));
        Assert.True(errors.Count > 0);
    }

    [Fact]
    public void NormalizePhone_Null_IsNoPhoneAndNoError()
    {
        var errors = new EventValidator.Errors();

        Assert.Null(EventValidator.NormalizePhone(null, "organizer.phone", errors));
        Assert.Equal(0, errors.Count);
    }

    // ---- emails ----

    [Theory]
    [InlineData("sam@example.com", "sam@example.com")]
    [InlineData("  sam@example.com ", "sam@example.com")]
    [InlineData("sam.lee+care@mail.example.co.uk", "sam.lee+care@mail.example.co.uk")]
    public void NormalizeEmail_ValidAddress_IsTrimmed(string text, string expected)
    {
        var errors = new EventValidator.Errors();

        Assert.Equal(expected, EventValidator.NormalizeEmail(text, "organizer.email", errors));
        Assert.Equal(0, errors.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("sam")]
    [InlineData("sam@localhost")]
    [InlineData("Sam <sam@example.com>")]
    [InlineData("sam@@example.com")]
    [InlineData("sam@example.com, alex@example.com")]
    public void NormalizeEmail_NotABareAddress_IsRejected(string text)
    {
        var errors = new EventValidator.Errors();

        Assert.Null(EventValidator.NormalizeEmail(text, "organizer.email", errors));
        Assert.Equal(["This is not a valid email address."], errors.ToDictionary()["organizer.email"]);
    }

    [Theory]
    [InlineData("alex.rlo@example.com\\u202e", "U+202E at position 21")]
    [InlineData("alex.rlo@example.com\\u200b", "U+200B at position 21")]
    [InlineData("alex.rlo\\u200d@example.com", "U+200D at position 9")]
    [InlineData("\\u2066alex@example.com", "U+2066 at position 1")]
    [InlineData("alex@exam\\u00adple.com", "U+00AD at position 10")]
    [InlineData("alex@example.com\\ufeff", "U+FEFF at position 17")]
    public void NormalizeEmail_FormatOrBidiCharacter_IsRefusedAsANameIs(string text, string where)
    {
        var errors = new EventValidator.Errors();

        Assert.Null(EventValidator.NormalizeEmail(Regex.Unescape(text), "people[0].email", errors));
        Assert.Equal([$"An email address cannot contain invisible or direction-changing characters ({where}): retype it without them."], errors.ToDictionary()["people[0].email"]);
    }

    [Theory]
    [InlineData("\"a b\"@example.com")]
    [InlineData("\"alex\"@example.com")]
    [InlineData("alex@[127.0.0.1]")]
    public void NormalizeEmail_AFormSendGridWillNotDeliverTo_IsRefused(string text)
    {
        var errors = new EventValidator.Errors();

        Assert.Null(EventValidator.NormalizeEmail(text, "people[0].email", errors));
        Assert.Equal([EmailAddresses.NotDeliverable], errors.ToDictionary()["people[0].email"]);
    }

    [Theory]
    [InlineData("alex.rlo@example.com\\u202e")]
    [InlineData("\"a b\"@example.com")]
    [InlineData("alex@[127.0.0.1]")]
    public void NormalizeStoredEmail_AnAddressTheOldRuleTook_IsStillTakenForErasure(string text)
    {
        var errors = new EventValidator.Errors();
        var address = Regex.Unescape(text);

        Assert.Equal(address, EventValidator.NormalizeStoredEmail(" " + address, "address", errors));
        Assert.Equal(0, errors.Count);
    }

    [Fact]
    public void NormalizeEmail_LongerThan254_IsRejected()
    {
        var errors = new EventValidator.Errors();
        var text = new string('a', 64) + "@" + string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + ".com";

        Assert.Null(EventValidator.NormalizeEmail(text, "organizer.email", errors));
        Assert.Equal(1, errors.Count);
    }

    // ---- Validate ----

    [Fact]
    public void Validate_MinimalRequest_IsAPlannedEvent()
    {
        var (planned, errors) = CreateValidator().Validate(Minimal());

        Assert.Empty(errors);
        Assert.NotNull(planned);
        Assert.Equal("Dinner with Alex", planned.Title);
        Assert.Equal("date", planned.Kind);
        Assert.Equal("Europe/London", planned.Zone.Id);
        Assert.Equal(Participant.OrganizerKey, planned.Organizer.Key);
        Assert.Equal("+447911123456", planned.Organizer.Phone);
        Assert.Equal("Europe/London", planned.Organizer.TimeZone);
        Assert.Empty(planned.People);
        var checkIn = Assert.Single(planned.CheckIns);
        Assert.Equal(Channel.Sms, checkIn.Channel);
        Assert.Equal("organizer", checkIn.To);
        Assert.Equal(new CheckInTiming(null, "end", "PT30M"), checkIn.Timing);
    }

    [Fact]
    public void Validate_AfterEndPlusThirtyMinutesInLondonSummer_IsDueAtTheRightUtcInstant()
    {
        // 23:00 BST is 22:00Z; thirty minutes later is 22:30Z.
        var (planned, errors) = CreateValidator().Validate(Minimal());

        Assert.Empty(errors);
        Assert.Equal(Instant.FromUtc(2026, 7, 10, 22, 30), Assert.Single(planned!.CheckIns).DueAt);
        Assert.Equal(Instant.FromUtc(2026, 7, 10, 18, 0), planned.StartsAt.ToInstant());
    }

    [Fact]
    public void Validate_AfterEndPlusThirtyMinutesInLondonWinter_IsDueAtTheRightUtcInstant()
    {
        var request = Minimal() with { StartsAt = "2026-12-05T19:00", EndsAt = "2026-12-05T23:00" };

        var (planned, errors) = CreateValidator().Validate(request);

        Assert.Empty(errors);
        Assert.Equal(Instant.FromUtc(2026, 12, 5, 23, 30), Assert.Single(planned!.CheckIns).DueAt);
    }

    [Fact]
    public void Validate_AtLocalTimeForAPerson_NormalisesTheirAddresses()
    {
        var request = Minimal(new CheckInRequest("alex", "email", "2026-07-11T10:00", null, null, "Morning!")) with
        {
            People = [new PersonRequest("alex", "Alex", "+44 7911 123-457", " alex@example.com ", "America/New_York")],
        };

        var (planned, errors) = CreateValidator().Validate(request);

        Assert.Empty(errors);
        var alex = Assert.Single(planned!.People);
        Assert.Equal("+447911123457", alex.Phone);
        Assert.Equal("alex@example.com", alex.Email);
        Assert.Equal("America/New_York", alex.TimeZone);
        // "at" is on the recipient's clock: 10:00 in New York (EDT).
        Assert.Equal(Instant.FromUtc(2026, 7, 11, 14, 0), Assert.Single(planned.CheckIns).DueAt);
    }

    [Fact]
    public void Validate_BadOffset_IsKeyedByItsJsonPath()
    {
        var request = Minimal(
            new CheckInRequest("organizer", "sms", null, "end", "PT30M", "First"),
            new CheckInRequest("organizer", "sms", null, "end", "P1M", "Second"));

        var (planned, errors) = CreateValidator().Validate(request);

        Assert.Null(planned);
        Assert.Equal(["checkIns[1].offset"], errors.Keys);
        Assert.Contains("PT30M", Assert.Single(errors["checkIns[1].offset"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadFields_ReportsEachByPath()
    {
        var request = new RegisterEventRequest(
            Title: "",
            Kind: "party",
            TimeZone: "Europe/Londres",
            StartsAt: "soon",
            EndsAt: "2026-07-10T23:00",
            Organizer: new PersonRequest(null, "Sam", "07911123456", "not-an-email", null),
            People: [new PersonRequest("organizer", "Alex", null, "alex@example.com", null)],
            CheckIns:
            [
                new CheckInRequest("organizer", "pigeon", null, "end", "PT30M", "Hi"),
                new CheckInRequest("nobody", "sms", "2026-07-11T10:00", "end", "PT30M", " "),
            ]);

        var (planned, errors) = CreateValidator().Validate(request);

        Assert.Null(planned);
        Assert.Contains("title", errors.Keys);
        Assert.Contains("kind", errors.Keys);
        Assert.Contains("timeZone", errors.Keys);
        Assert.Contains("startsAt", errors.Keys);
        Assert.Contains("organizer.phone", errors.Keys);
        Assert.Contains("organizer.email", errors.Keys);
        Assert.Contains("checkIns[0].channel", errors.Keys);
        Assert.Contains("checkIns[1].to", errors.Keys);
        Assert.Contains("checkIns[1].message", errors.Keys);
        Assert.Contains("checkIns[1]", errors.Keys);
    }

    [Fact]
    public void Validate_SmsToPersonWithoutPhone_IsKeyedToTheChannel()
    {
        var request = Minimal(new CheckInRequest("alex", "sms", null, "end", "PT1H", "Hi")) with
        {
            People = [new PersonRequest("alex", "Alex", null, "alex@example.com", null)],
        };

        var (_, errors) = CreateValidator().Validate(request);

        Assert.Contains("phone number", Assert.Single(errors["checkIns[0].channel"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PersonWithNoAddress_IsKeyedToThatPerson()
    {
        var request = Minimal() with { People = [new PersonRequest("alex", "Alex", null, null, null)] };

        var (_, errors) = CreateValidator().Validate(request);

        Assert.Contains("people[0]", errors.Keys);
    }

    [Fact]
    public void Validate_CheckInInThePast_IsRejected()
    {
        var request = Minimal() with { StartsAt = "2026-05-01T19:00", EndsAt = "2026-05-01T23:00" };

        var (_, errors) = CreateValidator().Validate(request);

        Assert.Equal(["This check-in would be due in the past."], errors["checkIns[0]"]);
    }

    [Fact]
    public void Validate_EndBeforeStart_IsKeyedToEndsAt()
    {
        var request = Minimal() with { EndsAt = "2026-07-10T18:00" };

        var (_, errors) = CreateValidator().Validate(request);

        Assert.Contains("The end must be after the start.", errors["endsAt"]);
    }

    [Fact]
    public void Validate_StartMoreThanAYearAhead_IsRejected()
    {
        var request = Minimal() with { StartsAt = "2027-07-10T19:00", EndsAt = "2027-07-10T23:00" };

        var (_, errors) = CreateValidator().Validate(request);

        Assert.Contains("startsAt", errors.Keys);
    }

    [Fact]
    public void Validate_NoCheckIns_IsRejected()
    {
        var (_, errors) = CreateValidator().Validate(Minimal() with { CheckIns = [] });

        Assert.Equal(["At least one check-in is required."], errors["checkIns"]);
    }

    // ---- message caps: one per channel ----

    [Theory]
    [InlineData("sms", 1601, "An SMS check-in's message must be at most 1,600 characters.")]
    [InlineData("email", 5001, "An email check-in's message must be at most 5,000 characters.")]
    public void Validate_MessageOverItsChannelsCap_NamesTheFieldAndTheCap(string channel, int length, string error)
    {
        var (_, errors) = CreateValidator().Validate(Minimal(new CheckInRequest("organizer", channel, null, "end", "PT30M", new string('a', length))));

        Assert.Equal(error, Assert.Single(errors["checkIns[0].message"]));
    }

    [Fact]
    public void Validate_EmailMessageLongerThanAnSms_IsAcceptedUpToItsOwnCap()
    {
        var (planned, errors) = CreateValidator().Validate(Minimal(new CheckInRequest("organizer", "email", null, "end", "PT30M", new string('a', 5000))));

        Assert.Empty(errors);
        Assert.Equal(5000, planned!.CheckIns[0].Message.Length);
    }

    [Fact]
    public void Validate_SmsMessageThatPassesTheCapOnlyWithTheSendersName_SaysSo()
    {
        // "Sam via AftercareNudge: " is 24 characters.
        var (_, errors) = CreateValidator().Validate(Minimal(new CheckInRequest("organizer", "sms", null, "end", "PT30M", new string('a', 1577))));

        Assert.Equal("With the sender's name in front the SMS would pass 1,600 characters: shorten the message.", Assert.Single(errors["checkIns[0].message"]));
    }

    // ---- one fault, reported once ----

    private static RegisterEventRequest WithAlex(PersonRequest alex, AftercareRequest? aftercare = null) => Minimal(
        new CheckInRequest("alex", "sms", null, "end", "PT30M", "Hey, how are you feeling?"),
        new CheckInRequest("alex", "email", "2026-07-11T10:00", null, null, "Morning!")) with
    {
        People = [alex],
        Aftercare = aftercare,
    };

    [Theory]
    [InlineData("+447700900123", "Alex", "people[0].phone")]
    [InlineData("+447911123457", "Al\nex", "people[0].name")]
    [InlineData("+447911123457", "", "people[0].name")]
    public void Validate_PersonWithAnInvalidField_IsTheOnlyError_NotEveryCheckInToThem(string phone, string name, string field)
    {
        var (planned, errors) = CreateValidator().Validate(WithAlex(new PersonRequest("alex", name, phone, "alex@example.com", "Europe/Paris")));

        Assert.Null(planned);
        Assert.Equal([field], errors.Keys);
        Assert.Single(errors[field]);
    }

    [Fact]
    public void Validate_PersonWithAnInvalidField_TheirRemindersAndNeedsAreNotAlsoRefused()
    {
        var aftercare = new AftercareRequest("Tea.", new Dictionary<string, string?> { ["alex"] = "Water." }, [new ReminderRequest("alex", null, "end", "PT1H")]);

        var (_, errors) = CreateValidator().Validate(WithAlex(new PersonRequest("alex", "Alex", "+447700900123", "alex@example.com", null), aftercare));

        Assert.Equal(["people[0].phone"], errors.Keys);
    }

    [Fact]
    public void Validate_RefusedPersonWithoutThatAddress_TheCheckInStillSaysSo()
    {
        var (_, errors) = CreateValidator().Validate(WithAlex(new PersonRequest("alex", "Alex", "+447700900123", null, null)));

        Assert.Equal(["people[0].phone", "checkIns[1].channel"], errors.Keys);
    }

    [Fact]
    public void Validate_InvalidEventZone_IsNotAlsoEveryCheckInsRecipient()
    {
        var (_, errors) = CreateValidator().Validate(WithAlex(new PersonRequest("alex", "Alex", "+447911123457", "alex@example.com", null)) with { TimeZone = "Mars/Olympus" });

        Assert.Equal(["timeZone"], errors.Keys);
    }

    [Fact]
    public void Validate_CheckInToSomeoneNobodyGave_IsStillRefused()
    {
        var (_, errors) = CreateValidator().Validate(Minimal(new CheckInRequest("jo", "sms", null, "end", "PT30M", "Hi")));

        Assert.Equal(["'to' must be 'organizer' or the key of one of the people."], errors["checkIns[0].to"]);
    }

    // ---- control characters in free text ----

    [Theory]
    [InlineData("Dinner\0with Alex", "title")]
    [InlineData("Dinner\rwith Alex", "title")]
    public void Validate_TitleWithAControlCharacter_IsRefusedNamingIt(string title, string field)
    {
        var (_, errors) = CreateValidator().Validate(Minimal() with { Title = title });

        Assert.Equal([field], errors.Keys);
        Assert.StartsWith("The title cannot contain control characters other than tab and line feed (U+00", errors[field][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MessageWithCrLf_IsStoredWithLf_AndTabsAreKept()
    {
        var (planned, errors) = CreateValidator().Validate(Minimal(new CheckInRequest("organizer", "sms", null, "end", "PT30M", "Hey,\r\nhow are you?\tI'm here.")));

        Assert.Empty(errors);
        Assert.Equal("Hey,\nhow are you?\tI'm here.", planned!.CheckIns[0].Message);
    }

    [Fact]
    public void Validate_PlanAndNeedsWithALoneCr_AreRefused()
    {
        var aftercare = new AftercareRequest("Tea\rthen bed.", new Dictionary<string, string?> { ["organizer"] = "Quiet\u0007." }, null);

        var (_, errors) = CreateValidator().Validate(Minimal() with { Aftercare = aftercare });

        Assert.Equal(["aftercare.plan", "aftercare.needs.organizer"], errors.Keys);
    }

    // ---- armed check-ins (awaitReply) and trusted contacts ----

    private static EventValidator ArmingValidator() => CreateValidator();

    private static PersonRequest Jo => new("jo", "Jo", "+447911000222", null, null, Role: "trustedContact");

    private static AwaitReplyRequest Await(string? within = "PT20M", string? grace = null, string[]? escalateTo = null, string? note = null, string? duressWord = null) =>
        new(within, grace, escalateTo ?? ["jo"], note, duressWord);

    private static RegisterEventRequest Armed(AwaitReplyRequest awaitReply, params PersonRequest[] people) =>
        Minimal(new CheckInRequest("organizer", "sms", null, "end", "PT30M", "Home safe?", awaitReply)) with { People = people.Length > 0 ? people : [Jo] };

    [Fact]
    public void Validate_TrustedContact_WhomNoArmedCheckInNames_IsRefused()
    {
        var (planned, errors) = CreateValidator().Validate(Minimal() with { People = [Jo] });

        Assert.Null(planned);
        Assert.Equal(["people[0].role"], errors.Keys);
    }

    [Fact]
    public void Validate_AwaitReply_ArmsTheCheckInWithItsNet_AndTheContactKeepsTheirRole()
    {
        var (planned, errors) = ArmingValidator().Validate(Armed(Await(within: "PT1H30M", note: "  at the Crown  ", duressWord: "pineapple")));

        Assert.Empty(errors);
        var net = planned!.CheckIns[0].Net!;
        Assert.Equal((TimeSpan.FromMinutes(90), TimeSpan.FromMinutes(10), "jo", "at the Crown", "pineapple"), (net.Within, net.Grace, Assert.Single(net.EscalateTo), net.Note, net.DuressWord));
        Assert.True(Assert.Single(planned.People).IsTrustedContact());
    }

    [Theory]
    [InlineData("alex", "sms")]
    [InlineData("organizer", "email")]
    public void Validate_AwaitReply_OnlyOnAnSmsCheckInToTheOrganizer(string to, string channel)
    {
        var alex = new PersonRequest("alex", "Alex", "+447911123457", "alex@example.com", null);
        var request = Minimal(new CheckInRequest(to, channel, null, "end", "PT30M", "Home safe?", Await())) with { People = [alex, Jo] };

        var (_, errors) = ArmingValidator().Validate(request);

        Assert.Equal(["checkIns[0].awaitReply"], errors.Keys);
        Assert.Contains("email check-ins and check-ins to anyone else cannot", errors["checkIns[0].awaitReply"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AwaitReply_OrganizerWithoutPhone_IsRefused()
    {
        var request = Armed(Await()) with { Organizer = new PersonRequest(null, "Sam", null, "sam@example.com", null) };

        var (_, errors) = ArmingValidator().Validate(request);

        Assert.Contains("give the organizer a phone number", Assert.Single(errors["checkIns[0].awaitReply"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("PT59S")]
    [InlineData("PT12H1M")]
    [InlineData("P1D")]
    [InlineData("PT1D")]
    [InlineData("-PT20M")]
    [InlineData("20 minutes")]
    [InlineData("")]
    public void Validate_Within_OutsidePT1MToPT12H_OrNotATimeDuration_IsRefused(string? within)
    {
        var (_, errors) = ArmingValidator().Validate(Armed(Await(within: within)));

        Assert.Equal(["checkIns[0].awaitReply.within"], errors.Keys);
    }

    [Theory]
    [InlineData("PT1M", 1)]
    [InlineData("PT12H", 720)]
    [InlineData("PT0.5H", -1)]
    public void Validate_Within_AtItsBounds_IsAccepted(string within, int minutes)
    {
        var (planned, errors) = ArmingValidator().Validate(Armed(Await(within: within)));

        if (minutes < 0)
        {
            Assert.Equal(["checkIns[0].awaitReply.within"], errors.Keys);
            return;
        }

        Assert.Empty(errors);
        Assert.Equal(TimeSpan.FromMinutes(minutes), planned!.CheckIns[0].Net!.Within);
    }

    [Theory]
    [InlineData("PT30S")]
    [InlineData("PT2H1M")]
    [InlineData("P1D")]
    public void Validate_Grace_OutsidePT1MToPT2H_IsRefused(string grace)
    {
        var (_, errors) = ArmingValidator().Validate(Armed(Await(grace: grace)));

        Assert.Equal(["checkIns[0].awaitReply.grace"], errors.Keys);
    }

    [Fact]
    public void Validate_Grace_DefaultsToTenMinutes_AndTakesTwoHours()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), ArmingValidator().Validate(Armed(Await())).Event!.CheckIns[0].Net!.Grace);
        Assert.Equal(TimeSpan.FromHours(2), ArmingValidator().Validate(Armed(Await(grace: "PT2H"))).Event!.CheckIns[0].Net!.Grace);
    }

    [Fact]
    public void Validate_EscalateTo_Empty_IsRefused()
    {
        var (_, errors) = ArmingValidator().Validate(Armed(Await(escalateTo: [])));

        Assert.Contains("checkIns[0].awaitReply.escalateTo", errors.Keys);
    }

    [Fact]
    public void Validate_EscalateTo_MoreThanFive_IsRefused()
    {
        var people = Enumerable.Range(1, 6).Select(i => new PersonRequest($"c{i}", $"C{i}", $"+44791100022{i}", null, null, Role: "trustedContact")).ToArray();

        var (_, errors) = ArmingValidator().Validate(Armed(Await(escalateTo: [.. people.Select(p => p.Key!)]), people));

        Assert.Equal(["checkIns[0].awaitReply.escalateTo"], errors.Keys);
        Assert.Contains("at most 5", errors["checkIns[0].awaitReply.escalateTo"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EscalateTo_Twice_Unknown_OrNotATrustedContact_IsRefusedEach()
    {
        var alex = new PersonRequest("alex", "Alex", "+447911123457", null, null);

        var (_, errors) = ArmingValidator().Validate(Armed(Await(escalateTo: ["jo", "jo", "kim", "alex", "organizer"]), Jo, alex));

        Assert.Equal(
            ["checkIns[0].awaitReply.escalateTo[1]", "checkIns[0].awaitReply.escalateTo[2]", "checkIns[0].awaitReply.escalateTo[3]", "checkIns[0].awaitReply.escalateTo[4]"],
            errors.Keys);
        Assert.Contains("more than once", errors["checkIns[0].awaitReply.escalateTo[1]"][0], StringComparison.Ordinal);
        Assert.Contains("not the key of one of the people", errors["checkIns[0].awaitReply.escalateTo[2]"][0], StringComparison.Ordinal);
        Assert.Contains("is not a trusted contact", errors["checkIns[0].awaitReply.escalateTo[3]"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Note_Over160Characters_OrWithAControlCharacter_IsRefused()
    {
        Assert.Equal(["checkIns[0].awaitReply.note"], ArmingValidator().Validate(Armed(Await(note: new string('a', 161)))).Errors.Keys);
        Assert.Equal(["checkIns[0].awaitReply.note"], ArmingValidator().Validate(Armed(Await(note: "at the\u0007Crown"))).Errors.Keys);
        Assert.Empty(ArmingValidator().Validate(Armed(Await(note: new string('a', 160)))).Errors);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("pine apple")]
    [InlineData("pine-apple")]
    [InlineData("abcdefghijklmnopqrstuvwxyzabcdefg")]
    [InlineData("pine\u00ADapple")]
    public void Validate_DuressWord_NotOneWordOf3To32_IsRefused_WithoutEchoingIt(string word)
    {
        var (_, errors) = ArmingValidator().Validate(Armed(Await(duressWord: word)));

        Assert.Equal(["checkIns[0].awaitReply.duressWord"], errors.Keys);
        Assert.DoesNotContain(word.Length > 4 ? word[..4] : word, errors["checkIns[0].awaitReply.duressWord"][0], StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("STOP")]
    [InlineData("start")]
    [InlineData("Help")]
    [InlineData("yes")]
    [InlineData("unsubscribe")]
    public void Validate_DuressWord_AKeyword_IsRefused(string word)
    {
        var (_, errors) = ArmingValidator().Validate(Armed(Await(duressWord: word)));

        Assert.Equal(["checkIns[0].awaitReply.duressWord"], errors.Keys);
        Assert.StartsWith("The duress word cannot be a word texts already mean something by", errors["checkIns[0].awaitReply.duressWord"][0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pineapple")]
    [InlineData("ananás")]
    [InlineData("blue42")]
    public void Validate_DuressWord_OneWordOfLettersOrDigits_IsKept(string word)
    {
        var (planned, errors) = ArmingValidator().Validate(Armed(Await(duressWord: word)));

        Assert.Empty(errors);
        Assert.Equal(word, planned!.CheckIns[0].Net!.DuressWord);
    }

    [Fact]
    public void Validate_Role_OtherThanTrustedContact_OrOnTheOrganizer_IsRefused()
    {
        var request = Armed(Await(), Jo, new PersonRequest("alex", "Alex", "+447911123457", null, null, Role: "friend")) with
        {
            Organizer = new PersonRequest(null, "Sam", "+447911123456", null, null, Role: "trustedContact"),
        };

        var (_, errors) = ArmingValidator().Validate(request);

        Assert.Equal(["organizer.role", "people[1].role"], errors.Keys);
    }

    [Fact]
    public void Validate_TrustedContact_NamedByNoEscalateTo_IsRefused()
    {
        var kim = new PersonRequest("kim", "Kim", "+447911000333", null, null, Role: "trustedContact");

        var (_, errors) = ArmingValidator().Validate(Armed(Await(), Jo, kim));

        Assert.Equal(["people[1].role"], errors.Keys);
    }

    [Fact]
    public void Validate_TrustedContact_WithoutAnAddress_IsRefused()
    {
        var (_, errors) = ArmingValidator().Validate(Armed(Await(), Jo with { Phone = null }));

        Assert.Equal(["people[0]"], errors.Keys);
    }

    [Fact]
    public void Validate_TrustedContact_AsACheckInsTo_WithNeeds_OrAReminder_IsRefusedEach()
    {
        var jo = Jo with { Email = "jo@example.com" };
        var request = Armed(Await(), jo) with
        {
            CheckIns =
            [
                new CheckInRequest("organizer", "sms", null, "end", "PT30M", "Home safe?", Await()),
                new CheckInRequest("jo", "sms", null, "end", "PT30M", "Hi Jo"),
            ],
            Aftercare = new AftercareRequest("Tea.", new Dictionary<string, string?> { ["jo"] = "Quiet." }, [new ReminderRequest("jo", null, "end", "PT1H")]),
        };

        var (_, errors) = ArmingValidator().Validate(request);

        Assert.Equal(["checkIns[1].to", "aftercare.needs.jo", "aftercare.reminders[0].to"], errors.Keys);
        Assert.All(errors.Values, e => Assert.Contains("is a trusted contact", e[0], StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_EveryProblemOfAnArmedCheckIn_IsReportedAtOnce()
    {
        var (_, errors) = ArmingValidator().Validate(Armed(Await(within: "PT13H", grace: "PT3H", escalateTo: ["kim"], note: new string('a', 161), duressWord: "no")));

        Assert.Equal(
            ["checkIns[0].awaitReply.within", "checkIns[0].awaitReply.grace", "checkIns[0].awaitReply.escalateTo[0]", "checkIns[0].awaitReply.note", "checkIns[0].awaitReply.duressWord", "people[0].role"],
            errors.Keys);
    }

    [Fact]
    public void Validate_MoreThanFiveArmedCheckIns_IsRefused()
    {
        var armed = Enumerable.Range(1, 6).Select(i => new CheckInRequest("organizer", "sms", null, "end", $"PT{i}H", "Home safe?", Await())).ToArray();

        var (_, errors) = ArmingValidator().Validate(Minimal(armed) with { People = [Jo] });

        Assert.Equal(["checkIns"], errors.Keys);
        Assert.Equal("An event can have at most 5 check-ins that wait for an answer.", errors["checkIns"][0]);
    }

    [Theory]
    [InlineData(20, "PT20M")]
    [InlineData(90, "PT1H30M")]
    [InlineData(720, "PT12H")]
    public void Iso_ShowsAWaitNormalised(int minutes, string expected) =>
        Assert.Equal(expected, EventValidator.Iso(TimeSpan.FromMinutes(minutes)));
}

using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;

namespace AftercareNudge.Tests.Dispatch;

public sealed partial class ReminderEmailTests
{
    // Tuesday 1 December 2026; Saturday is the 5th.
    private static readonly DateTimeOffset Tuesday = Utc("2026-12-01T09:00:00Z");

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);

    private static ReminderEmailInput Input(
        string zone = "Europe/London",
        string? starts = null,
        string? now = null,
        string? plan = "Water and a blanket.",
        IReadOnlyList<ReminderNeeds>? needs = null,
        IReadOnlyList<ReminderCheckIn>? stillToCome = null,
        string organizer = "Sam",
        string recipient = "Alex",
        bool recipientIsOrganizer = false)
    {
        var start = starts is null ? Utc("2026-12-05T19:00:00Z") : Utc(starts);
        return new ReminderEmailInput(
            organizer,
            recipient,
            recipientIsOrganizer,
            zone,
            now is null ? Tuesday : Utc(now),
            start,
            start.AddHours(4),
            plan,
            needs ?? [new("Sam", "Quiet time.", false), new("Alex", "A hug.", true)],
            stillToCome ?? [new("Alex", true, Channel.Sms, Utc("2026-12-05T23:30:00Z"))]);
    }

    /// <summary>The email as it leaves, after <c>UnsubscribeLinks</c> has appended its footer, with the optional end tags written out.</summary>
    /// <summary>The email as sent: its body in the email layout, with the unsubscribe footer.</summary>
    private static string AsSent(ReminderEmailContent email) =>
        UnsubscribeLinks.Document(email.Subject, email.Html, new Uri("https://example.test/api/unsubscribe/t?a=1&b=2"));

    private static XDocument ParseAsSent(ReminderEmailContent email)
    {
        var sent = AsSent(email);
        Assert.StartsWith("<!doctype html>\n", sent, StringComparison.Ordinal);
        // HTML's void elements, as the renderer writes them (<br>), closed for the XML reader.
        return XDocument.Parse(VoidElement().Replace(sent["<!doctype html>".Length..], "<$1$2 />"));
    }

    [GeneratedRegex("<(meta|br|hr)\\b([^>]*)>")]
    private static partial Regex VoidElement();

    private static string OneLine(string text) => text.Replace('\n', ' ');

    // ---- Subject ----

    [Theory]
    [InlineData("Europe/London", "2026-12-05T09:30:00Z", "Your plan for Saturday morning")]
    [InlineData("Europe/London", "2026-12-05T12:00:00Z", "Your plan for Saturday afternoon")]
    [InlineData("Europe/London", "2026-12-05T16:59:00Z", "Your plan for Saturday afternoon")]
    [InlineData("Europe/London", "2026-12-05T17:00:00Z", "Your plan for Saturday evening")]
    [InlineData("Europe/London", "2026-12-05T21:00:00Z", "Your plan for Saturday night")]
    [InlineData("Europe/London", "2026-12-06T01:00:00Z", "Your plan for Saturday night")]
    [InlineData("Europe/London", "2026-12-06T04:59:00Z", "Your plan for Saturday night")]
    [InlineData("Europe/London", "2026-12-06T05:00:00Z", "Your plan for Sunday morning")]
    [InlineData("America/New_York", "2026-12-06T01:00:00Z", "Your plan for Saturday evening")] // 20:00 EST, Sunday in UTC
    [InlineData("America/New_York", "2026-12-06T06:30:00Z", "Your plan for Saturday night")] // 01:30 EST on Sunday
    [InlineData("Australia/Sydney", "2026-12-05T08:00:00Z", "Your plan for Saturday evening")] // 19:00 AEDT
    [InlineData("Australia/Sydney", "2026-12-04T23:00:00Z", "Your plan for Saturday morning")] // 10:00 AEDT, Friday in UTC
    public void Subject_LocalStartInRecipientZone_NamesDayAndPartOfDay(string zone, string starts, string expected)
    {
        var email = ReminderEmail.Build(Input(zone, starts));

        Assert.Equal(expected, email.Subject);
    }

    [Theory]
    [InlineData("2026-03-28T16:30:00Z", "Your plan for Saturday afternoon")] // 16:30 GMT
    [InlineData("2026-03-29T16:30:00Z", "Your plan for Sunday evening")] // 17:30 BST: the clocks went forward at 01:00 UTC
    public void Subject_AcrossSpringForwardInLondon_UsesTheOffsetOfThatDay(string starts, string expected)
    {
        var email = ReminderEmail.Build(Input("Europe/London", starts, now: "2026-03-25T09:00:00Z"));

        Assert.Equal(expected, email.Subject);
    }

    [Theory]
    [InlineData("2026-11-01T05:30:00Z", "Your plan for Saturday night")] // 01:30 EDT on Sunday, the first of the two
    [InlineData("2026-11-01T06:30:00Z", "Your plan for Saturday night")] // 01:30 EST, the second
    [InlineData("2026-11-01T21:30:00Z", "Your plan for Sunday afternoon")] // 16:30 EST; in EDT it would have been evening
    public void Subject_AcrossFallBackInNewYork_UsesTheOffsetOfThatInstant(string starts, string expected)
    {
        var email = ReminderEmail.Build(Input("America/New_York", starts, now: "2026-10-28T14:00:00Z"));

        Assert.Equal(expected, email.Subject);
    }

    [Theory]
    [InlineData("2026-11-29T10:00:00Z", "Your plan for Saturday evening")] // six days away
    [InlineData("2026-11-28T10:00:00Z", "Your plan for 5 December")] // a week away: "Saturday" would be today too
    [InlineData("2026-11-24T09:00:00Z", "Your plan for 5 December")]
    public void Subject_MoreThanSixDaysAway_UsesTheDate(string now, string expected)
    {
        var email = ReminderEmail.Build(Input(now: now));

        Assert.Equal(expected, email.Subject);
    }

    [Fact]
    public void Subject_FarOffAndAfterMidnight_IsTheNightOfTheDayBefore()
    {
        var email = ReminderEmail.Build(Input(starts: "2026-12-06T01:00:00Z", now: "2026-11-24T09:00:00Z"));

        Assert.Equal("Your plan for the night of 5 December", email.Subject);
    }

    [Fact]
    public void Subject_AfterTheEventStarted_StillNamesItsDay()
    {
        var email = ReminderEmail.Build(Input(starts: "2026-12-05T22:00:00Z", now: "2026-12-06T01:00:00Z"));

        Assert.Equal("Your plan for Saturday night", email.Subject);
    }

    [Fact]
    public void Subject_NeverCarriesWhatPeopleWrote()
    {
        var email = ReminderEmail.Build(Input(
            plan: "Dinner with Alex, then the scene",
            organizer: "Sam <therapy>",
            recipient: "Alex",
            needs: [new("Alex", "kink aftercare", true)]));

        Assert.Equal("Your plan for Saturday evening", email.Subject);
    }

    [Fact]
    public void Build_UnknownZone_FallsBackToUtc()
    {
        var email = ReminderEmail.Build(Input("Mars/Olympus_Mons", "2026-12-06T01:00:00Z"));

        Assert.Equal("Your plan for Saturday night", email.Subject);
        Assert.Contains("When: Sun 6 Dec, 01:00–05:00 (UTC time)", email.Text, StringComparison.Ordinal);
    }

    // ---- Sender ----

    [Fact]
    public void SenderName_IsTheOrganizerViaAftercareNudge()
    {
        Assert.Equal("Sam via AftercareNudge", ReminderEmail.Build(Input()).SenderName);
    }

    [Fact]
    public void SenderName_NewLineInName_IsFlattened()
    {
        var email = ReminderEmail.Build(Input(organizer: "Sam\r\nBcc: x@example.com"));

        Assert.Equal("Sam Bcc: x@example.com via AftercareNudge", email.SenderName);
        Assert.DoesNotContain('\r', email.Text);
    }

    // ---- Times in the body ----

    [Fact]
    public void StillToCome_TimesInRecipientZone_SortedByDue()
    {
        var email = ReminderEmail.Build(Input(
            "America/New_York",
            "2026-12-06T00:00:00Z",
            stillToCome:
            [
                new("Sam", false, Channel.Email, Utc("2026-12-06T15:00:00Z")),
                new("Alex", true, Channel.Sms, Utc("2026-12-06T04:30:00Z")),
            ]));

        Assert.Contains("Still to come\nSat 23:30 — a text to you\nSun 10:00 — an email to Sam\n", email.Text, StringComparison.Ordinal);
        Assert.Contains("<li><strong>Sat 23:30</strong> — a text to you</li>", email.Html, StringComparison.Ordinal);
        Assert.Contains("<li><strong>Sun 10:00</strong> — an email to Sam</li>", email.Html, StringComparison.Ordinal);
        Assert.True(
            email.Html.IndexOf("Sat 23:30", StringComparison.Ordinal) < email.Html.IndexOf("Sun 10:00", StringComparison.Ordinal),
            "check-ins are listed in the order they come");
    }

    [Fact]
    public void StillToCome_AcrossSpringForward_ShowsTheNewWallClock()
    {
        var email = ReminderEmail.Build(Input(
            "Europe/London",
            "2026-03-28T20:00:00Z",
            now: "2026-03-25T09:00:00Z",
            stillToCome:
            [
                new("Alex", true, Channel.Sms, Utc("2026-03-29T00:30:00Z")),
                new("Alex", true, Channel.Sms, Utc("2026-03-29T01:30:00Z")),
            ]));

        Assert.Contains("Sun 00:30 — a text to you\nSun 02:30 — a text to you", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void StillToCome_MoreThanSixDaysAway_CarriesTheDate()
    {
        var email = ReminderEmail.Build(Input(stillToCome: [new("Sam", false, Channel.Email, Utc("2026-12-13T10:00:00Z"))]));

        Assert.Contains("Sun 13 Dec 10:00 — an email to Sam", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void StillToCome_None_SaysNothingElseIsScheduled()
    {
        var email = ReminderEmail.Build(Input(stillToCome: []));

        Assert.Contains("Still to come\nNothing else is scheduled.", email.Text, StringComparison.Ordinal);
        Assert.Contains(">Nothing else is scheduled.</p>", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<ul", email.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void EventTimes_InRecipientZone_WithTheZoneNamed()
    {
        var email = ReminderEmail.Build(Input("Australia/Sydney", "2026-12-05T08:00:00Z"));

        Assert.Contains("When: Sat 5 Dec, 19:00–23:00 (Australia/Sydney time)", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void EventTimes_AcrossMidnight_NameBothDays()
    {
        var email = ReminderEmail.Build(Input("Europe/London", "2026-12-05T22:00:00Z"));

        Assert.Contains("When: Sat 5 Dec 22:00 – Sun 6 Dec 02:00 (Europe/London time)", email.Text, StringComparison.Ordinal);
    }

    // ---- Sections ----

    [Fact]
    public void Text_FullPlan_HasEverySectionInOrder()
    {
        var email = ReminderEmail.Build(Input());

        Assert.StartsWith("Hi Alex,\n\nHere's what you agreed for after Saturday evening.\n", email.Text, StringComparison.Ordinal);
        string[] order = ["The plan\nWater and a blanket.", "What helps each of you", "Still to come", "How to stop", "not an emergency service", "-- \nSam asked AftercareNudge"];
        var positions = order.Select(s => email.Text.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.EndsWith("Sam asked AftercareNudge to send you this reminder, as you agreed.", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Needs_RecipientFirstAsYou_OthersInTheirOrder()
    {
        var email = ReminderEmail.Build(Input(needs:
        [
            new("Sam", "Quiet time.", false),
            new("Jo", "Tea.", false),
            new("Alex", "A hug.", true),
        ]));

        Assert.Contains("What helps each of you\n\nYou:\nA hug.\n\nSam:\nQuiet time.\n\nJo:\nTea.\n\n", email.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Alex:", email.Text, StringComparison.Ordinal);
        var you = email.Html.IndexOf(">You</h3>", StringComparison.Ordinal);
        var sam = email.Html.IndexOf(">Sam</h3>", StringComparison.Ordinal);
        var jo = email.Html.IndexOf(">Jo</h3>", StringComparison.Ordinal);
        Assert.True(you >= 0 && you < sam && sam < jo);
    }

    [Fact]
    public void Needs_PersonWithNothingWritten_IsLeftOut()
    {
        var email = ReminderEmail.Build(Input(needs: [new("Sam", "  \n ", false), new("Alex", "A hug.", true)]));

        Assert.DoesNotContain("Sam:", email.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(">Sam</h3>", email.Html, StringComparison.Ordinal);
        Assert.Contains("You:\nA hug.", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Needs_NoneWritten_SectionLeftOut()
    {
        var email = ReminderEmail.Build(Input(needs: [new("Sam", null, false), new("Alex", "", true)]));

        Assert.DoesNotContain("What helps each of you", email.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("What helps each of you", email.Html, StringComparison.Ordinal);
        Assert.Contains("The plan", email.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \r\n  ")]
    public void Plan_Empty_SectionLeftOut(string? plan)
    {
        var email = ReminderEmail.Build(Input(plan: plan));

        Assert.DoesNotContain("The plan", email.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("The plan", email.Html, StringComparison.Ordinal);
        Assert.Contains("Here's what you agreed", email.Text, StringComparison.Ordinal);
        Assert.Contains("What helps each of you", email.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void NothingWrittenDown_SaysSoAndStillListsWhatIsToCome()
    {
        var input = Input(plan: null, needs: []);
        var email = ReminderEmail.Build(input);

        Assert.False(input.HasPlan);
        Assert.StartsWith("Hi Alex,\n\nThis is your reminder for Saturday evening. No plan for afterwards was written down.\n", email.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Here's what you agreed", email.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("<h3", email.Html, StringComparison.Ordinal);
        Assert.Contains("Sat 23:30 — a text to you", email.Text, StringComparison.Ordinal);
        ParseAsSent(email);
    }

    [Fact]
    public void RecipientIsOrganizer_SaysYouAsked()
    {
        var email = ReminderEmail.Build(Input(recipient: "Sam", recipientIsOrganizer: true));

        Assert.StartsWith("Hi Sam,", email.Text, StringComparison.Ordinal);
        Assert.EndsWith("-- \nYou asked AftercareNudge to send you this reminder.", email.Text, StringComparison.Ordinal);
        Assert.Equal("Sam via AftercareNudge", email.SenderName);
    }

    [Fact]
    public void Greeting_NoRecipientName_IsPlainHi()
    {
        var email = ReminderEmail.Build(Input(recipient: "  "));

        Assert.StartsWith("Hi,\n\n", email.Text, StringComparison.Ordinal);
    }

    // ---- What people wrote ----

    [Fact]
    public void PlanAndNeeds_LineBreaks_ArePreservedInBothParts()
    {
        var email = ReminderEmail.Build(Input(
            plan: "  Water\r\nBlanket  \r\n\r\n\r\n\r\nQuiet time\n",
            needs: [new("Alex", "Hold my hand\nNo questions yet", true)]));

        Assert.Contains("The plan\nWater\nBlanket\n\nQuiet time\n\n", email.Text, StringComparison.Ordinal);
        Assert.Contains("You:\nHold my hand\nNo questions yet\n\n", email.Text, StringComparison.Ordinal);
        Assert.Contains(">Water<br>Blanket</p><p style=\"margin:0 0 12px\">Quiet time</p>", email.Html, StringComparison.Ordinal);
        Assert.Contains(">Hold my hand<br>No questions yet</p>", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', email.Text);
        Assert.DoesNotContain('\r', email.Html);
    }

    [Fact]
    public void Html_HostileInputEverywhere_IsEncoded()
    {
        const string Script = "<script>alert('x')</script>";
        var email = ReminderEmail.Build(Input(
            plan: Script + "\n<img src=x onerror=alert(1)>",
            organizer: Script,
            recipient: "<b>Alex</b>",
            needs: [new("<i>Jo</i>", Script, false), new("Alex", "\"quoted\" & <u>", true)],
            stillToCome: [new("<a href=x>Jo</a>", false, Channel.Email, Utc("2026-12-06T10:00:00Z"))]));

        Assert.DoesNotContain("<script", email.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", email.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<u>", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<a ", email.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;", email.Html, StringComparison.Ordinal);
        Assert.Contains("Hi &lt;b&gt;Alex&lt;/b&gt;,", email.Html, StringComparison.Ordinal);
        Assert.Contains("&quot;quoted&quot; &amp; &lt;u&gt;", email.Html, StringComparison.Ordinal);
        Assert.Contains("an email to &lt;a href=x&gt;Jo&lt;/a&gt;", email.Html, StringComparison.Ordinal);

        // Encoded text stays text: the document parses and carries the words as written.
        var document = ParseAsSent(email);
        Assert.Contains(Script, document.Root!.Value, StringComparison.Ordinal);
        Assert.Empty(document.Descendants("script"));
        Assert.Empty(document.Descendants("img"));
    }

    [Fact]
    public void Text_KeepsWhatPeopleWroteAsTyped()
    {
        var email = ReminderEmail.Build(Input(plan: "Tea & <quiet>"));

        Assert.Contains("The plan\nTea & <quiet>\n", email.Text, StringComparison.Ordinal);
    }

    // ---- Stopping and safety ----

    [Fact]
    public void StopAndNotAnEmergency_InBothParts()
    {
        var email = ReminderEmail.Build(Input());

        Assert.Contains(ReminderEmail.HowToStop, OneLine(email.Text), StringComparison.Ordinal);
        Assert.Contains(ReminderEmail.NotAnEmergency, OneLine(email.Text), StringComparison.Ordinal);
        var words = ParseAsSent(email).Root!.Value;
        Assert.Contains(ReminderEmail.HowToStop, words, StringComparison.Ordinal);
        Assert.Contains(ReminderEmail.NotAnEmergency, words, StringComparison.Ordinal);
        Assert.Equal("To stop these emails, use the link at the bottom. To stop texts, reply STOP to any of them.", ReminderEmail.HowToStop);
        Assert.Equal("AftercareNudge is not an emergency service. If anyone is in danger, call your local emergency number.", ReminderEmail.NotAnEmergency);
    }

    [Fact]
    public void StopAndNotAnEmergency_EvenWithNothingWrittenOrToCome()
    {
        var email = ReminderEmail.Build(Input(plan: null, needs: [], stillToCome: []));

        Assert.Contains(ReminderEmail.HowToStop, OneLine(email.Text), StringComparison.Ordinal);
        Assert.Contains(ReminderEmail.NotAnEmergency, OneLine(email.Text), StringComparison.Ordinal);
        Assert.Contains(WebUtilityEncode(ReminderEmail.NotAnEmergency), email.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_LinesAreShortExceptWhatPeopleWrote()
    {
        var email = ReminderEmail.Build(Input());

        Assert.All(email.Text.Split('\n'), line => Assert.True(line.Length <= 80, $"line too long: {line}"));
    }

    [Fact]
    public void Body_CarriesNoLinkOfItsOwn_TheUnsubscribeFooterIsAddedOnce()
    {
        var email = ReminderEmail.Build(Input());

        Assert.DoesNotContain("http", email.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a ", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("unsubscribe", email.Html, StringComparison.OrdinalIgnoreCase);
        Assert.False(email.Text.EndsWith('\n'), "the footer starts with its own blank line");
    }

    // ---- The HTML document ----

    [Fact]
    public void Html_IsAPhoneReadableSelfContainedDocument()
    {
        var email = ReminderEmail.Build(Input());
        var html = AsSent(email);

        Assert.StartsWith("<!doctype html>\n<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta charset=\"utf-8\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html, StringComparison.Ordinal);
        Assert.Contains("<title>Your plan for Saturday evening</title>", html, StringComparison.Ordinal);
        Assert.Contains("max-width:560px", html, StringComparison.Ordinal);
        Assert.Contains("line-height:1.5", html, StringComparison.Ordinal);
        Assert.Contains("-apple-system", html, StringComparison.Ordinal);

        // Nothing fetched when it is opened: no images, stylesheets, scripts, fonts or tracking.
        foreach (var banned in new[] { "<img", "<link", "<script", "<style", "src=", "url(", "@import" })
        {
            Assert.DoesNotContain(banned, html, StringComparison.OrdinalIgnoreCase);
        }

        // The one address in it is the unsubscribe link the layout adds, which nothing fetches.
        Assert.DoesNotContain("http", email.Html, StringComparison.OrdinalIgnoreCase);
        Assert.Single(Regex.Matches(html, "http", RegexOptions.IgnoreCase));
    }

    [Fact]
    public void Html_IsTheBody_TheLayoutPutsTheUnsubscribeFooterInsideIt()
    {
        var email = ReminderEmail.Build(Input());

        Assert.DoesNotContain("<body", email.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<html", email.Html, StringComparison.Ordinal);
        var body = ParseAsSent(email).Root!.Element("body")!;
        Assert.Equal("Stop every email from AftercareNudge", body.Elements().Last().Value);
    }

    [Fact]
    public void Html_AsSent_IsWellFormed_WithHeadingsAndOneColumn()
    {
        var email = ReminderEmail.Build(Input(
            needs: [new("Sam", "Quiet time.", false), new("Alex", "A hug.\nTea.", true)],
            stillToCome: [new("Alex", true, Channel.Sms, Utc("2026-12-05T23:30:00Z")), new("Sam", false, Channel.Email, Utc("2026-12-06T10:00:00Z"))]));

        var document = ParseAsSent(email);
        var root = document.Root!;
        Assert.Equal("html", root.Name.LocalName);
        Assert.Equal(["head", "body"], root.Elements().Select(e => e.Name.LocalName));
        var column = Assert.Single(root.Element("body")!.Elements("div"));
        Assert.Equal(
            ["The plan", "What helps each of you", "Still to come", "How to stop"],
            column.Elements("h2").Select(h => h.Value));
        Assert.Equal(["You", "Sam"], column.Elements("h3").Select(h => h.Value));
        Assert.Equal(2, column.Descendants("li").Count());

        // Inline styles only, every one well-formed enough to read.
        Assert.All(column.DescendantsAndSelf().Where(e => e.Attribute("style") is not null), e =>
            Assert.Matches(new Regex("^([a-z-]+:[^;\"]+)(;[a-z-]+:[^;\"]+)*$"), e.Attribute("style")!.Value));
    }

    private static string WebUtilityEncode(string text) => System.Net.WebUtility.HtmlEncode(text);
}

using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// Consent means what the person was shown: bound to the organiser's name and address, a "yes" in
/// other words is not a YES, HELP says how to reach whoever runs the service, and an email unsubscribe
/// can be undone on its own page.
/// </summary>
public sealed partial class ConsentAsShownTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string AlexEmail = "alex@example.com";

    [Fact]
    public async Task Register_SameNumberUnderAnotherOrganizerName_AsksAgainAndSendsNothingUnderTheOldGrant()
    {
        // Sam's own number agreed to Sam's check-ins.
        var sams = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(sams.Id)).Organizer.Consent["sms"]);

        // The same client registers the same number, with the organiser now named "Kit's bank".
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["name"] = "Kit's bank";
        body["checkIns"]![0]!["message"] = "Please call us back urgently.";
        var kits = await App.RegisterAsync(body);

        Assert.Equal(EventStatus.AwaitingConsent, kits.Status);
        Assert.Equal(ConsentState.Pending, kits.Organizer.Consent["sms"]);
        var requests = (await App.OutboxAsync(MessageKinds.ConsentRequest)).Where(m => m.To == Sam).ToList();
        Assert.Equal(2, requests.Count);
        Assert.Single(requests, m => m.Body.StartsWith("Kit's bank via AftercareNudge: ", StringComparison.Ordinal));

        // Nothing goes out under the grant given to "Sam".
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        var after = await App.GetEventAsync(kits.Id);
        Assert.Equal(CheckInStatus.Skipped, after.CheckIns[0].Status);
        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.CheckIn), m => m.Body.Contains("call us back", StringComparison.Ordinal));
        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(sams.Id)).CheckIns[0].Status);

        // The ledger says which name each line is about.
        var ledger = await App.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Sms, Sam, CancellationToken.None);
        Assert.Equal("Sam", Assert.Single(ledger, e => e.Action == "granted").OrganizerName);
        Assert.Equal(["Kit's bank", "Sam"], ledger.Where(e => e.Action == "requested").Select(e => e.OrganizerName).Order(StringComparer.Ordinal));
        Assert.NotEqual(
            ledger.Single(e => e.Action == "granted").OrganizerId,
            ledger.Single(e => e.Action == "requested" && e.OrganizerName == "Kit's bank").OrganizerId);
    }

    [Fact]
    public async Task Yes_AfterRequestsFromTwoNames_GrantsTheLatestOnly_AndTheLedgerNamesIt()
    {
        var sams = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        App.Time.Advance(TimeSpan.FromMinutes(1));
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["name"] = "Kit's bank";
        var kits = await App.RegisterAsync(body);

        var twiml = await App.ReplyAsync(Sam, "YES");

        // One YES answers one request: the one shown last. (Sam is the organiser: confirmed as Kit's bank, issue 21.)
        Assert.Contains("this number is confirmed for your plans as Kit's bank", twiml, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(kits.Id)).Organizer.Consent["sms"]);
        Assert.Equal(ConsentState.Pending, (await App.GetEventAsync(sams.Id)).Organizer.Consent["sms"]);
        var granted = (await App.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Sms, Sam, CancellationToken.None)).Where(e => e.Action == "granted");
        Assert.Equal(["Kit's bank"], granted.Select(e => e.OrganizerName));
    }

    [Fact]
    public async Task Register_SameNameInOtherCaseAndSpacing_IsTheSameOrganizer_AndIsNotAskedAgain()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["name"] = "  sam ";

        var again = await App.RegisterAsync(body);

        Assert.Equal(ConsentState.Granted, again.Organizer.Consent["sms"]);
        Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam);
    }

    [Fact]
    public async Task ConsentSms_SaysHowManyTextsAndWhen_InTheRecipientsZone_WithoutTheEventsWords()
    {
        var now = App.Time.GetUtcNow();
        var body = Requests.Dinner(now);
        var checkIns = body["checkIns"]!.AsArray();
        foreach (var hours in new[] { 6, 26, 30 })
        {
            checkIns.Add(new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["at"] = Requests.Local(now.AddHours(hours)), ["message"] = "Thinking of you after the date." });
        }

        await App.RegisterAsync(body);

        var sms = Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam).Body;
        Assert.Equal(
            "Sam via AftercareNudge: please confirm this number for your plans: the 4 check-in texts you planned (Tue 24 Nov 14:30, Tue 24 Nov 15:00, Wed 25 Nov 11:00 and 1 more), "
            + "replies and notices. "
            + "Reply YES to agree. Msg freq varies. Msg&data rates may apply. Reply HELP for help, STOP to opt out.",
            sms);
        Assert.True(sms.Length <= 306, $"{sms.Length} characters: more than two SMS segments.");
        foreach (var word in new[] { "Dinner", "date", "Thinking" })
        {
            Assert.DoesNotContain(word, sms, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task ConsentSms_ToAnotherPerson_ListsTheirTexts()
    {
        var now = App.Time.GetUtcNow();
        var body = Requests.Dinner(now);
        body["checkIns"]![1]!["channel"] = "sms";
        body["people"]![0]!["timeZone"] = "America/New_York";

        var view = await App.RegisterAsync(body);
        Assert.Equal(now.AddHours(25), view.CheckIns[1].DueAt);

        // "at" is Alex's own wall-clock time (05:00 in New York, 10:00 UTC), and the request says it as Alex reads it.
        var sms = Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == "+447911123457").Body;
        Assert.Equal("Sam via AftercareNudge: Sam would like to send you 1 check-in text around plans you made together: Wed 25 Nov 05:00. Reply YES to agree.", sms[..sms.IndexOf(" Msg freq", StringComparison.Ordinal)]);
    }

    [Fact]
    public async Task ConsentPage_ListsEveryPlannedEmail_WithItsTimeAndChannel_AndTheLedgerKeepsThatText()
    {
        var now = App.Time.GetUtcNow();
        var body = Requests.Dinner(now);
        body["checkIns"]!.AsArray().Add(new JsonObject { ["to"] = "alex", ["channel"] = "email", ["at"] = Requests.Local(now.AddHours(44)), ["message"] = "How are you doing?" });
        var view = await App.RegisterAsync(body);
        var url = ConsentLinks.PathIn(Assert.Single(await ConsentLinks.ConsentEmailsAsync(App, AlexEmail)).Body);
        var email = Assert.Single(await ConsentLinks.ConsentEmailsAsync(App, AlexEmail));

        var html = await PageAsync(await ConsentLinks.Browser(App).GetAsync(url, Ct));

        Assert.Contains("Sam would like to send you 2 check-in emails through AftercareNudge around plans you made together, the first on Wed 25 Nov 05:00.", email.Body, StringComparison.Ordinal);
        Assert.Contains("<p>Sam would like to send you 2 check-in emails around plans you made together:</p><ul class=\"planned\"><li>Wed 25 Nov 05:00, by email</li><li>Thu 26 Nov 05:00, by email</li></ul>", html, StringComparison.Ordinal);
        Assert.Contains("Times are in your time zone, Europe/London.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("How often depends", html, StringComparison.Ordinal);

        await ConsentLinks.PostFormAsync(App, url, ("decision", "agree"));
        var granted = Assert.Single(await App.LedgerAsync(Channel.Email, AlexEmail), e => e.Action == "granted");
        Assert.StartsWith("Sam would like to send you 2 check-in emails around plans you made together:\n- Wed 25 Nov 05:00, by email\n- Thu 26 Nov 05:00, by email\n", granted.ShownText, StringComparison.Ordinal);
        Assert.Equal("Sam", granted.OrganizerName);
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(view.Id)).People[0].Consent["email"]);
    }

    [Theory]
    [InlineData("yes please")]
    [InlineData("ok")]
    [InlineData("Sure")]
    [InlineData("yep")]
    [InlineData("Yes I agree")]
    public async Task PlainYes_WithAPendingRequest_IsNotConsent_AndGetsOneHintToReplyYes(string words)
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var first = await App.ReplyAsync(Sam, words);
        var second = await App.ReplyAsync(Sam, words);

        Assert.Equal("<Response><Message>AftercareNudge: To agree to check-ins from Sam, reply with just the word YES. Reply HELP for help, STOP to opt out.</Message></Response>", first);
        Assert.Equal("<Response></Response>", second);
        Assert.Equal(ConsentState.Pending, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
        Assert.DoesNotContain(
            await App.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Sms, Sam, CancellationToken.None),
            e => e.Action == "granted");

        // YES itself still agrees.
        await App.ReplyAsync(Sam, "YES!");
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task PlainYes_WithNoPendingRequest_IsAnOrdinaryReply_WithNoHint()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");

        var twiml = await App.ReplyAsync(Sam, "ok");

        Assert.DoesNotContain("reply with just the word YES", twiml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainYes_AfterANewRequest_GetsANewHint()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        Assert.Contains("reply with just the word YES", await App.ReplyAsync(Sam, "ok"), StringComparison.Ordinal);
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["name"] = "Jo";
        App.Time.Advance(TimeSpan.FromMinutes(1));
        await App.RegisterAsync(body);

        var twiml = await App.ReplyAsync(Sam, "ok");

        Assert.Contains("To agree to check-ins from Jo, reply with just the word YES.", twiml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_NamesTheServiceContact_InOneSms()
    {
        var twiml = await App.ReplyAsync("+447911123457", "HELP");

        var text = MessageOf(twiml);
        Assert.Equal($"AftercareNudge: check-in texts you agreed to. Msg freq varies. Msg&data rates may apply. Help: {AppFactory.ServiceContact}. Reply STOP to opt out.", text);
        Assert.True(text.Length <= 160, $"HELP is {text.Length} characters: more than one SMS.");
        Assert.True(text.All(c => char.IsAsciiLetterOrDigit(c) || " .:,'&@-".Contains(c, StringComparison.Ordinal)), "HELP has characters outside the GSM-7 basic set.");
    }

    [Fact]
    public async Task UnsubscribePage_AfterUnsubscribing_ShowsTheStateAndAWayBackIn_ThatIsRecordedAsAnOptIn()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "alex", Channel.Email);
        var url = await UnsubscribeUrlAsync();

        var before = await PageAsync(await ConsentLinks.Browser(App).GetAsync(url, Ct));
        Assert.Contains(WebUtility.HtmlEncode(ConsentPages.SubscribedState), before, StringComparison.Ordinal);
        Assert.DoesNotContain("Start receiving emails again", before, StringComparison.Ordinal);

        await ConsentLinks.PostFormAsync(App, url, ("List-Unsubscribe", "One-Click"));
        var unsubscribed = await PageAsync(await ConsentLinks.Browser(App).GetAsync(url, Ct));
        Assert.Contains(WebUtility.HtmlEncode(ConsentPages.UnsubscribedState), unsubscribed, StringComparison.Ordinal);
        Assert.Contains("name=\"action\" value=\"resubscribe\"", unsubscribed, StringComparison.Ordinal);
        Assert.Contains("Start receiving emails again</button>", unsubscribed, StringComparison.Ordinal);
        Assert.Equal(ConsentState.OptedOut, (await App.GetEventAsync(view.Id)).People[0].Consent["email"]);

        // Looking at the page changed nothing; pressing the button does.
        var back = await ConsentLinks.PostFormAsync(App, url, ("action", "resubscribe"));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Contains("You'll receive emails again", WebUtility.HtmlDecode(await back.Content.ReadAsStringAsync(Ct)), StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(view.Id)).People[0].Consent["email"]);
        var optedIn = Assert.Single(await App.LedgerAsync(Channel.Email, AlexEmail), e => e.Action == "opted-in");
        Assert.StartsWith("web:", optedIn.How, StringComparison.Ordinal);
        Assert.Equal(ConsentPages.ResubscribeText, optedIn.ShownText);
        Assert.Null(optedIn.OrganizerId);
        Assert.Contains(WebUtility.HtmlEncode(ConsentPages.SubscribedState), await PageAsync(await ConsentLinks.Browser(App).GetAsync(url, Ct)), StringComparison.Ordinal);

        // And the way out works again.
        await ConsentLinks.PostFormAsync(App, url, ("List-Unsubscribe", "One-Click"));
        Assert.Equal(ConsentState.OptedOut, (await App.GetEventAsync(view.Id)).People[0].Consent["email"]);
        Assert.Equal(2, (await App.LedgerAsync(Channel.Email, AlexEmail)).Count(e => e.Action == "opted-out"));
    }

    [Fact]
    public async Task Unsubscribe_OneClickWithAnyOtherBody_StillOnlyStops()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await UnsubscribeUrlAsync();
        await ConsentLinks.PostFormAsync(App, url, ("List-Unsubscribe", "One-Click"));

        // A one-click field wins over a resubscribe field; an empty body is a stop too.
        await ConsentLinks.PostFormAsync(App, url, ("List-Unsubscribe", "One-Click"), ("action", "resubscribe"));
        await ConsentLinks.Browser(App).PostAsync(url, null, Ct);

        Assert.Equal(ConsentState.OptedOut, (await App.GetEventAsync(view.Id)).People[0].Consent["email"]);
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, AlexEmail), e => e.Action == "opted-in");
    }

    private static async Task<string> PageAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    private async Task<string> UnsubscribeUrlAsync()
    {
        var email = (await ConsentLinks.ConsentEmailsAsync(App, AlexEmail))[0];
        return ConsentLinks.UnsubscribePathIn(email.Body);
    }

    private static string MessageOf(string twiml)
    {
        var match = MessagePattern().Match(twiml);
        Assert.True(match.Success, twiml);
        return WebUtility.HtmlDecode(match.Groups["text"].Value);
    }

    [GeneratedRegex("<Message>(?<text>.*)</Message>", RegexOptions.Singleline)]
    private static partial Regex MessagePattern();
}

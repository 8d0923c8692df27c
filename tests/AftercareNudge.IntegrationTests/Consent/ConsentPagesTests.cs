using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>The consent and unsubscribe pages, reached through the links in the emails the app really sent to the outbox.</summary>
public sealed partial class ConsentPagesTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "alex@example.com";

    [Fact]
    public async Task ConsentPage_Get_ShowsWhoAsksAndTheButtons_AndChangesNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();

        var response = await Browser().GetAsync(url, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPageHeaders(response);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\"", html, StringComparison.Ordinal);
        Assert.Contains("Sam would like to send you check-ins", html, StringComparison.Ordinal);
        Assert.Contains("Sam would like to send you 1 check-in email around plans you made together", html, StringComparison.Ordinal);
        Assert.Contains("<form method=\"post\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"decision\" value=\"agree\"", html, StringComparison.Ordinal);
        Assert.Contains("name=\"decision\" value=\"decline\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("://", html, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Pending, await AlexEmailConsentAsync(view.Id));
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, Alex), e => e.Action is "granted" or "declined");
    }

    [Fact]
    public async Task ConsentPage_PostAgree_GrantsAndLedgerKeepsThePageText()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();

        var response = await PostDecisionAsync(url, "agree");
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPageHeaders(response);
        Assert.Contains("you agreed", html, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, await AlexEmailConsentAsync(view.Id));
        var granted = Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "granted");
        Assert.StartsWith("web:", granted.How, StringComparison.Ordinal);
        Assert.StartsWith("Sam would like to send you 1 check-in email around plans you made together:\n- ", granted.ShownText, StringComparison.Ordinal);
        Assert.NotNull(granted.OrganizerId);

        var again = await (await Browser().GetAsync(url, Ct)).Content.ReadAsStringAsync(Ct);
        Assert.Contains("You agreed on 24 November 2026.", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsentPage_PostAgreeTwice_IsHarmless()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();

        var first = await PostDecisionAsync(url, "agree");
        var second = await PostDecisionAsync(url, "agree");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(ConsentState.Granted, await AlexEmailConsentAsync(view.Id));
        Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "granted");
    }

    [Fact]
    public async Task ConsentPage_PostDecline_Declines()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();

        var response = await PostDecisionAsync(url, "decline");
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("You won't get check-in emails from Sam.", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Equal(ConsentState.Declined, await AlexEmailConsentAsync(view.Id));
        var declined = Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "declined");
        Assert.StartsWith("web:", declined.How, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsentPage_PostAgreeThenDecline_TheLaterAnswerStands()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();

        await PostDecisionAsync(url, "agree");
        App.Time.Advance(TimeSpan.FromMinutes(1));
        await PostDecisionAsync(url, "decline");

        Assert.Equal(ConsentState.Declined, await AlexEmailConsentAsync(view.Id));
        Assert.Equal(new[] { "declined", "granted" }, (await App.LedgerAsync(Channel.Email, Alex)).Where(e => e.Action is "granted" or "declined").Select(e => e.Action).ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("maybe")]
    public async Task ConsentPage_PostWithoutAValidDecision_Is400AndRecordsNothing(string decision)
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();

        var response = await PostDecisionAsync(url, decision);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertPageHeaders(response);
        Assert.Contains("Please choose Agree or Decline", html, StringComparison.Ordinal);
        Assert.Contains("name=\"decision\" value=\"agree\"", html, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Pending, await AlexEmailConsentAsync(view.Id));
    }

    [Fact]
    public async Task ConsentPage_PostWithNoBodyAtAll_Is400()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();

        var response = await Browser().PostAsync(url, null, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/consent/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/api/consent/short")]
    [InlineData("/api/consent/not%20a%20token%3Cscript%3E")]
    [InlineData("/api/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Pages_UnknownToken_AreAFriendly404(string url)
    {
        var get = await Browser().GetAsync(url, Ct);
        var post = await Browser().PostAsync(url, Form(("decision", "agree"), ("List-Unsubscribe", "One-Click")), Ct);

        foreach (var response in new[] { get, post })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            AssertPageHeaders(response);
            Assert.Contains("This link doesn't work", WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct)), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/api/consent/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/api/unsubscribe/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task Pages_UnknownToken_GiveTheDeploymentsHelpContact(string url)
    {
        var get = await Browser().GetAsync(url, Ct);
        var post = await Browser().PostAsync(url, Form(("decision", "agree"), ("List-Unsubscribe", "One-Click")), Ct);

        foreach (var response in new[] { get, post })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var text = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Ct));
            Assert.Contains($"If you need help, contact whoever runs this service: {AppFactory.ServiceContact}</p>", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConsentPage_TokenOfTheOtherPurpose_Is404()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var unsubscribe = await UnsubscribeUrlAsync();
        var consent = await ConsentUrlAsync();

        var asConsent = await Browser().GetAsync(unsubscribe.Replace("/api/unsubscribe/", "/api/consent/", StringComparison.Ordinal), Ct);
        var asUnsubscribe = await Browser().PostAsync(consent.Replace("/api/consent/", "/api/unsubscribe/", StringComparison.Ordinal), Form(("List-Unsubscribe", "One-Click")), Ct);

        Assert.Equal(HttpStatusCode.NotFound, asConsent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, asUnsubscribe.StatusCode);
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-out");
    }

    [Fact]
    public async Task ConsentPage_ExpiredToken_Is410AndRecordsNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();
        App.Time.Advance(TimeSpan.FromDays(15));

        var get = await Browser().GetAsync(url, Ct);
        var post = await PostDecisionAsync(url, "agree");

        Assert.Equal(HttpStatusCode.Gone, get.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, post.StatusCode);
        AssertPageHeaders(post);
        Assert.Contains("This link has expired", await post.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Contains(AppFactory.ServiceContact, await get.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(ConsentState.Pending, await AlexEmailConsentAsync(view.Id));
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, Alex), e => e.Action is "granted" or "declined");
    }

    [Fact]
    public async Task ConsentPage_OrganizerNameWithMarkup_IsEncoded()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["name"] = "<b>Sam</b> & \"co\"";
        await App.RegisterAsync(body);
        var url = await ConsentUrlAsync();

        var get = await (await Browser().GetAsync(url, Ct)).Content.ReadAsStringAsync(Ct);
        var declined = await (await PostDecisionAsync(url, "decline")).Content.ReadAsStringAsync(Ct);

        foreach (var html in new[] { get, declined })
        {
            Assert.Contains("&lt;b&gt;Sam&lt;/b&gt; &amp; &quot;co&quot;", html, StringComparison.Ordinal);
            Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ConsentPage_AfterAnEmailOptOut_SaysSo_AndAgreeDoesNotLiftIt()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await ConsentUrlAsync();
        await Browser().PostAsync(await UnsubscribeUrlAsync(), Form(("List-Unsubscribe", "One-Click")), Ct);

        var page = await (await Browser().GetAsync(url, Ct)).Content.ReadAsStringAsync(Ct);
        var agreed = await PostDecisionAsync(url, "agree");

        Assert.Contains("This address is opted out of every email from AftercareNudge", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, agreed.StatusCode);
        Assert.Contains("still opted out", await agreed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(ConsentState.OptedOut, await AlexEmailConsentAsync(view.Id));
        Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "granted");
    }

    [Fact]
    public async Task UnsubscribePage_Get_ShowsAStopForm_AndChangesNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await UnsubscribeUrlAsync();

        var response = await Browser().GetAsync(url, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertPageHeaders(response);
        Assert.Contains("<form method=\"post\">", html, StringComparison.Ordinal);
        Assert.Contains("name=\"List-Unsubscribe\" value=\"One-Click\"", html, StringComparison.Ordinal);
        Assert.Contains("Stop every email</button>", html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(UnsubscribeLinks.UnsubscribePageText), html, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Pending, await AlexEmailConsentAsync(view.Id));
        Assert.Equal(CheckInStatus.Scheduled, (await App.GetEventAsync(view.Id)).CheckIns[1].Status);
    }

    [Fact]
    public async Task Unsubscribe_OneClickPost_OptsOutForEveryOrganizer_AndSkipsPendingEmail()
    {
        var sams = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var other = Requests.Dinner(App.Time.GetUtcNow());
        other["organizer"] = new JsonObject { ["name"] = "Jo", ["phone"] = "+14155550123", ["email"] = "jo@example.com" };
        var jos = await App.RegisterAsync(other);
        await App.GrantAsync(sams, "alex", Channel.Email);
        var url = ConsentLinks.UnsubscribePathIn((await ConsentEmailsAsync())[0].Body);

        // As a mail client sends it (RFC 8058): form-encoded, no cookies, redirects not followed.
        var response = await Browser().PostAsync(url, Form(("List-Unsubscribe", "One-Click")), Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Headers.Location);
        AssertPageHeaders(response);
        Assert.Contains("You're unsubscribed", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        foreach (var id in new[] { sams.Id, jos.Id })
        {
            var view = await App.GetEventAsync(id);
            Assert.Equal(ConsentState.OptedOut, view.People.Single().Consent["email"]);
            var email = view.CheckIns.Single(c => c.Channel == Channel.Email);
            Assert.Equal(CheckInStatus.Skipped, email.Status);
            Assert.Equal("opted-out", email.Reason);
            Assert.Equal(CheckInStatus.Scheduled, view.CheckIns.Single(c => c.Channel == Channel.Sms).Status);
        }

        var optOut = Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-out");
        Assert.Null(optOut.OrganizerId);
        Assert.StartsWith("web:", optOut.How, StringComparison.Ordinal);
        Assert.Equal(UnsubscribeLinks.UnsubscribePageText, optOut.ShownText);
    }

    [Fact]
    public async Task Unsubscribe_RepeatedPost_IsHarmless()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var url = await UnsubscribeUrlAsync();

        var first = await Browser().PostAsync(url, Form(("List-Unsubscribe", "One-Click")), Ct);
        var second = await Browser().PostAsync(url, Form(("List-Unsubscribe", "One-Click")), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(ConsentState.OptedOut, after.People.Single().Consent["email"]);
        Assert.Equal(CheckInStatus.Skipped, after.CheckIns[1].Status);
        Assert.Equal("opted-out", after.CheckIns[1].Reason);
    }

    private static void AssertPageHeaders(HttpResponseMessage response)
    {
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.True(response.Headers.CacheControl?.NoStore, "Cache-Control: no-store is missing.");
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("noindex", Assert.Single(response.Headers.GetValues("X-Robots-Tag")));
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    /// <summary>A browser or mail client arriving from an email: no cookies, no API key, redirects not followed.</summary>
    private HttpClient Browser() => App.CreateBrowser();

    private Task<HttpResponseMessage> PostDecisionAsync(string url, string decision) =>
        Browser().PostAsync(url, Form(("decision", decision)), Ct);

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));

    private async Task<IReadOnlyList<OutboxMessage>> ConsentEmailsAsync() =>
        (await App.Services.GetRequiredService<OutboxSender>().ListAsync(1000, Ct))
            .Where(m => m is { Kind: MessageKinds.ConsentRequest, Channel: "email", To: Alex })
            .ToList();

    private async Task<OutboxMessage> ConsentEmailAsync() => Assert.Single(await ConsentEmailsAsync());

    private async Task<string> ConsentUrlAsync() => ConsentLinks.PathIn((await ConsentEmailAsync()).Body);

    private async Task<string> UnsubscribeUrlAsync() => ConsentLinks.UnsubscribePathIn((await ConsentEmailAsync()).Body);

    private async Task<ConsentState> AlexEmailConsentAsync(string eventId) =>
        (await App.GetEventAsync(eventId)).People.Single(p => p.Key == "alex").Consent["email"];
}

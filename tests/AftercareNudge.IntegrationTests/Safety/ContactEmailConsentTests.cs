using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// A trusted contact with only an email is asked by email: the alert email and the all-clear word for
/// word, from when, and a link to their page. Opening the link changes nothing (mail scanners open
/// every link); the page's POST records Agree, with whether an alert may reach them in their quiet
/// hours (a choice they must make), or Decline, under their consent id of its own.
/// </summary>
public sealed partial class ContactEmailConsentTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Jo = "jo@example.com";
    private const string Lee = "+447911000333";
    private const string LeeEmail = "lee@example.com";

    protected override AppFactory CreateApp() => new(Azurite);

    [Fact]
    public async Task EmailOnlyContact_IsAskedByEmail_WithTheAlertWordForWord_AndALink_AndNothingElse()
    {
        var (view, _) = await ArmedAsync();

        var toJo = (await App.OutboxAsync()).Where(m => m.To == Jo).ToList();
        var request = Assert.Single(toJo);
        Assert.Equal(("email", MessageKinds.ConsentRequest, "Sam chose you as a trusted contact"), (request.Channel, request.Kind, request.Subject));
        Assert.StartsWith(
            "Sam chose you as a trusted contact on AftercareNudge. If Sam does not answer a check-in, we would email you, at the earliest 15:00 (your time, Etc/UTC).\n\n"
            + "The alert would have the subject \"Sam has not answered a check-in\" and say:\n\n"
            + "\"Sam asked us to tell you if they did not answer a check-in. They were expected to answer by 14:50 and have not. Their note: \"at the Crown\". Please try to reach Sam. If you think they are in danger, call your local emergency number: we are not an emergency service.\"\n\n"
            + "If they answer later, you would get \"All clear: Sam answered\":\n\n"
            + "\"AftercareNudge: All clear: Sam answered their check-in at 15:10. Thank you for being there. Reply STOP to opt out.\"\n\n"
            + "If an alert comes, you would be asked to try to reach Sam. We are not an emergency service: if you think Sam is in danger, call your local emergency number.\n\n",
            request.Body);
        Assert.Matches(ContactLink(), request.Body);
        var html = await App.CreateBrowser().GetStringAsync($"/api/dev/outbox/{request.Id}", Ct);
        Assert.Contains(PathIn(request.Body), WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Contains("Sam has not answered a check-in", WebUtility.HtmlDecode(html), StringComparison.Ordinal);

        // A contact with a phone and an email is asked by SMS only, as the alert goes.
        Assert.Equal(["sms"], (await App.OutboxAsync()).Where(m => m.To is Lee or LeeEmail).Select(m => m.Channel));
        var requested = Assert.Single(await App.LedgerAsync(Channel.Email, Jo));
        Assert.Equal("email-contact-request:" + view.Id, requested.How);
        Assert.StartsWith(requested.ShownText, request.Body, StringComparison.Ordinal);
        Assert.Contains(PathIn(request.Body), requested.ShownText, StringComparison.Ordinal);
        Assert.StartsWith(SafetyLadder.ContactConsentPrefix + view.Id + ":jo:", requested.OrganizerId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheLink_OpenedWithAPlainGet_ShowsThePage_AndChangesNothing()
    {
        var (view, _) = await ArmedAsync();
        var before = await StateAsync(view.Id);

        var page = await App.CreateBrowser().GetAsync(await PathAsync(), Ct);
        var text = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<h1>Sam chose you as a trusted contact</h1>", text, StringComparison.Ordinal);
        Assert.Contains("Please try to reach Sam.", text, StringComparison.Ordinal);
        Assert.Contains("Your quiet hours are 14:00 to 16:00, in your time zone, Etc/UTC.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("checked", text, StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync(view.Id));
    }

    [Fact]
    public async Task Agree_AllowingAlertsAtNight_RecordsTheTerms_AndTheAlertReachesThemByEmailInTheirQuietHours()
    {
        var (view, due) = await ArmedAsync();
        var path = await PathAsync();

        var agreed = await ConsentLinks.PostFormAsync(App, path, ("decision", "agree"), ("night", "allow"));

        Assert.Equal(HttpStatusCode.OK, agreed.StatusCode);
        Assert.Contains("Thank you, you agreed", await agreed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var jo = await ContactAsync(view.Id);
        Assert.Equal((true, true), (jo.AgreedAlerts is not null, jo.AlertsInQuietHours));
        var granted = Assert.Single(await App.LedgerAsync(Channel.Email, Jo), e => e.Action == "granted");
        Assert.Equal(SafetyLadder.ContactConsentId(view.Id, "jo", jo.AgreedAlerts!), granted.OrganizerId);
        Assert.StartsWith("web:", granted.How, StringComparison.Ordinal);
        Assert.StartsWith("Sam chose you as a trusted contact on AftercareNudge.", granted.ShownText, StringComparison.Ordinal);

        var again = WebUtility.HtmlDecode(await App.CreateBrowser().GetStringAsync(path, Ct));
        Assert.Contains("You agreed. You can change your answer below.", again, StringComparison.Ordinal);

        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(30));
        await App.DispatchAsync();
        var alert = Assert.Single(await App.OutboxAsync(MessageKinds.Alert));
        Assert.Equal(("email", Jo, "Sam has not answered a check-in"), (alert.Channel, alert.To, alert.Subject));
        Assert.StartsWith("Sam asked us to tell you if they did not answer a check-in. They were expected to answer by 14:50 and have not.", alert.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agree_HoldingAlertsAtNight_TheAlertWaitsForTheEndOfTheirQuietHours()
    {
        var (view, due) = await ArmedAsync();

        await ConsentLinks.PostFormAsync(App, await PathAsync(), ("decision", "agree"), ("night", "hold"));
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(30));
        await App.DispatchAsync();

        Assert.Equal(false, (await ContactAsync(view.Id)).AlertsInQuietHours);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Alert));
        var held = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Alert && c.To == "jo");
        Assert.Equal((CheckInStatus.Scheduled, "quiet-hours"), (held.Status, held.Reason));
    }

    [Fact]
    public async Task Decline_IsRecorded_AndNoAlertReachesThem()
    {
        var (view, due) = await ArmedAsync();

        var declined = await ConsentLinks.PostFormAsync(App, await PathAsync(), ("decision", "decline"));

        Assert.Equal(HttpStatusCode.OK, declined.StatusCode);
        Assert.Contains("You won&#x27;t be told anything about Sam&#x27;s check-ins.", await declined.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Null((await ContactAsync(view.Id)).AgreedAlerts);
        Assert.Single(await App.LedgerAsync(Channel.Email, Jo), e => e.Action == "declined");
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(30));
        await App.DispatchAsync();
        Assert.Empty(await App.OutboxAsync(MessageKinds.Alert));
    }

    [Fact]
    public async Task Agree_WithoutTheQuietHoursChoice_ShowsThePageAgainWithTheProblem_AndRecordsNothing()
    {
        var (view, _) = await ArmedAsync();
        var before = await StateAsync(view.Id);

        var refused = await ConsentLinks.PostFormAsync(App, await PathAsync(), ("decision", "agree"));
        var text = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync(Ct));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("To agree, please say whether an alert may reach you in your quiet hours. Nothing was recorded.", text, StringComparison.Ordinal);
        Assert.Contains("name=\"night\"", text, StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync(view.Id));
    }

    [Fact]
    public async Task TermsChangedSinceTheEmail_NothingCanBeAgreed_AndNothingIsRecorded()
    {
        var (view, _) = await ArmedAsync();
        var path = await PathAsync();
        await App.Services.GetRequiredService<EventStore>().ChangeEventAsync(view.Id, e => e with { Organizer = e.Organizer with { Name = "Samantha" } }, Ct);
        var before = await StateAsync(view.Id);

        var refused = await ConsentLinks.PostFormAsync(App, path, ("decision", "agree"), ("night", "allow"));

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("changed the check-ins after this email was sent, so nothing can be agreed here and nothing was recorded", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync(Ct)), StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync(view.Id));
    }

    [Fact]
    public async Task UnknownOrExpiredLink_GetsTheCalmPages_AndRecordsNothing()
    {
        var (view, _) = await ArmedAsync();
        var path = await PathAsync();
        var before = await StateAsync(view.Id);

        var unknown = await ConsentLinks.PostFormAsync(App, path[..^4] + "AAAA", ("decision", "agree"), ("night", "allow"));
        App.Time.Advance(LinkTokens.ConsentLifetime + TimeSpan.FromMinutes(1));
        var expired = await ConsentLinks.PostFormAsync(App, path, ("decision", "agree"), ("night", "allow"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("This link doesn", await unknown.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Contains("This link has expired", await expired.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync(view.Id));
    }

    private async Task<string> PathAsync() => PathIn(Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo).Body);

    private static string PathIn(string body) => ContactLink().Match(body).Groups["path"].Value;

    private async Task<Participant> ContactAsync(string eventId) =>
        (await App.Services.GetRequiredService<EventStore>().GetEventAsync(eventId, Ct))!.Find("jo")!;

    /// <summary>What a GET could change: the event as its client sees it and as stored, and the contact's ledger.</summary>
    private async Task<string> StateAsync(string eventId)
    {
        var state = new StringBuilder(await App.CreateClient(AppFactory.ClientAKey).GetStringAsync($"/api/events/{eventId}", Ct));
        state.Append('\n').Append(await ContactAsync(eventId));
        foreach (var entry in await App.LedgerAsync(Channel.Email, Jo))
        {
            state.Append('\n').Append(entry);
        }

        return state.ToString();
    }

    /// <summary>
    /// The organiser's own SMS check-in, due at 14:30 and armed with two trusted contacts registered
    /// through the API: Jo with only an email, and Lee with a phone and an email; both with quiet hours
    /// 14:00 to 16:00, when the alert (15:00) would come.
    /// </summary>
    private async Task<(EventView View, DateTimeOffset Due)> ArmedAsync()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["email"] = Jo, ["timeZone"] = "Etc/UTC", ["quietHours"] = "14:00-16:00", ["role"] = "trustedContact" });
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "lee", ["name"] = "Lee", ["phone"] = Lee, ["email"] = LeeEmail, ["timeZone"] = "Etc/UTC", ["quietHours"] = "14:00-16:00", ["role"] = "trustedContact" });
        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee"), ["note"] = "at the Crown" };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        return (view, view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).DueAt);
    }

    [GeneratedRegex(@"https://aftercare\.example\.org(?<path>/api/safety/contact/[A-Za-z0-9_-]+)")]
    private static partial Regex ContactLink();
}

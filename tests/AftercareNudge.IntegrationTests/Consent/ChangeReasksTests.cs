using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// A change re-asks: a PATCH that moves or rewords a check-in to someone whose consent is still pending
/// sends a fresh request showing the new plan, which replaces the old one (a YES then agrees to what the
/// new one showed; the old consent link says the plans changed). Where the daily cap holds the fresh
/// request back, the organiser is told, and no answer to the old request counts.
/// </summary>
public sealed class ChangeReasksTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string AlexPhone = "+447911123457";
    private const string AlexEmail = "alex@example.com";

    [Fact]
    public async Task Patch_MovingAPendingPersonsText_AsksAgainWithTheNewTime_AndYesAgreesToWhatTheNewRequestShowed()
    {
        var view = await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()));
        var first = Assert.Single(await RequestsToAsync(AlexPhone));

        var moved = await PatchAsync(view.Id, new JsonArray
        {
            new JsonObject { ["id"] = view.CheckIns[0].Id },
            new JsonObject { ["id"] = view.CheckIns[1].Id, ["at"] = Requests.Local(App.Time.GetUtcNow().AddHours(22)) },
        });

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var requests = await RequestsToAsync(AlexPhone);
        Assert.Equal(2, requests.Count);
        var fresh = Assert.Single(requests, r => r.Body != first.Body);
        Assert.Contains("07:00", fresh.Body, StringComparison.Ordinal);

        await App.ReplyAsync(AlexPhone, "YES");

        var granted = Assert.Single(await App.LedgerAsync(Channel.Sms, AlexPhone), e => e.Action == "granted");
        Assert.Equal(fresh.Body, granted.ShownText);
    }

    [Fact]
    public async Task Patch_RewordingAPendingPersonsEmail_AsksAgain_AndTheOldLinkSaysThePlansChanged_RecordingNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var oldLink = await ConsentLinks.OnlyPathAsync(App, AlexEmail);

        await PatchAsync(view.Id, new JsonArray
        {
            new JsonObject { ["id"] = view.CheckIns[0].Id },
            new JsonObject { ["id"] = view.CheckIns[1].Id, ["at"] = Requests.Local(App.Time.GetUtcNow().AddHours(21)) },
        });

        var emails = await ConsentLinks.ConsentEmailsAsync(App, AlexEmail);
        Assert.Equal(2, emails.Count);
        var newLink = Assert.Single(emails.Select(e => ConsentLinks.PathIn(e.Body)), path => path != oldLink);
        var oldPage = await App.CreateBrowser().GetAsync(oldLink, Ct);
        var oldAgree = await ConsentLinks.PostFormAsync(App, oldLink, ("decision", "agree"));
        Assert.Equal(HttpStatusCode.Gone, oldPage.StatusCode);
        Assert.Contains("A newer email shows them as they are now", await oldPage.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Gone, oldAgree.StatusCode);
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, AlexEmail), e => e.Action == "granted");

        Assert.Equal(HttpStatusCode.OK, (await ConsentLinks.PostFormAsync(App, newLink, ("decision", "agree"))).StatusCode);
        var granted = Assert.Single(await App.LedgerAsync(Channel.Email, AlexEmail), e => e.Action == "granted");
        Assert.Contains("06:00", granted.ShownText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_WhenTheDailyCapHoldsTheFreshRequest_TellsTheOrganizer_AndNoAnswerToTheOldRequestCounts()
    {
        var view = await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()));
        await App.ReplyAsync("+447911123456", "YES");

        // Two other organisers ask Alex too: three requests today, the most one address gets.
        await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow(), "Jo", "+447911123458"));
        await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow(), "Kim", "+447911123459"));
        Assert.Equal(ConsentStore.MaxRequestsPerDay, (await RequestsToAsync(AlexPhone)).Count);

        await PatchAsync(view.Id, new JsonArray
        {
            new JsonObject { ["id"] = view.CheckIns[0].Id },
            new JsonObject { ["id"] = view.CheckIns[1].Id, ["message"] = "Thinking of you. Text back if you want to talk." },
        });

        Assert.Equal(ConsentStore.MaxRequestsPerDay, (await RequestsToAsync(AlexPhone)).Count);
        var told = Assert.Single(await App.OutboxAsync(MessageKinds.Notice), m => m.To == "+447911123456");
        Assert.Contains("Alex has had as many requests from us as we send in a day", told.Body, StringComparison.Ordinal);

        // Alex's YES answers Kim's request, the latest open one; Sam's old request no longer counts.
        await App.ReplyAsync(AlexPhone, "YES");
        await App.ReplyAsync(AlexPhone, "YES");
        await App.ReplyAsync(AlexPhone, "YES");
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(ConsentState.Pending, after.People.Single().Consent["sms"]);
        Assert.Equal(EventStatus.AwaitingConsent, after.Status);
    }

    private async Task<List<OutboxMessage>> RequestsToAsync(string to) =>
        [.. (await App.OutboxAsync(MessageKinds.ConsentRequest)).Where(m => m.To == to)];

    private async Task<HttpResponseMessage> PatchAsync(string id, JsonArray checkIns)
    {
        // A change comes a moment after what it changes, as on a real clock.
        App.Time.Advance(TimeSpan.FromSeconds(1));
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{id}") { Content = JsonContent.Create(new JsonObject { ["checkIns"] = checkIns }, options: AppFactory.Json) };
        var response = await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return response;
    }
}

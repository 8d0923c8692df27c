using System.Net;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// A cancelled event asks nothing: its consent link and its still-open SMS request say it was cancelled
/// and record nothing (an answer recorded then would be the organiser's consent for their next event),
/// and the requests the daily cap held back for it are dropped.
/// </summary>
public sealed class CancelledEventConsentTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "alex@example.com";
    private const string AlexPhone = "+447911123457";

    [Fact]
    public async Task ConsentLink_OfACancelledEvent_SaysSo_RecordsNothing_AndTheOrganizersNextEventAsksAgain()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var path = await ConsentLinks.OnlyPathAsync(App, Alex);
        await CancelAsync(view.Id);

        var page = await App.CreateBrowser().GetAsync(path, Ct);
        var html = await page.Content.ReadAsStringAsync(Ct);
        var agreed = await ConsentLinks.PostFormAsync(App, path, ("decision", "agree"));
        var agreedHtml = await agreed.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sam cancelled these plans", html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"decision\"", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, agreed.StatusCode);
        Assert.Contains("nothing was recorded", agreedHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "granted");

        var next = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        Assert.Equal(ConsentState.Pending, next.People.Single().Consent["email"]);
        Assert.Equal(2, (await ConsentLinks.ConsentEmailsAsync(App, Alex)).Count);
    }

    [Fact]
    public async Task SmsYes_ToTheRequestOfACancelledEvent_SaysSo_RecordsNothing_AndASecondYesFindsNothingOpen()
    {
        var view = await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()));
        await CancelAsync(view.Id);

        var answer = await App.ReplyAsync(AlexPhone, "YES");
        var again = await App.ReplyAsync(AlexPhone, "YES");

        Assert.Contains("Sam cancelled those plans, so there is nothing to answer and nothing was recorded.", answer, StringComparison.Ordinal);
        Assert.Contains(ConsentWording.SmsNothingPending, again, StringComparison.Ordinal);
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Sms, AlexPhone), e => e.Action == "granted");
        var next = await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()));
        Assert.Equal(ConsentState.Pending, next.People.Single().Consent["sms"]);
    }

    [Fact]
    public async Task HeldConsentRequests_OfACancelledEvent_AreDropped_AndNeverSent()
    {
        // The daily cap is three requests an address: the fourth event's request to Alex is held.
        var views = new List<string>();
        for (var i = 0; i < ConsentStore.MaxRequestsPerDay + 1; i++)
        {
            views.Add((await App.RegisterAsync(Requests.DinnerTextingAlex(App.Time.GetUtcNow()))).Id);
        }

        Assert.Contains("alex", await HeldForAsync(views[^1]));

        await CancelAsync(views[^1]);
        var heldAfterCancel = await HeldForAsync(views[^1]);
        App.Time.Advance(TimeSpan.FromDays(1));
        await App.RunTimerAsync("SendHeldConsentRequests");

        Assert.Empty(heldAfterCancel);
        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.EventId == views[^1]);
    }

    private async Task CancelAsync(string eventId) =>
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{eventId}", Ct)).StatusCode);

    private async Task<List<string>> HeldForAsync(string eventId)
    {
        var table = await App.Services.GetRequiredService<AppTables>().GetAsync(AppTables.HeldConsentRequests, Ct);
        return await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"held"} and EventId eq {eventId}"), cancellationToken: Ct)
            .Select(r => r.GetString("PersonKey"))
            .ToListAsync(Ct);
    }
}

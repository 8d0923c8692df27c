using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// Two client apps each have an organiser called Sam who plans check-ins to the same person, Alex. One
/// YES or NO answers one request (the latest still open) and says whose it was; a reply goes only to
/// the organiser whose check-in it answers, and when both wrote within a day the service asks which.
/// </summary>
public sealed class TwoClientsTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "+447911123457";
    private const string SamA = "+447911123456";
    private const string SamB = "+447911123458";
    private const string Words = "honestly not great, can you call me";

    [Fact]
    public async Task Yes_AfterRequestsFromTwoClientsSams_GrantsOnlyTheLatest_NamesItsApp_AndAsksTheOtherAgain()
    {
        var alpha = await RegisterAsync(AppFactory.ClientAKey, SamA);
        App.Time.Advance(TimeSpan.FromMinutes(1));
        var beta = await RegisterAsync(AppFactory.ClientBKey, SamB);

        var twiml = await App.ReplyAsync(Alex, "YES");

        Assert.Contains("Thanks, you'll get the check-ins Sam (clientB) arranged.", twiml, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, (await GetAsync(AppFactory.ClientBKey, beta.Id)).People[0].Consent["sms"]);
        Assert.Equal(ConsentState.Pending, (await GetAsync(AppFactory.ClientAKey, alpha.Id)).People[0].Consent["sms"]);

        // A second YES at once does not answer the request Alex was not shown last.
        Assert.Contains("nothing waiting for your answer", await App.ReplyAsync(Alex, "yes"), StringComparison.Ordinal);
        Assert.Equal(ConsentState.Pending, (await GetAsync(AppFactory.ClientAKey, alpha.Id)).People[0].Consent["sms"]);

        // Alpha's request is asked again in turn; then a YES answers it.
        var before = (await RequestsToAsync(Alex)).Count;
        App.Time.Advance(TimeSpan.FromMinutes(5));
        await App.RunTimerAsync("SendHeldConsentRequests");
        Assert.Equal(before + 1, (await RequestsToAsync(Alex)).Count);
        Assert.Contains("the check-ins Sam (clientA) arranged", await App.ReplyAsync(Alex, "YES"), StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, (await GetAsync(AppFactory.ClientAKey, alpha.Id)).People[0].Consent["sms"]);

        var granted = (await App.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Sms, Alex, Ct)).Where(e => e.Action == "granted").ToList();
        Assert.Equal(2, granted.Count);
        Assert.Equal(2, granted.Select(e => e.OrganizerId).Distinct().Count());
    }

    [Fact]
    public async Task No_AfterRequestsFromTwoClients_DeclinesOnlyTheLatest()
    {
        var alpha = await RegisterAsync(AppFactory.ClientAKey, SamA);
        App.Time.Advance(TimeSpan.FromMinutes(1));
        var beta = await RegisterAsync(AppFactory.ClientBKey, SamB);

        var twiml = await App.ReplyAsync(Alex, "NO");

        Assert.Contains("you won't get check-ins from Sam (clientB).", twiml, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Declined, (await GetAsync(AppFactory.ClientBKey, beta.Id)).People[0].Consent["sms"]);
        Assert.Equal(ConsentState.Pending, (await GetAsync(AppFactory.ClientAKey, alpha.Id)).People[0].Consent["sms"]);
    }

    [Fact]
    public async Task Yes_ToARequestOlderThanSevenDays_AnswersNothing()
    {
        var alpha = await RegisterAsync(AppFactory.ClientAKey, SamA, startsIn: TimeSpan.FromDays(10));
        App.Time.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));

        var twiml = await App.ReplyAsync(Alex, "YES");

        Assert.Contains("nothing waiting for your answer", twiml, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Pending, (await GetAsync(AppFactory.ClientAKey, alpha.Id)).People[0].Consent["sms"]);
    }

    [Fact]
    public async Task Reply_WithCheckInsFromTwoClientsWithinADay_IsKeptAndAsksWhich_ThenGoesOnlyToTheChosenOrganiser()
    {
        var alpha = await SentToAlexAsync(AppFactory.ClientAKey, SamA, "clientA");
        var beta = await SentToAlexAsync(AppFactory.ClientBKey, SamB, "clientB");

        var question = await App.ReplyAsync(Alex, Words);

        // Newest first; only the organisers whose check-ins Alex received are named.
        Assert.Contains("Who is your reply for? Reply 1 for Sam (clientB), 2 for Sam (clientA).", question, StringComparison.Ordinal);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        Assert.All((await GetAsync(AppFactory.ClientAKey, alpha.Id)).CheckIns, c => Assert.Empty(c.Replies));
        Assert.All((await GetAsync(AppFactory.ClientBKey, beta.Id)).CheckIns, c => Assert.Empty(c.Replies));

        // Another message before the answer is kept under the same question, which is asked again.
        App.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Contains("Who is your reply for?", await App.ReplyAsync(Alex, "please"), StringComparison.Ordinal);

        var answer = await App.ReplyAsync(Alex, "2");

        Assert.Contains("Your reply was passed on to Sam.", answer, StringComparison.Ordinal);
        var relays = await App.OutboxAsync(MessageKinds.Relay);
        Assert.Equal(2, relays.Count);
        Assert.All(relays, r => Assert.Equal(SamA, r.To));
        Assert.Contains(relays, r => r.Body.Contains(Words, StringComparison.Ordinal));
        var replies = (await GetAsync(AppFactory.ClientAKey, alpha.Id)).CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).Replies;
        Assert.Equal([Words, "please"], replies.Select(r => r.Body));
        Assert.All((await GetAsync(AppFactory.ClientBKey, beta.Id)).CheckIns, c => Assert.Empty(c.Replies));

        // The question is closed: the next reply is asked about again (both wrote within the day).
        Assert.Contains("Who is your reply for?", await App.ReplyAsync(Alex, "thanks"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reply_NamingTheOrganiserByName_AnswersTheQuestion_WhenTheNameIsUnique()
    {
        await SentToAlexAsync(AppFactory.ClientAKey, SamA, "clientA");
        var kim = await SentToAlexAsync(AppFactory.ClientBKey, SamB, "clientB", name: "Kim");

        await App.ReplyAsync(Alex, Words);
        var answer = await App.ReplyAsync(Alex, "kim");

        Assert.Contains("Your reply was passed on to Kim.", answer, StringComparison.Ordinal);
        Assert.Equal(SamB, Assert.Single(await App.OutboxAsync(MessageKinds.Relay)).To);
        Assert.Single((await GetAsync(AppFactory.ClientBKey, kim.Id)).CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).Replies);
    }

    [Fact]
    public async Task Reply_ToAnOlderCheckInFromOneClient_GoesToTheOrganiserWhoseCheckInIsWithinTheDay()
    {
        await SentToAlexAsync(AppFactory.ClientAKey, SamA, "clientA");
        App.Time.Advance(TimeSpan.FromHours(25));
        var beta = await SentToAlexAsync(AppFactory.ClientBKey, SamB, "clientB");

        var twiml = await App.ReplyAsync(Alex, Words);

        Assert.Contains("Your reply was passed on to Sam.", twiml, StringComparison.Ordinal);
        Assert.Equal(SamB, Assert.Single(await App.OutboxAsync(MessageKinds.Relay)).To);
        Assert.Single((await GetAsync(AppFactory.ClientBKey, beta.Id)).CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).Replies);
    }

    [Fact]
    public async Task Reply_MoreThanADayAfterTheLastCheckIn_IsNotPassedOn_AndTheyAreToldSo()
    {
        var alpha = await SentToAlexAsync(AppFactory.ClientAKey, SamA, "clientA");
        App.Time.Advance(TimeSpan.FromHours(25));

        var twiml = await App.ReplyAsync(Alex, Words);

        Assert.Contains("Your message was not passed on", twiml, StringComparison.Ordinal);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        Assert.All((await GetAsync(AppFactory.ClientAKey, alpha.Id)).CheckIns, c => Assert.Empty(c.Replies));
    }

    [Fact]
    public async Task UnansweredQuestion_IsDeletedWithItsRepliesByThePurge_AfterAWeek()
    {
        await SentToAlexAsync(AppFactory.ClientAKey, SamA, "clientA");
        await SentToAlexAsync(AppFactory.ClientBKey, SamB, "clientB");
        await App.ReplyAsync(Alex, Words);
        var choices = App.Services.GetRequiredService<ReplyChoices>();
        Assert.NotNull(await choices.GetAsync(Alex, Ct));

        App.Time.Advance(ReplyChoices.OpenFor + TimeSpan.FromMinutes(1));
        await App.RunTimerAsync("PurgeExpiredData");

        Assert.Null(await choices.GetAsync(Alex, Ct));
        Assert.Equal(0, await choices.ForgetAsync(Alex, Ct));
    }

    private async Task<EventView> RegisterAsync(string apiKey, string organizerPhone, TimeSpan? startsIn = null, string name = "Sam")
    {
        var now = App.Time.GetUtcNow() + (startsIn ?? TimeSpan.Zero);
        var body = Requests.Dinner(now);
        body["organizer"] = new JsonObject { ["name"] = name, ["phone"] = organizerPhone };
        body["checkIns"] = new JsonArray { new JsonObject { ["to"] = "alex", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = "How are you doing?" } };
        var response = await App.CreateClient(apiKey).PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return await AppFactory.ReadEventAsync(response);
    }

    /// <summary>An event of this client whose one check-in, a text to Alex, has been sent; Alex and the organiser agreed by SMS.</summary>
    private async Task<EventView> SentToAlexAsync(string apiKey, string organizerPhone, string clientId, string name = "Sam")
    {
        var view = await RegisterAsync(apiKey, organizerPhone, name: name);
        await App.GrantAsync(view, "alex", Channel.Sms, clientId);
        await App.GrantAsync(view, "organizer", Channel.Sms, clientId);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        Assert.Equal(1, (await App.DispatchAsync()).Sent);
        return view;
    }

    private async Task<EventView> GetAsync(string apiKey, string id) =>
        (await App.CreateClient(apiKey).GetFromJsonAsync<EventView>($"/api/events/{id}", AppFactory.Json, Ct))!;

    private async Task<IReadOnlyList<OutboxMessage>> RequestsToAsync(string to) =>
        (await App.OutboxAsync(MessageKinds.ConsentRequest)).Where(m => m.To == to).ToList();
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Privacy;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Privacy;

/// <summary>
/// <c>DELETE /api/people/{address}</c>: everything about an address, for one client, and nothing of
/// anyone else's; <c>DELETE /api/operator/people/{address}</c>: every client's, and what is no client's.
/// </summary>
public sealed partial class ErasureTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string OperatorKey = "operator-key-0123456789-0123456789-abcdef";
    private const string Sam = "+447911123456";
    private const string AlexPhone = "+447911123457";
    private const string AlexEmail = "alex@example.com";
    private const string RobinEmail = "robin@example.com";

    [Fact]
    public async Task Erase_AnonymisesThisClientsEvents_CancelsWhatWasPendingToTheAddress_AndLeavesAnotherClientsAlone()
    {
        var ours = await App.RegisterAsync(DinnerWithNeeds());
        var theirs = await RegisterAsync(AppFactory.ClientBKey, DinnerWithNeeds());
        var ourLink = await ConsentUrlAsync(ours.Id);
        var theirLink = await ConsentUrlAsync(theirs.Id);

        var (status, summary) = await EraseAsync(AppFactory.ClientAKey, Uri.EscapeDataString(" Alex@Example.com "));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(summary.ErasedAnything);
        Assert.Equal((1, 1), (summary.Erased.Events, summary.Erased.CheckInsCancelled));
        Assert.True(summary.Erased.LinkTokens >= 1);
        Assert.True(summary.Erased.Consents >= 1);

        var after = await App.GetEventAsync(ours.Id);
        var alex = Assert.Single(after.People);
        Assert.Equal((AddressErasure.Erased, AlexPhone, (string?)null, (string?)null), (alex.Name, alex.Phone, alex.Email, alex.Needs));
        Assert.Equal("erased.1", alex.Key); // keys are often names
        Assert.Equal("Sam", after.Organizer.Name);
        Assert.DoesNotContain(after.CheckIns, c => c.To == "alex");
        var toAlex = Assert.Single(after.CheckIns, c => c.To == "erased.1");
        Assert.Equal((CheckInStatus.Cancelled, "erased"), (toAlex.Status, toAlex.Reason));
        Assert.Equal(CheckInStatus.Scheduled, Assert.Single(after.CheckIns, c => c.To == "organizer").Status);
        Assert.Equal("", (await App.Services.GetRequiredService<EventStore>().GetCheckInAsync(ours.Id, toAlex.Id, Ct))!.Message);
        Assert.Equal(HttpStatusCode.NotFound, (await Browser().GetAsync(ourLink, Ct)).StatusCode);

        var untouched = (await App.CreateClient(AppFactory.ClientBKey).GetFromJsonAsync<EventView>($"/api/events/{theirs.Id}", AppFactory.Json, Ct))!;
        Assert.Equal(("Alex", AlexEmail, "A hug and a glass of water."), (untouched.People[0].Name, untouched.People[0].Email, untouched.People[0].Needs));
        Assert.All(untouched.CheckIns, c => Assert.Equal(CheckInStatus.Scheduled, c.Status));
        Assert.Equal(HttpStatusCode.OK, (await Browser().GetAsync(theirLink, Ct)).StatusCode);
    }

    [Fact]
    public async Task Erase_TheOrganiser_CancelsEveryPendingCheckInOfTheirEvents()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var (status, summary) = await EraseAsync(AppFactory.ClientAKey, "%2B447911123456");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal((1, 2), (summary.Erased.Events, summary.Erased.CheckInsCancelled));
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal((AddressErasure.Erased, (string?)null, "sam@example.com"), (after.Organizer.Name, after.Organizer.Phone, after.Organizer.Email));
        Assert.All(after.CheckIns, c => Assert.Equal((CheckInStatus.Cancelled, "erased"), (c.Status, c.Reason)));
        Assert.Equal(EventStatus.Ended, after.Status);
    }

    [Fact]
    public async Task Erase_AfterAStop_KeepsTheOptOut_WhichStillBlocksANewRegistration()
    {
        await App.RegisterAsync(AlexBySms());
        await App.ReplyAsync(AlexPhone, "STOP");

        var (_, summary) = await EraseAsync(AppFactory.ClientAKey, "%2B447911123457");

        Assert.True(summary.Erased.LedgerEntries >= 1);
        var ledger = await App.LedgerAsync(Channel.Sms, AlexPhone);
        Assert.Equal(["opted-out"], ledger.Select(e => e.Action));

        var again = await App.RegisterAsync(AlexBySms());
        await App.GrantAsync(again, "alex", Channel.Sms);
        Assert.Equal(ConsentState.OptedOut, (await App.GetEventAsync(again.Id)).People[0].Consent["sms"]);
        App.Time.Advance(TimeSpan.FromHours(21));
        await App.DispatchAsync();

        var toAlex = Assert.Single((await App.GetEventAsync(again.Id)).CheckIns, c => c.To == "alex");
        Assert.Equal((CheckInStatus.Skipped, "opted-out"), (toAlex.Status, toAlex.Reason));
        Assert.DoesNotContain(await App.OutboxAsync(), m => m.To == AlexPhone && m.Kind == MessageKinds.CheckIn);
    }

    [Fact]
    public async Task Erase_RemovesGrantsRepliesAndRecords_SoTheSameOrganiserMustAskAgain()
    {
        var view = await App.RegisterAsync(AlexBySms());
        await App.ReplyAsync(AlexPhone, "YES");
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(20));
        await App.DispatchAsync();
        await App.ReplyAsync(AlexPhone, "Thanks, all good here");
        Assert.Single((await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.To == "alex").Replies);

        var (_, summary) = await EraseAsync(AppFactory.ClientAKey, "%2B447911123457");

        Assert.Equal((1, 0, 1), (summary.Erased.Events, summary.Erased.CheckInsCancelled, summary.Erased.Replies));
        Assert.True(summary.Erased.OutboxMessages >= 2);
        var after = await App.GetEventAsync(view.Id);
        var alex = after.People.Single();
        Assert.Equal((AddressErasure.Erased, (string?)null), (alex.Name, alex.Phone));
        var sent = after.CheckIns.Single(c => c.To == "erased.1");
        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.Empty(sent.Replies);
        Assert.Empty(await App.LedgerAsync(Channel.Sms, AlexPhone));
        Assert.DoesNotContain(await App.OutboxAsync(), m => m.To == AlexPhone && m.EventId is not null);
        Assert.Empty(await App.Services.GetRequiredService<RecipientCheckIns>().ForAddressAsync(Channel.Sms, AlexPhone, Ct));
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);

        var next = await App.RegisterAsync(AlexBySms());

        Assert.Equal(ConsentState.Pending, (await App.GetEventAsync(next.Id)).People[0].Consent["sms"]);
        Assert.Single(await App.OutboxAsync(), m => m.To == AlexPhone && m.Kind == MessageKinds.ConsentRequest);
    }

    [Fact]
    public async Task Erase_AfterAReplyWasPassedOn_LeavesNoOutboxCopyOfTheirWords_AndKeepsWhatIsNotAboutThem()
    {
        await App.RegisterAsync(AlexBySms());
        await App.ReplyAsync(AlexPhone, "YES");
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(20));
        await App.DispatchAsync();
        await App.ReplyAsync(AlexPhone, "Rough night, ring me after work");
        var relay = Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Equal(Sam, relay.To);
        var samsRequest = Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam);

        var (_, summary) = await EraseAsync(AppFactory.ClientAKey, "%2B447911123457");

        // The relay went to Sam, but it is Alex's words and Alex's name.
        var outbox = await App.OutboxAsync();
        Assert.DoesNotContain(outbox, m => m.Id == relay.Id);
        Assert.DoesNotContain(outbox, m => m.Body.Contains("Rough night", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(outbox, m => m.Body.Contains("Alex", StringComparison.OrdinalIgnoreCase));
        Assert.True(summary.Erased.OutboxMessages >= 3);
        Assert.Contains(outbox, m => m.Id == samsRequest.Id);
    }

    [Fact]
    public async Task Erase_AfterTheOrganiserWasToldTheyHadNotAgreed_DeletesTheNoticeNamingThem()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![1]!["at"] = Requests.Local(App.Time.GetUtcNow().AddHours(8));
        var view = await App.RegisterAsync(body);
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(6).Add(TimeSpan.FromMinutes(5)));
        await App.RunTimerAsync("SendHeldConsentRequests");
        var notice = Assert.Single(await App.OutboxAsync(MessageKinds.Notice));
        Assert.Equal(Sam, notice.To);
        Assert.Contains("Alex has not agreed yet", notice.Body, StringComparison.Ordinal);
        var samsRequest = Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam);

        await EraseAsync(AppFactory.ClientAKey, Uri.EscapeDataString(AlexEmail));

        var outbox = await App.OutboxAsync();
        Assert.DoesNotContain(outbox, m => m.Id == notice.Id);
        Assert.DoesNotContain(outbox, m => m.To == AlexEmail || m.Body.Contains("Alex", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(outbox, m => m.Id == samsRequest.Id);
        Assert.Equal(AddressErasure.Erased, (await App.GetEventAsync(view.Id)).People[0].Name);
    }

    [Fact]
    public async Task Erase_Twice_TheSecondErasesNothingAndSaysSo()
    {
        await App.RegisterAsync(AlexBySms());
        await App.ReplyAsync(AlexPhone, "STOP");

        var (_, first) = await EraseAsync(AppFactory.ClientAKey, "%2B447911123457");
        var (status, second) = await EraseAsync(AppFactory.ClientAKey, "%2B447911123457");

        Assert.True(first.ErasedAnything);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(second.ErasedAnything);
        Assert.Equal(new ErasedCounts(0, 0, 0, 0, 0, 0, 0, 0, 0), second.Erased);
    }

    [Fact]
    public async Task Erase_ByAClientThatNeverNamedTheNumber_ErasesNothing_AndSaysNothingOfItsTextsOrItsOptOut()
    {
        await App.RegisterAsync(AlexBySms());
        await App.ReplyAsync(AlexPhone, "YES");
        await App.ReplyAsync(AlexPhone, "STOP");

        var response = await App.CreateClient(AppFactory.ClientBKey).DeleteAsync("/api/people/%2B447911123457", Ct);

        // Before, client B learnt that the number had texted the service twice and opted out, and deleted those records.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            """{"erasedAnything":false,"erased":{"events":0,"checkInsCancelled":0,"replies":0,"heldConsentRequests":0,"linkTokens":0,"consents":0,"ledgerEntries":0,"indexRows":0,"outboxMessages":0}}""",
            await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(2, await InboundRowsAsync(AlexPhone));
        Assert.True(await App.Services.GetRequiredService<ConsentStore>().IsOptedOutAsync(Channel.Sms, AlexPhone, Ct));
    }

    [Fact]
    public async Task OperatorErase_AfterRepliesFromTheNumber_ErasesTheTextsItSentAndTheAnswers_AndEveryClientsEvents()
    {
        var view = await App.RegisterAsync(AlexBySms());
        var theirs = await RegisterAsync(AppFactory.ClientBKey, AlexBySms());
        await App.ReplyAsync(AlexPhone, "YES");
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(20));
        await App.DispatchAsync();
        await App.ReplyAsync(AlexPhone, "Thanks, all good here");

        var (status, summary) = await OperatorEraseAsync("%2B447911123457");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(summary.ErasedAnything);
        Assert.Equal(["clientA", "clientB"], summary.Clients.Keys.Order());
        Assert.Equal((1, 1), (summary.Clients["clientA"].Events, summary.Clients["clientB"].Events));
        Assert.Equal(1, summary.Clients.Values.Sum(c => c.Replies)); // kept with the last check-in sent to the number
        Assert.Equal(2, summary.Unowned.InboundMessages);
        Assert.True(summary.Unowned.RequestSlots >= 1);
        Assert.Empty(summary.Kept);
        Assert.Equal(0, await InboundRowsAsync(AlexPhone));
        Assert.DoesNotContain(await App.OutboxAsync(), m => m.To == AlexPhone);
        Assert.DoesNotContain(await App.OutboxAsync(), m => m.Body.Contains("all good here", StringComparison.Ordinal)); // the relay to Sam quoted it
        Assert.Empty(await App.LedgerAsync(Channel.Sms, AlexPhone));
        Assert.Equal(AddressErasure.Erased, (await App.GetEventAsync(view.Id)).People[0].Name);
        Assert.Equal(AddressErasure.Erased, (await App.CreateClient(AppFactory.ClientBKey).GetFromJsonAsync<EventView>($"/api/events/{theirs.Id}", AppFactory.Json, Ct))!.People[0].Name);
    }

    [Fact]
    public async Task OperatorErase_AfterAStop_KeepsTheOptOut_UnlessAskedToEraseItToo()
    {
        await App.RegisterAsync(AlexBySms());
        await App.ReplyAsync(AlexPhone, "STOP");

        var (_, first) = await OperatorEraseAsync("%2B447911123457");
        var (_, second) = await OperatorEraseAsync("%2B447911123457");

        Assert.True(first.ErasedAnything);
        Assert.Equal(["opt-out"], first.Kept);
        Assert.Equal(["opted-out"], (await App.LedgerAsync(Channel.Sms, AlexPhone)).Select(e => e.Action));
        Assert.False(second.ErasedAnything);
        Assert.Equal(["opt-out"], second.Kept);

        var (_, erased) = await OperatorEraseAsync("%2B447911123457?optOut=erase");

        Assert.True(erased.Unowned.OptOut >= 2);
        Assert.Empty(erased.Kept);
        Assert.Empty(await App.LedgerAsync(Channel.Sms, AlexPhone));
        var again = await App.RegisterAsync(AlexBySms());
        Assert.Equal(ConsentState.Pending, (await App.GetEventAsync(again.Id)).People[0].Consent["sms"]);
    }

    [Theory]
    [InlineData(AppFactory.ClientAKey)]
    [InlineData("")]
    [InlineData("operator-key-0123456789-0123456789-abcdeX")]
    public async Task OperatorErase_WithoutTheOperatorsKey_Is401_AndErasesNothing(string key)
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/operator/people/%2B447911123457");
        request.Headers.Add("X-Operator-Key", key);
        request.Headers.Add("X-Api-Key", AppFactory.ClientAKey);

        var response = await App.CreateClient().SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Alex", (await App.GetEventAsync(view.Id)).People[0].Name);
    }

    [Fact]
    public async Task OperatorErase_OptOutNeitherKeepNorErase_Is400NamingIt()
    {
        var response = await OperatorClient().DeleteAsync("/api/operator/people/%2B447911123457?optOut=yes", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("optOut", out _));
    }

    [Fact]
    public async Task Erase_ByAnotherClient_LeavesThisClientsEventAsItWas()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var (_, summary) = await EraseAsync(AppFactory.ClientBKey, Uri.EscapeDataString(AlexEmail));

        Assert.Equal(0, summary.Erased.Events);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(("Alex", AlexEmail), (after.People[0].Name, after.People[0].Email));
        Assert.All(after.CheckIns, c => Assert.Equal(CheckInStatus.Scheduled, c.Status));
    }

    [Fact]
    public async Task Erase_SomeoneElse_KeepsAlexsAgreementToThePlan_AndAlexsReminderStillGoesOut()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "robin", ["name"] = "Robin", ["email"] = RobinEmail });
        body["aftercare"] = new JsonObject
        {
            ["plan"] = "Blankets, water and a quiet hour.",
            ["needs"] = new JsonObject { ["alex"] = "A hug and a glass of water.", ["robin"] = "A walk home." },
            ["reminders"] = new JsonArray { new JsonObject { ["to"] = "alex", ["after"] = "end", ["offset"] = "PT1H" } },
        };
        var view = await App.RegisterAsync(body);
        var alexLink = await ConsentLinks.OnlyPathAsync(App, AlexEmail);
        Assert.Equal(HttpStatusCode.OK, (await ConsentLinks.PostFormAsync(App, alexLink, ("decision", "agree"))).StatusCode);
        Assert.True((await App.GetEventAsync(view.Id)).People.Single(p => p.Key == "alex").AgreedToPlan);

        await EraseAsync(AppFactory.ClientAKey, Uri.EscapeDataString(RobinEmail));

        // Robin's key and needs are gone; the words Alex was shown and agreed to are not.
        var after = await App.GetEventAsync(view.Id);
        Assert.DoesNotContain(after.People, p => p.Key == "robin");
        var alex = after.People.Single(p => p.Key == "alex");
        Assert.True(alex.AgreedToPlan);
        Assert.Equal(ConsentState.Granted, alex.Consent["email"]);
        Assert.Single(await ConsentLinks.ConsentEmailsAsync(App, AlexEmail)); // not asked again: nothing changed for Alex
        Assert.Equal(HttpStatusCode.OK, (await Browser().GetAsync(alexLink, Ct)).StatusCode);

        App.Time.Advance(TimeSpan.FromHours(6));
        await App.DispatchAsync();

        var reminder = after.CheckIns.Single(c => c.Kind == CheckInKind.Reminder);
        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == reminder.Id).Status);
        Assert.Contains(await App.OutboxAsync(), m => m.Kind == MessageKinds.Reminder && m.To == AlexEmail);
    }

    [Theory]
    [InlineData("07911123457", "The phone number must start with + and its country code")]
    [InlineData("%2B447700900123", "This is not a valid phone number.")]
    [InlineData("alex%40", "This is not a valid email address.")]
    [InlineData("nobody", "The phone number must start with + and its country code")]
    public async Task Erase_ABadAddress_Is400NamingAddress(string address, string message)
    {
        var response = await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/people/{address}", Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var errors = problem.RootElement.GetProperty("errors").GetProperty("address");
        Assert.StartsWith(message, errors[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erase_WithoutAKey_Is401_AndErasesNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var response = await App.CreateClient().DeleteAsync("/api/people/%2B447911123457", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Alex", (await App.GetEventAsync(view.Id)).People[0].Name);
    }

    protected override AppFactory CreateApp() => new(Azurite, new Dictionary<string, string?> { ["Api:OperatorKey"] = OperatorKey });

    private HttpClient OperatorClient()
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Add("X-Operator-Key", OperatorKey);
        return client;
    }

    private async Task<(HttpStatusCode Status, OperatorErasureSummary Summary)> OperatorEraseAsync(string address)
    {
        var response = await OperatorClient().DeleteAsync($"/api/operator/people/{address}", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return (response.StatusCode, JsonSerializer.Deserialize<OperatorErasureSummary>(body, AppFactory.Json)!);
    }

    private async Task<int> InboundRowsAsync(string phone)
    {
        var table = await App.Services.GetRequiredService<AftercareNudge.Storage.AppTables>().GetAsync(AftercareNudge.Storage.AppTables.InboundMessages, Ct);
        var count = 0;
        await foreach (var unused in table.QueryAsync<Azure.Data.Tables.TableEntity>(Azure.Data.Tables.TableClient.CreateQueryFilter($"PartitionKey eq {AddressKeys.For(Channel.Sms, phone)}"), cancellationToken: Ct))
        {
            count++;
        }

        return count;
    }

    private JsonObject DinnerWithNeeds()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject { ["needs"] = new JsonObject { ["alex"] = "A hug and a glass of water." } };
        return body;
    }

    /// <summary>The example with Alex's check-in by SMS, 20 hours on (on time and agreed, quiet hours do not hold it).</summary>
    private JsonObject AlexBySms()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![1]!["channel"] = "sms";
        return body;
    }

    private async Task<EventView> RegisterAsync(string key, JsonObject body)
    {
        var response = await App.CreateClient(key).PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await AppFactory.ReadEventAsync(response);
    }

    private async Task<(HttpStatusCode Status, ErasureSummary Summary)> EraseAsync(string key, string address)
    {
        var response = await App.CreateClient(key).DeleteAsync($"/api/people/{address}", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return (response.StatusCode, JsonSerializer.Deserialize<ErasureSummary>(body, AppFactory.Json)!);
    }

    private HttpClient Browser() => App.CreateBrowser();

    private async Task<string> ConsentUrlAsync(string eventId)
    {
        var email = Assert.Single(await App.OutboxAsync(), m => m is { Kind: MessageKinds.ConsentRequest, Channel: "email" } && m.EventId == eventId);
        return ConsentLinks.PathIn(email.Body);
    }
}

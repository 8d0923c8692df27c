using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Replies;

/// <summary>
/// A reply to a check-in reaches whoever sent it: passed on to the organiser on the channel they chose,
/// only with their consent, once however often the webhook comes; and the person who replied is told,
/// once per conversation, what became of it.
/// </summary>
public sealed class ReplyRelayTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Alex = "+447911123457";
    private const string Words = "honestly not great, can you call me";

    [Fact]
    public async Task Reply_ToACheckIn_IsPassedOnToTheOrganiserBySmsAtOnce_AndTheReplierIsToldSo()
    {
        var view = await SentToAlexAsync();

        var twiml = await App.ReplyAsync(Alex, Words);

        Assert.Equal("<Response><Message>AftercareNudge: Your reply was passed on to Sam. No one reads this number. This is not an emergency service: in an emergency, call your local emergency number.</Message></Response>", twiml);
        var relay = Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Equal(("sms", Sam), (relay.Channel, relay.To));
        Assert.Equal($"AftercareNudge: Alex replied to your 14:30 check-in: \"{Words}\" Replies to this number reach no one: contact Alex directly.", relay.Body);
        var got = await App.GetEventAsync(view.Id);
        var checkIn = got.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);
        var reply = Assert.Single(checkIn.Replies);
        Assert.Equal(Words, reply.Body);
        Assert.Equal((CheckInStatus.Sent, Channel.Sms), (reply.Relay!.Status, reply.Relay.Channel));
        var row = got.CheckIns.Single(c => c.Kind == CheckInKind.Relay);
        Assert.Equal((reply.Relay.Id, "organizer", checkIn.Id, CheckInStatus.Sent), (row.Id, row.To, row.RelatesTo, row.Status));
        Assert.Equal(Channel.Sms, got.Organizer.RepliesBy);
    }

    [Fact]
    public async Task Reply_AfterTheyOptedOut_IsKeptAndPassedOn_ButNothingIsSentBackToThem()
    {
        await SentToAlexAsync();
        await App.ReplyAsync(Alex, "STOP");

        var twiml = await App.ReplyAsync(Alex, "why did you text me");

        Assert.DoesNotContain("<Message>", twiml, StringComparison.Ordinal);
        Assert.Contains("why did you text me", Assert.Single(await App.OutboxAsync(MessageKinds.Relay)).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reply_ThatGetsTheReplyYesHint_DoesNotUseUpTheAcknowledgement()
    {
        await SentToAlexAsync();
        var kit = Requests.Dinner(App.Time.GetUtcNow());
        kit["organizer"]!["name"] = "Kit";
        kit["checkIns"] = new JsonArray { SmsToAlex() };
        await App.RegisterAsync(kit); // asks Alex again: Kit is not Sam

        var hint = await App.ReplyAsync(Alex, "yes please");
        var next = await App.ReplyAsync(Alex, Words);

        Assert.Contains("reply with just the word YES", hint, StringComparison.Ordinal);
        Assert.Contains("Your reply was passed on to Sam.", next, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reply_AboutAnotherEventWithinTheWindow_IsAcknowledgedAgain()
    {
        await SentToAlexAsync();
        Assert.Contains("<Message>", await App.ReplyAsync(Alex, Words), StringComparison.Ordinal);
        Assert.DoesNotContain("<Message>", await App.ReplyAsync(Alex, "still here"), StringComparison.Ordinal);

        await SentToAlexAsync(); // another event's check-in, under twelve hours later

        Assert.Contains("Your reply was passed on to Sam.", await App.ReplyAsync(Alex, "and about tonight"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Relay_DropsInvisibleAndDirectionChangingCharacters_FromTheQuote()
    {
        await SentToAlexAsync();

        await App.ReplyAsync(Alex, "fine\u202E thanks\u200B");

        var relay = Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Contains("\"fine thanks\"", relay.Body, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', relay.Body);
    }

    [Fact]
    public async Task Reply_OrganiserChoseEmail_IsPassedOnByEmail_QuotingTheReply_WithADiscreetSubject()
    {
        var view = await SentToAlexAsync(body => body["organizer"]!["repliesBy"] = "email", Channel.Email);

        await App.ReplyAsync(Alex, Words);

        var relay = Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Equal(("email", "sam@example.com", "Alex replied to your check-in"), (relay.Channel, relay.To, relay.Subject));
        Assert.Contains(Words, relay.Body, StringComparison.Ordinal);
        Assert.Equal(Channel.Email, (await App.GetEventAsync(view.Id)).Organizer.RepliesBy);
    }

    [Fact]
    public async Task Relay_NeverNamesTheEventsTitleOrKind()
    {
        await SentToAlexAsync(body =>
        {
            body["title"] = "Rope scene at the club";
            body["kind"] = "scene";
        });

        await App.ReplyAsync(Alex, "ok");

        var relay = Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        foreach (var word in new[] { "Rope", "scene", "club" })
        {
            Assert.DoesNotContain(word, relay.Body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Reply_Long_IsQuotedShortenedWithinTheSegmentLimit_AndKeptWhole()
    {
        var view = await SentToAlexAsync();
        var words = string.Join(' ', Enumerable.Repeat("I keep thinking about it and I am not okay.", 30)); // under StoredText.MaxReplyLength: kept whole

        await App.ReplyAsync(Alex, words);

        var relay = Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Equal(ReplyRelays.MaxSmsSegments, SmsSegments.Count(relay.Body));
        Assert.Contains("\"I keep thinking about it", relay.Body, StringComparison.Ordinal);
        Assert.Contains("...\" Replies to this number reach no one", relay.Body, StringComparison.Ordinal);
        Assert.Equal(words, Assert.Single((await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).Replies).Body);
    }

    [Fact]
    public async Task Reply_WithoutTheOrganisersConsent_IsNotPassedOn_GetSaysWhy_AndTheReplierIsToldTruthfully()
    {
        // Sam declined their own number: nothing is sent to them (kept for an organiser who has not decided: WaitingReplyTests).
        var view = await SentToAlexAsync(organizerChannel: null);
        await App.ReplyAsync(Sam, "NO");

        var twiml = await App.ReplyAsync(Alex, Words);

        Assert.Contains("Your reply was kept, but it could not be passed on to Sam.", twiml, StringComparison.Ordinal);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        var reply = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).Replies);
        Assert.Equal((CheckInStatus.Skipped, "declined"), (reply.Relay!.Status, reply.Relay.Reason));
    }

    [Fact]
    public async Task Reply_BeforeTheOrganiserDecided_IsNotPassedOnYet_GetSaysWhy_AndTheReplierIsToldTruthfully()
    {
        var view = await SentToAlexAsync(organizerChannel: null);

        var twiml = await App.ReplyAsync(Alex, Words);

        Assert.Contains("Your reply was kept. Sam has not confirmed their number yet: it is passed on when they do.", twiml, StringComparison.Ordinal);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        var reply = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).Replies);
        Assert.Equal((CheckInStatus.Scheduled, "awaiting-organizer"), (reply.Relay!.Status, reply.Relay.Reason));
    }

    [Fact]
    public async Task Reply_AfterTheOrganiserOptedOut_IsNotPassedOn_ReasonShown()
    {
        var view = await SentToAlexAsync();
        await App.ReplyAsync(Sam, "STOP");

        await App.ReplyAsync(Alex, Words);

        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        var relay = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Relay);
        Assert.Equal((CheckInStatus.Skipped, "opted-out"), (relay.Status, relay.Reason));
    }

    [Fact]
    public async Task Reply_SecondWithinTheWindow_IsPassedOnWithoutASecondAcknowledgement_AfterTheWindowOneAgain()
    {
        await SentToAlexAsync();

        var first = await App.ReplyAsync(Alex, "not great");
        App.Time.Advance(TimeSpan.FromHours(11));
        var second = await App.ReplyAsync(Alex, "can you call me");
        App.Time.Advance(TimeSpan.FromHours(1.5));
        var third = await App.ReplyAsync(Alex, "better now, thanks");

        Assert.Contains("passed on to Sam", first, StringComparison.Ordinal);
        Assert.Equal("<Response></Response>", second);
        Assert.Contains("passed on to Sam", third, StringComparison.Ordinal);
        Assert.Equal(3, (await App.OutboxAsync(MessageKinds.Relay)).Count);
    }

    [Fact]
    public async Task Reply_SameMessageTwice_EvenAfterACrashBeforeItWasMarkedHandled_IsPassedOnOnce()
    {
        await SentToAlexAsync();
        var inbound = App.Services.GetRequiredService<InboundSms>();
        var sms = new IncomingSms(Alex, Words, "SM00000000000000000000000000000001", null);

        var first = await inbound.HandleAsync(sms, CancellationToken.None);
        var retry = await inbound.HandleAsync(sms, CancellationToken.None);

        // A crash after the relay but before the message was marked handled: Twilio retries, we act again.
        var table = await App.Services.GetRequiredService<AppTables>().GetAsync(AppTables.InboundMessages, CancellationToken.None);
        await table.DeleteEntityAsync(AddressKeys.For(Channel.Sms, Alex), sms.MessageId, ETag.All, CancellationToken.None);
        await inbound.HandleAsync(sms, CancellationToken.None);

        Assert.Equal(first, retry);
        Assert.Contains("passed on to Sam", first, StringComparison.Ordinal);
        Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
    }

    [Fact]
    public async Task Reply_DuringTheOrganisersQuietHours_IsPassedOnAtOnce()
    {
        await SentToAlexAsync(body => body["organizer"]!["quietHours"] = new JsonObject { ["from"] = "14:00", ["to"] = "16:00" });

        await App.ReplyAsync(Alex, Words);

        Assert.Single(await App.OutboxAsync(MessageKinds.Relay));
    }

    [Fact]
    public async Task Reply_ByTheOrganiserToTheirOwnCheckIn_IsKeptNotPassedOn_AndAcknowledged()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        var twiml = await App.ReplyAsync(Sam, "fine");

        Assert.Contains("Your reply was kept with your check-in.", twiml, StringComparison.Ordinal);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        var reply = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns[0].Replies);
        Assert.Null(reply.Relay);
    }

    [Theory]
    [InlineData("organizer", "fax", "organizer.repliesBy")]
    [InlineData("person", "sms", "people[0].repliesBy")]
    [InlineData("no-email", "email", "organizer.repliesBy")]
    public async Task Register_BadRepliesBy_Is400ByName(string where, string value, string field)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        var person = (JsonObject)(where == "person" ? body["people"]![0]! : body["organizer"]!);
        person["repliesBy"] = value;
        if (where == "no-email")
        {
            person.Remove("email");
        }

        var response = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.NotNull(problem!["errors"]![field]);
    }

    [Fact]
    public async Task Register_TextsToOthers_AskTheOrganiserOnTheirReplyChannel_ForTheRepliesAndNothingElse()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray { SmsToAlex() };
        body["organizer"]!["repliesBy"] = "email";

        await App.RegisterAsync(body);

        var request = Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == "sam@example.com");
        Assert.Contains("Please confirm this address to get the replies to the check-in texts you planned", request.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("check-in emails", request.Body, StringComparison.Ordinal); // none is planned to Sam
    }

    private static JsonObject SmsToAlex() =>
        new() { ["to"] = "alex", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = "How are you doing?" };

    /// <summary>An event whose one check-in, a text to Alex at 14:30 UTC, has been sent; the organiser agreed on <paramref name="organizerChannel"/>.</summary>
    private async Task<EventView> SentToAlexAsync(Action<JsonObject>? change = null, Channel? organizerChannel = Channel.Sms)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new JsonArray { SmsToAlex() };
        change?.Invoke(body);
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "alex", Channel.Sms);
        if (organizerChannel is { } channel)
        {
            await App.GrantAsync(view, "organizer", channel);
        }

        App.Time.Advance(TimeSpan.FromHours(5.5));
        var report = await App.DispatchAsync();
        Assert.Equal(1, report.Sent);
        return view;
    }
}

using System.Net;
using System.Net.Http.Json;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>Consent by SMS through the development outbox: ask at registration, then YES, NO, STOP, START, HELP and replies.</summary>
public sealed class SmsConsentTests(AzuriteFixture azurite) : IAsyncDisposable
{
    private const string Sam = "+447911123456";
    private const string Alex = "+447911123457";
    private readonly AppFactory _app = new(azurite);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    [Fact]
    public async Task Register_AsksEachRecipientOnceAtOnce_WithTheRequiredWording()
    {
        await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));

        var requests = await _app.OutboxAsync(MessageKinds.ConsentRequest);
        var sms = Assert.Single(requests, m => m.Channel == "sms");
        Assert.Equal(Sam, sms.To);
        Assert.StartsWith("Sam via AftercareNudge: ", sms.Body, StringComparison.Ordinal);
        foreach (var words in new[] { "Reply YES to agree", "Msg freq varies", "Msg&data rates may apply", "Reply HELP for help, STOP to opt out" })
        {
            Assert.Contains(words, sms.Body, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Dinner", sms.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("date", sms.Body, StringComparison.OrdinalIgnoreCase);
        var email = Assert.Single(requests, m => m.Channel == "email");
        Assert.Equal("alex@example.com", email.To);
        Assert.Equal("Sam would like to send you check-ins", email.Subject);
        Assert.Contains(AppFactory.PublicBaseUrl + "/api/consent/", email.Body, StringComparison.Ordinal);
        Assert.Equal(2, requests.Count);
    }

    [Fact]
    public async Task Register_AlreadyGranted_IsNotAskedAgain()
    {
        var first = await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));
        await ReplyAsync(Sam, "YES");

        await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));

        Assert.Single(await _app.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam);
        Assert.Equal(ConsentState.Granted, (await _app.GetEventAsync(first.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Register_MoreThanThreeRequestsToOneAddressInADay_AreHeldBack()
    {
        for (var i = 0; i < 5; i++)
        {
            var body = Requests.Dinner(_app.Time.GetUtcNow());
            body["organizer"]!["phone"] = i % 2 == 0 ? "+14155550123" : "+14155550124";
            body["people"]![0]!["phone"] = Alex;
            body["checkIns"]![1]!["channel"] = "sms";
            await _app.RegisterAsync(body);
        }

        Assert.Equal(3, (await _app.OutboxAsync(MessageKinds.ConsentRequest)).Count(m => m.To == Alex));

        // Held, not dropped: within the day the timer finds no room; the next day it sends them.
        _app.Time.Advance(TimeSpan.FromHours(2));
        await FireHeldRequestsTimerAsync();
        Assert.Equal(3, (await _app.OutboxAsync(MessageKinds.ConsentRequest)).Count(m => m.To == Alex));
        _app.Time.Advance(TimeSpan.FromHours(23));
        await FireHeldRequestsTimerAsync();
        Assert.Equal(5, (await _app.OutboxAsync(MessageKinds.ConsentRequest)).Count(m => m.To == Alex));
    }

    private Task FireHeldRequestsTimerAsync() => _app.RunTimerAsync("SendHeldConsentRequests");

    [Fact]
    public async Task Yes_GrantsThePendingRequest_AndConfirmsWithFrequencyHelpAndStop()
    {
        var view = await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));

        var twiml = await ReplyAsync(Sam, "yes");

        Assert.Contains("<Message>AftercareNudge: Thanks, you'll get the check-ins Sam arranged. Msg freq varies. Reply HELP for help, STOP to opt out.</Message>", twiml, StringComparison.Ordinal);
        var after = await _app.GetEventAsync(view.Id);
        Assert.Equal(ConsentState.Granted, after.Organizer.Consent["sms"]);
        var ledger = await _app.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Sms, Sam, CancellationToken.None);
        // The fake clock stands still, so the two entries share a time: compare them as a set.
        Assert.Equal(["granted", "requested"], ledger.Select(e => e.Action).Order());
        Assert.StartsWith("sms:dev-", ledger.Single(e => e.Action == "granted").How, StringComparison.Ordinal);
        Assert.All(ledger, e => Assert.Contains("Reply YES to agree", e.ShownText, StringComparison.Ordinal));
        Assert.All(ledger, e => Assert.Equal(Sam, e.Address));
        Assert.All(ledger, e => Assert.NotNull(e.OrganizerId));
    }

    [Fact]
    public async Task No_DeclinesThePendingRequest_AndTheCheckInIsSkipped()
    {
        var view = await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));

        await ReplyAsync(Sam, "NO");
        _app.Time.Advance(TimeSpan.FromHours(5.5));
        await _app.DispatchAsync();

        var after = await _app.GetEventAsync(view.Id);
        Assert.Equal(ConsentState.Declined, after.Organizer.Consent["sms"]);
        Assert.Equal(CheckInStatus.Skipped, after.CheckIns[0].Status);
        Assert.Empty(await _app.OutboxAsync(MessageKinds.CheckIn));
    }

    [Fact]
    public async Task Stop_OptsOutEverywhere_SkipsPendingCheckIns_AndConfirmsOnce()
    {
        var first = await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));
        await ReplyAsync(Sam, "YES");
        var otherClientsEvent = await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));

        var twiml = await ReplyAsync(Sam, "stop texting me");
        _app.Time.Advance(TimeSpan.FromHours(5.5));
        await _app.DispatchAsync();

        Assert.Equal("<Response><Message>AftercareNudge: You're opted out and will get no more messages. Reply START to undo.</Message></Response>", twiml);
        foreach (var id in new[] { first.Id, otherClientsEvent.Id })
        {
            var after = await _app.GetEventAsync(id);
            Assert.Equal(ConsentState.OptedOut, after.Organizer.Consent["sms"]);
            Assert.Equal(CheckInStatus.Skipped, after.CheckIns[0].Status);
            Assert.Equal("opted-out", after.CheckIns[0].Reason);
        }

        Assert.Empty(await _app.OutboxAsync(MessageKinds.CheckIn));
        Assert.Single(await _app.OutboxAsync(MessageKinds.ConsentReply), m => m.Body.Contains("opted out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_AfterStop_LiftsTheOptOut_AndEarlierGrantsApplyAgain()
    {
        var view = await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));
        await ReplyAsync(Sam, "YES");
        await ReplyAsync(Sam, "STOP");

        var twiml = await ReplyAsync(Sam, "START");

        Assert.Contains("Sam can send you check-ins again", twiml, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, (await _app.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Register_AfterStop_NeverAsksThatNumber()
    {
        await ReplyAsync(Sam, "STOP");

        var view = await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));

        Assert.DoesNotContain(await _app.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam);
        Assert.Equal(ConsentState.OptedOut, view.Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Help_AnswersWhoWeAreHowOftenAndHowToStop()
    {
        var twiml = await ReplyAsync(Alex, "HELP");

        Assert.Contains("Msg freq varies", twiml, StringComparison.Ordinal);
        Assert.Contains("Reply STOP to opt out", twiml, StringComparison.Ordinal);
        Assert.Contains("AftercareNudge", twiml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HELP")]
    [InlineData("ayuda")]
    [InlineData("Hilfe")]
    public async Task Help_FromAnOptedOutNumber_SaysItIsOptedOutAndHowToUndoIt(string help)
    {
        await ReplyAsync(Alex, "STOP");

        var twiml = await ReplyAsync(Alex, help);

        Assert.Equal($"<Response><Message>{ConsentWording.SmsHelpOptedOut(AppFactory.ServiceContact)}</Message></Response>", twiml);
        Assert.Contains("You're opted out", twiml, StringComparison.Ordinal);
        Assert.Contains("Reply START to opt back in", twiml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_AfterStopThenStart_IsTheUsualHelp()
    {
        await ReplyAsync(Alex, "STOP");
        await ReplyAsync(Alex, "START");

        var twiml = await ReplyAsync(Alex, "HELP");

        Assert.Contains("Reply STOP to opt out", twiml, StringComparison.Ordinal);
        Assert.DoesNotContain("opted out", twiml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FreeText_IsKeptAsAReplyToTheLastCheckInSent_WithAnHonestAcknowledgement()
    {
        var view = await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));
        await ReplyAsync(Sam, "YES");
        _app.Time.Advance(TimeSpan.FromHours(5.5));
        await _app.DispatchAsync();

        var twiml = await ReplyAsync(Sam, "I'm okay, a bit wobbly. Thanks for checking.");

        // Sam's own check-in: nobody else to pass it on to (see ReplyRelayTests).
        Assert.Contains("<Message>AftercareNudge: Your reply was kept with your check-in. No one reads this number.", twiml, StringComparison.Ordinal);
        var reply = Assert.Single((await _app.GetEventAsync(view.Id)).CheckIns[0].Replies);
        Assert.Equal("I'm okay, a bit wobbly. Thanks for checking.", reply.Body);
    }

    [Fact]
    public async Task Yes_WithNothingPending_SaysSo()
    {
        var twiml = await ReplyAsync("+14155550123", "YES");

        Assert.Contains("nothing waiting for your answer", twiml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevSms_MissingFields_Is400()
    {
        var response = await _app.CreateClient().PostAsJsonAsync("/api/dev/sms", new { body = "YES" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<string> ReplyAsync(string from, string body)
    {
        var response = await _app.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from, body }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }
}

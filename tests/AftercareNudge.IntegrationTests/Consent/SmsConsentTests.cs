using System.Net;
using System.Net.Http.Json;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>Consent by SMS through the development outbox: ask at registration, then YES, NO, STOP, START, HELP and replies.</summary>
public sealed class SmsConsentTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Alex = "+447911123457";

    [Fact]
    public async Task Register_AsksEachRecipientOnceAtOnce_WithTheRequiredWording()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var requests = await App.OutboxAsync(MessageKinds.ConsentRequest);
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
        var first = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");

        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam);
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(first.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Register_MoreThanThreeRequestsToOneAddressInADay_AreHeldBack()
    {
        for (var i = 0; i < 5; i++)
        {
            var body = Requests.Dinner(App.Time.GetUtcNow());
            body["organizer"]!["phone"] = i % 2 == 0 ? "+14155550123" : "+14155550124";
            body["people"]![0]!["phone"] = Alex;
            body["checkIns"]![1]!["channel"] = "sms";
            await App.RegisterAsync(body);
        }

        Assert.Equal(3, (await App.OutboxAsync(MessageKinds.ConsentRequest)).Count(m => m.To == Alex));

        // Held, not dropped: within the day the timer finds no room; the next day it sends them.
        App.Time.Advance(TimeSpan.FromHours(2));
        await FireHeldRequestsTimerAsync();
        Assert.Equal(3, (await App.OutboxAsync(MessageKinds.ConsentRequest)).Count(m => m.To == Alex));
        App.Time.Advance(TimeSpan.FromHours(23));
        await FireHeldRequestsTimerAsync();
        Assert.Equal(5, (await App.OutboxAsync(MessageKinds.ConsentRequest)).Count(m => m.To == Alex));
    }

    private Task FireHeldRequestsTimerAsync() => App.RunTimerAsync("SendHeldConsentRequests");

    [Fact]
    public async Task Yes_GrantsThePendingRequest_AndConfirmsWithFrequencyHelpAndStop()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var twiml = await App.ReplyAsync(Sam, "yes");

        // Sam is the organiser, confirming their own number: told what it is for (issue 21).
        Assert.Contains("<Message>AftercareNudge: Thanks, this number is confirmed for your plans as Sam: what you planned for yourself, and the replies and notices about your plans. Msg freq varies. Reply HELP for help, STOP to opt out.</Message>", twiml, StringComparison.Ordinal);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(ConsentState.Granted, after.Organizer.Consent["sms"]);
        var ledger = await App.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Sms, Sam, CancellationToken.None);
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
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        await App.ReplyAsync(Sam, "NO");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(ConsentState.Declined, after.Organizer.Consent["sms"]);
        Assert.Equal(CheckInStatus.Skipped, after.CheckIns[0].Status);
        Assert.Empty(await App.OutboxAsync(MessageKinds.CheckIn));
    }

    [Fact]
    public async Task Stop_OptsOutEverywhere_SkipsPendingCheckIns_AndConfirmsOnce()
    {
        var first = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        var otherClientsEvent = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var twiml = await App.ReplyAsync(Sam, "stop texting me");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        Assert.Equal("<Response><Message>AftercareNudge: You're opted out and will get no more messages. Reply START to undo.</Message></Response>", twiml);
        foreach (var id in new[] { first.Id, otherClientsEvent.Id })
        {
            var after = await App.GetEventAsync(id);
            Assert.Equal(ConsentState.OptedOut, after.Organizer.Consent["sms"]);
            Assert.Equal(CheckInStatus.Skipped, after.CheckIns[0].Status);
            Assert.Equal("opted-out", after.CheckIns[0].Reason);
        }

        Assert.Empty(await App.OutboxAsync(MessageKinds.CheckIn));
        Assert.Single(await App.OutboxAsync(MessageKinds.ConsentReply), m => m.Body.Contains("opted out", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_AfterStop_LiftsTheOptOut_AndEarlierGrantsApplyAgain()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        await App.ReplyAsync(Sam, "STOP");

        var twiml = await App.ReplyAsync(Sam, "START");

        Assert.Contains("Sam can send you check-ins again", twiml, StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Register_AfterStop_NeverAsksThatNumber()
    {
        await App.ReplyAsync(Sam, "STOP");

        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam);
        Assert.Equal(ConsentState.OptedOut, view.Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Help_AnswersWhoWeAreHowOftenAndHowToStop()
    {
        var twiml = await App.ReplyAsync(Alex, "HELP");

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
        await App.ReplyAsync(Alex, "STOP");

        var twiml = await App.ReplyAsync(Alex, help);

        Assert.Equal($"<Response><Message>{ConsentWording.SmsHelpOptedOut(AppFactory.ServiceContact)}</Message></Response>", twiml);
        Assert.Contains("You're opted out", twiml, StringComparison.Ordinal);
        Assert.Contains("Reply START to opt back in", twiml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_AfterStopThenStart_IsTheUsualHelp()
    {
        await App.ReplyAsync(Alex, "STOP");
        await App.ReplyAsync(Alex, "START");

        var twiml = await App.ReplyAsync(Alex, "HELP");

        Assert.Contains("Reply STOP to opt out", twiml, StringComparison.Ordinal);
        Assert.DoesNotContain("opted out", twiml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FreeText_IsKeptAsAReplyToTheLastCheckInSent_WithAnHonestAcknowledgement()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        var twiml = await App.ReplyAsync(Sam, "I'm okay, a bit wobbly. Thanks for checking.");

        // Sam's own check-in: nobody else to pass it on to (see ReplyRelayTests).
        Assert.Contains("<Message>AftercareNudge: Your reply was kept with your check-in. No one reads this number.", twiml, StringComparison.Ordinal);
        var reply = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns[0].Replies);
        Assert.Equal("I'm okay, a bit wobbly. Thanks for checking.", reply.Body);
    }

    [Fact]
    public async Task Yes_WithNothingPending_SaysSo()
    {
        var twiml = await App.ReplyAsync("+14155550123", "YES");

        Assert.Contains("nothing waiting for your answer", twiml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevSms_MissingFields_Is400()
    {
        var response = await App.CreateClient().PostAsJsonAsync("/api/dev/sms", new { body = "YES" }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}

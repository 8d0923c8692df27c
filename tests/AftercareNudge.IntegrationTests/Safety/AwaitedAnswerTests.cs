using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// What counts as an answer while an armed check-in waits on the person's number: every message but
/// the STOP family (an opt-out, whose one confirmation says OK still counts) and HELP; YES, NO and OK
/// included. The tests arm the check-in by registering it.
/// </summary>
public sealed class AwaitedAnswerTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Kit = "+447911000111";

    protected override AppFactory CreateApp() => new(Azurite);

    private static string Message(string text) => $"<Response><Message>{text.Replace("&", "&amp;", StringComparison.Ordinal)}</Message></Response>";

    private static string Acknowledged => $"{SafetyWording.Brand}: Thanks, that answers your 14:30 check-in. This is not an emergency service: in an emergency, call your local emergency number.";

    [Theory]
    [InlineData("I'm home, all good")]
    [InlineData("OK")]
    [InlineData("ok")]
    [InlineData("YES")]
    [InlineData("Y")]
    [InlineData("NO")]
    [InlineData("n")]
    [InlineData("yes please")]
    [InlineData("🙂")]
    public async Task AnyMessage_ButStopAndHelp_IsTheAnswer_AcknowledgedAlike_AndPassedOnToNobody(string body)
    {
        var (view, checkIn) = await ArmedAndDueAsync();

        var twiml = await App.ReplyAsync(Sam, body);

        Assert.Equal(Message(Acknowledged), twiml);
        var awaited = await AwaitedAsync(view.Id, checkIn);
        Assert.Equal((AwaitState.Answered, App.Time.GetUtcNow()), (awaited.State, awaited.AnsweredAt));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        Assert.Empty((await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == checkIn).Replies);

        // Once answered, the ladder is over: the next message is an ordinary one again.
        Assert.NotEqual(Message(Acknowledged), await App.ReplyAsync(Sam, body));
    }

    [Fact]
    public async Task Message_BeforeTheCheckInIsDue_IsNoAnswer()
    {
        var (view, checkIn) = await ArmedAsync();

        await App.ReplyAsync(Sam, "OK");

        Assert.Equal(AwaitState.Waiting, (await AwaitedAsync(view.Id, checkIn)).State);
    }

    [Fact]
    public async Task Yes_WhileAConsentRequestIsOpenToo_IsTheAnswer_AndSaysTheRequestStillWaits_ThenTheNextYesAgrees()
    {
        var (view, checkIn) = await ArmedAndDueAsync();
        await KitAsksSamAsync();

        var first = await App.ReplyAsync(Sam, "YES");
        var second = await App.ReplyAsync(Sam, "YES");

        Assert.Equal(Message($"{Acknowledged} The request from Kit still waits for your YES or NO."), first);
        Assert.Equal(AwaitState.Answered, (await AwaitedAsync(view.Id, checkIn)).State);
        Assert.Equal(Message(ConsentWording.SmsGranted(["Kit"])), second);
    }

    [Fact]
    public async Task Help_IsAnswered_AndIsNoAnswer()
    {
        var (view, checkIn) = await ArmedAndDueAsync();

        var twiml = await App.ReplyAsync(Sam, "HELP");

        Assert.Equal(Message($"{ConsentWording.SmsHelp(AppFactory.ServiceContact)} {SafetyWording.HelpWhileWaiting}"), twiml);
        Assert.Equal(AwaitState.Waiting, (await AwaitedAsync(view.Id, checkIn)).State);
    }

    [Theory]
    [InlineData("STOP")]
    [InlineData("please stop texting me")]
    [InlineData("Stopp bitte")]
    public async Task Stop_OptsOutAtOnce_IsNoAnswer_AndItsOneConfirmationSaysOkStillCounts(string body)
    {
        var (view, checkIn) = await ArmedAndDueAsync();

        var twiml = await App.ReplyAsync(Sam, body);

        var confirmation = $"{ConsentWording.SmsOptedOut} {SafetyWording.OkStillCounts}";
        Assert.Equal(Message(confirmation), twiml);
        Assert.Contains(await App.LedgerAsync(Channel.Sms, Sam), e => e.ShownText == confirmation);
        Assert.Equal(ConsentState.OptedOut, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
        var awaited = await AwaitedAsync(view.Id, checkIn);
        Assert.Equal((AwaitState.Waiting, App.Time.GetUtcNow()), (awaited.State, awaited.StoppedAt));

        // OK still counts, and an opted-out number is sent nothing, not even the acknowledgement.
        App.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("<Response></Response>", await App.ReplyAsync(Sam, "OK"));
        Assert.Equal(AwaitState.Answered, (await AwaitedAsync(view.Id, checkIn)).State);
    }

    [Fact]
    public async Task Stop_WithNothingArmed_IsConfirmedAsAlways()
    {
        await App.OrganizerSmsOnlyAsync();

        Assert.Equal(Message(ConsentWording.SmsOptedOut), await App.ReplyAsync(Sam, "STOP"));
    }

    [Fact]
    public async Task Start_AfterAStop_OptsBackIn_AsPromised_AndAlsoAnswers()
    {
        var (view, checkIn) = await ArmedAndDueAsync();
        await App.ReplyAsync(Sam, "STOP");

        var twiml = await App.ReplyAsync(Sam, "START");

        Assert.StartsWith("<Response><Message>AftercareNudge: You're opted back in", twiml, StringComparison.Ordinal);
        Assert.EndsWith(" That also answers your 14:30 check-in.</Message></Response>", twiml, StringComparison.Ordinal);
        Assert.Equal(AwaitState.Answered, (await AwaitedAsync(view.Id, checkIn)).State);
    }

    [Fact]
    public async Task Answer_ToACancelledEvent_IsNoAnswer()
    {
        var (view, checkIn) = await ArmedAndDueAsync();
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", Ct)).StatusCode);

        Assert.NotEqual(Message(Acknowledged), await App.ReplyAsync(Sam, "OK"));
        Assert.Equal(AwaitState.Waiting, (await AwaitedAsync(view.Id, checkIn)).State);
    }

    [Fact]
    public async Task TheSameMessageTwice_AnswersOnce_AndTheSecondTimeFindsWhatTheFirstAnswered()
    {
        var (view, checkIn) = await ArmedAndDueAsync();
        var answers = App.Services.GetRequiredService<AwaitedAnswers>();
        var sms = new IncomingSms(Sam, "ok", "SM-retried", null);

        var first = await answers.AnswerAsync(sms, Ct);
        App.Time.Advance(TimeSpan.FromSeconds(5));
        var again = await answers.AnswerAsync(sms, Ct);
        var another = await answers.AnswerAsync(sms with { MessageId = "SM-another" }, Ct);

        Assert.Equal(checkIn, Assert.Single(first).Awaited.CheckInId);
        Assert.Equal(first[0].Awaited.AnsweredAt, Assert.Single(again).Awaited.AnsweredAt);
        Assert.Empty(another);
        Assert.Equal("SM-retried", (await AwaitedAsync(view.Id, checkIn)).AnsweredBy);
    }

    [Fact]
    public async Task Answer_LaterThanADayAfterTheAlertWasDue_IsNoAnswer()
    {
        var (view, checkIn) = await ArmedAsync();
        var awaited = await AwaitedAsync(view.Id, checkIn);
        App.Time.SetUtcNow(awaited.AlertAt + AwaitedReply.OpenAfterAlert + TimeSpan.FromSeconds(1));

        await App.ReplyAsync(Sam, "OK");

        Assert.Equal(AwaitState.Waiting, (await AwaitedAsync(view.Id, checkIn)).State);
    }

    /// <summary>The organiser's own SMS check-in, armed, and the clock at its due time (nothing sent: the answer counts from then).</summary>
    private async Task<(EventView View, string CheckIn)> ArmedAndDueAsync()
    {
        var (view, checkIn) = await ArmedAsync();
        App.Time.SetUtcNow(view.CheckIns.Single(c => c.Id == checkIn).DueAt.AddMinutes(1));
        return (view, checkIn);
    }

    /// <summary>The dinner with only the organiser's SMS check-in, armed (Jo is told if no answer comes), and agreed to by the organiser.</summary>
    private async Task<(EventView View, string CheckIn)> ArmedAsync()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["phone"] = "+447911000222", ["role"] = "trustedContact" });
        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo"), ["note"] = "at the Crown" };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var checkIn = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);
        Assert.NotNull(await App.Services.GetRequiredService<EventStore>().GetAwaitedAsync(view.Id, checkIn.Id, Ct));
        return (view, checkIn.Id);
    }

    private async Task<AwaitedReply> AwaitedAsync(string eventId, string checkInId) =>
        (await App.Services.GetRequiredService<EventStore>().GetAwaitedAsync(eventId, checkInId, Ct))!;

    /// <summary>Another organiser, Kit, plans a check-in to Sam's number: a consent request to it is open.</summary>
    private async Task KitAsksSamAsync()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"] = new JsonObject { ["name"] = "Kit", ["phone"] = Kit };
        body["people"]![0]!["phone"] = Sam;
        body["checkIns"]![1]!["channel"] = "sms";
        await App.RegisterAsync(body);
        Assert.Contains(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Sam && m.Body.StartsWith("Kit via", StringComparison.Ordinal));
    }
}

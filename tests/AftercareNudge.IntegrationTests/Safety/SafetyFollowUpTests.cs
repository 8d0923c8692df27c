using System.Text.Json.Nodes;
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
/// What follows a contact's alert: the urgent follow-up when the duress word comes after the alert
/// went (and how that reads to the client: as a real answer), the all-clear and the news of a
/// cancellation that come while the alert is being sent (each waits for the alert, and goes only if it
/// went), and the duress word outside the answer window (never kept, never passed on).
/// </summary>
public sealed class SafetyFollowUpTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Jo = "+447911000222";
    private const string Lee = "+447911000333";
    private static readonly TimeSpan ToAlert = TimeSpan.FromMinutes(30);

    protected override AppFactory CreateApp() => new(Azurite, Settings);

    private static Dictionary<string, string?> Settings => [];

    [Fact]
    public async Task Duress_AfterJosAlertWent_JoGetsOneUrgentFollowUp_AndLeeWhoseAlertWasHeld_GetsTheUrgentAlert()
    {
        // Jo allowed alerts in the night, Lee did not: at 15:00 only Jo is alerted.
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo", "lee"], quietHours: "14:00-16:00", lateAllowedFor: "jo", duressWord: "pineapple");
        App.Time.SetUtcNow(due + ToAlert);
        await App.DispatchAsync();
        var ordinary = Assert.Single(await App.OutboxAsync(MessageKinds.Alert));
        Assert.Equal(Jo, ordinary.To);
        Assert.DoesNotContain("URGENT", ordinary.Body, StringComparison.Ordinal);

        App.Time.Advance(TimeSpan.FromMinutes(5));
        var answers = App.Services.GetRequiredService<AwaitedAnswers>();
        var sms = new IncomingSms(Sam, "pineapple", "SM-duress-after-alert", null);

        // Two instances take the same message at once, and a webhook retry takes it again.
        await Task.WhenAll(answers.AnswerAsync(sms, Ct), answers.AnswerAsync(sms, Ct));
        await answers.AnswerAsync(sms, Ct);
        await App.DispatchAsync();

        var toJo = (await App.OutboxAsync(MessageKinds.Alert)).Where(m => m.To == Jo).ToList();
        Assert.Equal(2, toJo.Count);
        Assert.Equal(
            "AftercareNudge: URGENT: Sam, about whom we alerted you earlier, has now told us at 15:05, with a word only they and we know, that they may not be safe and need help. Their phone may not be in their own hands: replies to this number are not passed on to them. Their note: \"at the Crown\". Please try to reach Sam carefully. If you think they are in danger, call your local emergency number: we are not an emergency service. Reply STOP to opt out.",
            toJo[0].Body);
        Assert.Equal(SafetyLadder.UrgentId(SafetyLadder.AlertId(checkIn, 1)), toJo[0].CheckInId);
        Assert.Empty(await App.OutboxAsync(MessageKinds.AllClear));

        // Lee was not alerted yet: the urgent alert as before, held by Lee's night as any alert to Lee.
        Assert.DoesNotContain(await App.OutboxAsync(MessageKinds.Alert), m => m.To == Lee);
        App.Time.SetUtcNow(new DateTimeOffset(due.Date, TimeSpan.Zero) + TimeSpan.FromHours(16));
        await App.DispatchAsync();
        var toLee = Assert.Single(await App.OutboxAsync(MessageKinds.Alert), m => m.To == Lee);
        Assert.StartsWith("AftercareNudge: URGENT: Sam told us at 15:05,", toLee.Body, StringComparison.Ordinal);
        Assert.Equal(2, (await App.OutboxAsync(MessageKinds.Alert)).Count(m => m.To == Jo));
        Assert.Equal(view.Id, toLee.EventId);
    }

    [Fact]
    public async Task Duress_AfterAnAlertWent_ReadsInGet_ExactlyAsARealAnswerAfterIt()
    {
        var start = App.Time.GetUtcNow();
        var real = await ShapeAfterAnswerAsync("sorry, phone died. I'm fine", duressWord: null);
        App.Time.SetUtcNow(start + TimeSpan.FromDays(2)); // the same hour of the day: nobody's quiet hours differ
        var duress = await ShapeAfterAnswerAsync("pineapple", duressWord: "pineapple");

        Assert.Equal(real.Rows, duress.Rows);
        Assert.Equal(real, duress);
        Assert.Contains(("-ac1", CheckInKind.AllClear, CheckInStatus.Sent, (string?)null, (TimeSpan?)TimeSpan.FromMinutes(7)), duress.Rows);
        Assert.Equal((AwaitState.Cleared, "jo"), (duress.State, duress.Told));

        // Yet no all-clear reached Jo the second time, only the urgent follow-up.
        var toJo = (await App.OutboxAsync()).Where(m => m.To == Jo && m.Kind is MessageKinds.AllClear or MessageKinds.Alert).ToList();
        Assert.Equal([MessageKinds.Alert, MessageKinds.Alert, MessageKinds.AllClear, MessageKinds.Alert], toJo.Select(m => m.Kind));
        Assert.StartsWith("AftercareNudge: URGENT: Sam, about whom we alerted you earlier", toJo[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answer_WhileTheAlertIsBeingSent_TheAllClearWaitsForTheAlert_ThenGoesOnce()
    {
        ScriptedSender sender = null!;
        sender = new ScriptedSender(SendResult.Sent("SM0123456789abcdef0123456789abcdef"))
        {
            WhileAlerting = async _ =>
            {
                if (sender.Alerts.Count == 1)
                {
                    await TextAsync(Sam, "home, sorry", "SM-answer-mid-alert");
                }
            },
        };
        UseApp(AppFactory.WithProviders(Azurite, () => sender, Settings));
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], viaService: true);
        var allClearId = SafetyLadder.AllClearId(SafetyLadder.AlertId(checkIn, 1));

        App.Time.SetUtcNow(due + ToAlert);
        await App.DispatchAsync();

        // The answer came mid-send: its all-clear was handed nothing, it waits for the alert.
        Assert.Equal(["alert"], Kinds(sender));
        var waiting = Row(await App.GetEventAsync(view.Id), allClearId);
        Assert.Equal((CheckInStatus.Scheduled, "awaiting-alert"), (waiting.Status, waiting.Reason));

        App.Time.Advance(SafetySteps.AlertWait);
        await App.DispatchAsync();
        App.Time.Advance(SafetySteps.AlertWait);
        await App.DispatchAsync();

        Assert.Equal(["alert", "all-clear"], Kinds(sender));
        Assert.Equal(CheckInStatus.Sent, Row(await App.GetEventAsync(view.Id), allClearId).Status);
    }

    [Fact]
    public async Task Answer_WhileTheAlertIsBeingSent_AndTheAlertFails_NoAllClearGoes()
    {
        ScriptedSender sender = null!;
        sender = new ScriptedSender(SendResult.Sent("SM0123456789abcdef0123456789abcdef"))
        {
            AlertScript = [SendResult.Permanent("twilio-30005")],
            WhileAlerting = _ => TextAsync(Sam, "home, sorry", "SM-answer-mid-failed-alert"),
        };
        UseApp(AppFactory.WithProviders(Azurite, () => sender, Settings));
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], viaService: true);

        App.Time.SetUtcNow(due + ToAlert);
        await App.DispatchAsync();
        App.Time.Advance(SafetySteps.AlertWait);
        await App.DispatchAsync();

        Assert.Equal(["alert"], Kinds(sender));
        var allClear = Row(await App.GetEventAsync(view.Id), SafetyLadder.AllClearId(SafetyLadder.AlertId(checkIn, 1)));
        Assert.Equal((CheckInStatus.Cancelled, "alert-not-sent"), (allClear.Status, allClear.Reason));
    }

    [Fact]
    public async Task Cancel_WhileTheAlertIsBeingSent_TellsTheContactAfterTheAlert_Once()
    {
        ScriptedSender sender = null!;
        sender = new ScriptedSender(SendResult.Sent("SM0123456789abcdef0123456789abcdef"))
        {
            WhileAlerting = async _ =>
            {
                if (sender.Alerts.Count == 1)
                {
                    await DeleteAsync(EventIdOf(sender));
                }
            },
        };
        UseApp(AppFactory.WithProviders(Azurite, () => sender, Settings));
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], viaService: true);

        App.Time.SetUtcNow(due + ToAlert);
        await App.DispatchAsync();
        Assert.Equal(["alert"], Kinds(sender));

        await DeleteAsync(view.Id); // a retried cancellation changes nothing
        App.Time.Advance(SafetySteps.AlertWait);
        await App.DispatchAsync();

        Assert.Equal(["alert", "safety-cancelled"], Kinds(sender));
        var news = Assert.IsType<SmsMessage>(sender.All.Last());
        Assert.Equal((Jo, SafetyLadder.CancelledId(SafetyLadder.AlertId(checkIn, 1))), (news.To, news.CheckInId));
        Assert.StartsWith("AftercareNudge: Sam's check-in was cancelled after we alerted you", news.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_ThatLookedBeforeTheAlertWasCommitted_TheAlertTellsItsContactOnceItWent()
    {
        // The cancellation is written while the alert is with the provider, after the run that sends it
        // read the event and after the cancellation looked for alerted contacts (it found none).
        ScriptedSender sender = null!;
        sender = new ScriptedSender(SendResult.Sent("SM0123456789abcdef0123456789abcdef"))
        {
            WhileAlerting = async _ =>
            {
                var events = App.Services.GetRequiredService<EventStore>();
                await events.ChangeEventAsync(EventIdOf(sender), e => e with { CancelledAt = App.Time.GetUtcNow() }, CancellationToken.None);
            },
        };
        UseApp(AppFactory.WithProviders(Azurite, () => sender, Settings));
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], viaService: true);

        App.Time.SetUtcNow(due + ToAlert);
        await App.DispatchAsync();

        Assert.Equal(["alert", "safety-cancelled"], Kinds(sender));
        Assert.Equal(Jo, Assert.IsType<SmsMessage>(sender.All.Last()).To);

        // Made once: the cancellation's own telling, run now, finds it made.
        var record = (await App.Services.GetRequiredService<EventStore>().GetEventAsync(view.Id, Ct))!;
        await App.Services.GetRequiredService<SafetyCancellations>().TellContactsAsync(record, Ct);
        App.Time.Advance(SafetySteps.AlertWait);
        await App.DispatchAsync();
        Assert.Equal(["alert", "safety-cancelled"], Kinds(sender));
        Assert.Equal(CheckInStatus.Sent, Row(await App.GetEventAsync(view.Id), SafetyLadder.CancelledId(SafetyLadder.AlertId(checkIn, 1))).Status);
    }

    [Fact]
    public async Task Cancel_WhileTheAlertIsBeingSent_AndTheAlertFails_TellsNobody()
    {
        ScriptedSender sender = null!;
        sender = new ScriptedSender(SendResult.Sent("SM0123456789abcdef0123456789abcdef"))
        {
            AlertScript = [SendResult.Permanent("twilio-30005")],
            WhileAlerting = _ => DeleteAsync(EventIdOf(sender)),
        };
        UseApp(AppFactory.WithProviders(Azurite, () => sender, Settings));
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], viaService: true);

        App.Time.SetUtcNow(due + ToAlert);
        await App.DispatchAsync();
        App.Time.Advance(SafetySteps.AlertWait);
        await App.DispatchAsync();

        Assert.Equal(["alert"], Kinds(sender));
        var news = Row(await App.GetEventAsync(view.Id), SafetyLadder.CancelledId(SafetyLadder.AlertId(checkIn, 1)));
        Assert.Equal((CheckInStatus.Cancelled, "alert-not-sent"), (news.Status, news.Reason));
    }

    [Fact]
    public async Task DuressWord_BeforeTheCheckInIsDue_AlertsEveryContactWhoAgreed_AtOnce_Urgently_AndIsKeptNowhere()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], duressWord: "pineapple");
        App.Time.SetUtcNow(due - TimeSpan.FromHours(1));

        var twiml = await App.ReplyAsync(Sam, "Pineapple, see you later");

        Assert.Equal("<Response><Message>AftercareNudge: Thanks, that answers your 14:30 check-in. This is not an emergency service: in an emergency, call your local emergency number.</Message></Response>", twiml);
        var alert = Assert.Single(await App.OutboxAsync(MessageKinds.Alert));
        Assert.Equal(Jo, alert.To);
        Assert.StartsWith("AftercareNudge: URGENT: Sam told us at 13:30,", alert.Body, StringComparison.Ordinal);
        Assert.Equal((CheckInStatus.Skipped, "contact-not-agreed"), (Row(await App.GetEventAsync(view.Id), SafetyLadder.AlertId(checkIn, 2)) is var lee ? (lee.Status, lee.Reason) : default));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
        var json = await App.CreateClient(AppFactory.ClientAKey).GetStringAsync($"/api/events/{view.Id}", Ct);
        Assert.DoesNotContain("ineapple", json, StringComparison.OrdinalIgnoreCase);
        Assert.All((await App.GetEventAsync(view.Id)).CheckIns, c => Assert.Empty(c.Replies));
    }

    [Fact]
    public async Task DuressWord_AfterTheWindowClosed_IsDropped_WhereAnOrdinaryMessageIsKept()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], duressWord: "pineapple");
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(5));
        await App.ReplyAsync(Sam, "home");
        App.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("<Response></Response>", await App.ReplyAsync(Sam, "pineapple pineapple"));
        await App.ReplyAsync(Sam, "thanks for checking");

        var replies = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == checkIn).Replies;
        Assert.Equal(["thanks for checking"], replies.Select(r => r.Body));
        Assert.DoesNotContain(await App.OutboxAsync(), m => m.Body.Contains("ineapple", StringComparison.OrdinalIgnoreCase));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Alert));
    }

    /// <summary>The ladder to Jo's alert, then Sam's message seven minutes later: how GET shows the ladder, relative to the check-in.</summary>
    private async Task<Shape> ShapeAfterAnswerAsync(string answer, string? duressWord)
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], duressWord: duressWord);
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(20));
        await App.DispatchAsync();
        App.Time.SetUtcNow(due + ToAlert);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(7));
        await App.ReplyAsync(Sam, answer);
        await App.DispatchAsync();

        var seen = await App.GetEventAsync(view.Id);
        var rows = seen.CheckIns.Where(c => c.Id.StartsWith(checkIn + "-", StringComparison.Ordinal))
            .Select(c => (c.Id[checkIn.Length..], c.Kind, c.Status, c.Reason, c.SentAt - (due + ToAlert)))
            .ToList();
        var net = seen.CheckIns.Single(c => c.Id == checkIn).AwaitReply!;
        return new Shape(rows, net.State, string.Join(",", net.Told ?? []));
    }

    private sealed record Shape(List<(string, CheckInKind, CheckInStatus, string?, TimeSpan?)> Rows, AwaitState State, string Told)
    {
        public bool Equals(Shape? other) => other is not null && Rows.SequenceEqual(other.Rows) && State == other.State && Told == other.Told;

        public override int GetHashCode() => HashCode.Combine(Rows.Count, State, Told);
    }

    private static string[] Kinds(ScriptedSender sender) =>
        [.. sender.All.OfType<SmsMessage>().Where(m => m.Kind is MessageKinds.Alert or MessageKinds.AllClear or MessageKinds.SafetyCancelled).Select(m => m.Kind)];

    private static string EventIdOf(ScriptedSender sender) => ((SmsMessage)sender.Alerts.First()).EventId!;

    private static CheckInView Row(EventView view, string id) => view.CheckIns.Single(c => c.Id == id);

    private Task TextAsync(string from, string body, string messageId) =>
        App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(from, body, messageId, null), CancellationToken.None);

    private async Task DeleteAsync(string eventId) =>
        Assert.True((await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{eventId}", CancellationToken.None)).IsSuccessStatusCode);

    /// <summary>
    /// The organiser's own SMS check-in, armed with two trusted contacts, Jo and Lee; those in
    /// <paramref name="agreed"/> answer their request YES (and NIGHT YES if <paramref name="lateAllowedFor"/>
    /// names them), through the development route or, beside scripted providers, the service it calls.
    /// </summary>
    private async Task<(EventView View, string CheckIn, DateTimeOffset Due)> ArmedAsync(string[] agreed, string? quietHours = null, string? lateAllowedFor = null, string? duressWord = null, bool viaService = false)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        foreach (var (key, name, phone) in new[] { ("jo", "Jo", Jo), ("lee", "Lee", Lee) })
        {
            body["people"]!.AsArray().Add(new JsonObject { ["key"] = key, ["name"] = name, ["phone"] = phone, ["timeZone"] = "Etc/UTC", ["quietHours"] = quietHours, ["role"] = "trustedContact" });
        }

        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee"), ["note"] = "at the Crown", ["duressWord"] = duressWord };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        foreach (var (key, phone) in new[] { ("jo", Jo), ("lee", Lee) }.Where(c => agreed.Contains(c.Item1)))
        {
            foreach (var text in key == lateAllowedFor ? new[] { "YES", "NIGHT YES" } : ["YES"])
            {
                if (viaService)
                {
                    await TextAsync(phone, text, Ids.NewDevelopmentMessageId());
                }
                else
                {
                    await App.ReplyAsync(phone, text);
                }
            }
        }

        var checkIn = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);
        return (view, checkIn.Id, checkIn.DueAt);
    }
}

using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// The ladder of an armed check-in: the check-in carries the answer line; no answer by <c>within</c>
/// brings one reminder; none <c>grace</c> later alerts each contact who agreed to exactly these terms;
/// an answer stops what has not gone and sends the all-clear to whoever was alerted. Every rung is
/// committed on the net before it goes and an answer is recorded on the same row, so whatever order
/// they come in, nothing goes once the answer is recorded and every alerted contact hears the all-clear.
/// </summary>
public sealed class SafetyLadderTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Jo = "+447911000222";
    private const string Lee = "+447911000333";

    protected override AppFactory CreateApp() => new(Azurite);

    private static readonly SafetyNet Net = new(TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(10), ["jo", "lee"], "at the Crown");

    [Fact]
    public async Task NoAnswer_TheCheckInSaysWhatAnAnswerIs_ThenOneReminder_ThenAnAlertToTheContactWhoAgreed()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);

        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        var sent = Assert.Single(await App.OutboxAsync(MessageKinds.CheckIn), m => m.To == Sam);
        Assert.EndsWith(" Reply with anything to let us know you're OK.", sent.Body, StringComparison.Ordinal);

        App.Time.SetUtcNow(due + Net.Within);
        await App.DispatchAsync();
        var reminder = Assert.Single(await App.OutboxAsync(MessageKinds.SafetyReminder));
        Assert.Equal(
            (Sam, "AftercareNudge: No answer yet to your 14:30 check-in. Reply with anything to let us know you're OK. With no answer by 15:00, the contacts you chose will be told."),
            (reminder.To, reminder.Body));
        Assert.Equal(AwaitState.Reminded, (await AwaitedAsync(view.Id, checkIn)).State);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Alert));

        App.Time.SetUtcNow(due + Net.Within + Net.Grace);
        await App.DispatchAsync();
        var alert = Assert.Single(await App.OutboxAsync(MessageKinds.Alert));
        Assert.Equal(
            (Jo, "AftercareNudge: Sam asked us to tell you if they did not answer a check-in. They were expected to answer by 14:50 and have not. Their note: \"at the Crown\". Please try to reach Sam. If you think they are in danger, call your local emergency number: we are not an emergency service. Reply STOP to opt out."),
            (alert.To, alert.Body));
        var awaited = await AwaitedAsync(view.Id, checkIn);
        Assert.Equal(AwaitState.Escalated, awaited.State);
        Assert.Equal(["jo"], awaited.Alerted!);
        var rows = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.Equal((CheckInStatus.Skipped, "contact-not-agreed"), Row(rows, SafetyLadder.AlertId(checkIn, 2)));
        Assert.Equal(CheckInStatus.Sent, Row(rows, SafetyLadder.AlertId(checkIn, 1)).Status);
        var seen = rows.Single(c => c.Id == checkIn).AwaitReply!;
        Assert.Equal((AwaitState.Escalated, due + Net.Within, due + Net.Within + Net.Grace, (DateTimeOffset?)null), (seen.State, seen.RemindedAt, seen.EscalatedAt, seen.AnswerBy));
        Assert.Equal(["jo"], seen.Told!);
    }

    [Fact]
    public async Task TheView_WarnsWhileTheCheckInIsNotArmed_AndNamesTheContactsWhoCannotBeTold()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], confirmed: false);
        var index = (await App.GetEventAsync(view.Id)).CheckIns.ToList().FindIndex(c => c.Id == checkIn);
        var lee = "Lee has not agreed to be told yet: no alert reaches them until they do.";

        var unconfirmed = await App.GetEventAsync(view.Id);
        Assert.Equal([SafetyWarnings.NotArmed, lee], unconfirmed.Warnings![$"checkIns[{index}].awaitReply"]);
        Assert.Equal(due + Net.Within, unconfirmed.CheckIns[index].AwaitReply!.AnswerBy);

        await App.ReplyAsync(Sam, "YES"); // confirms their number: before it is due, no answer
        Assert.Equal([lee], (await App.GetEventAsync(view.Id)).Warnings![$"checkIns[{index}].awaitReply"]);

        // A contact's STOP ends their role at once, and the organiser sees the gap.
        await App.ReplyAsync(Jo, "STOP");
        Assert.Equal(
            ["Jo stopped messages from us: your safety net has a gap, they will not be told.", lee],
            (await App.GetEventAsync(view.Id)).Warnings![$"checkIns[{index}].awaitReply"]);
    }

    [Fact]
    public async Task AnswerBeforeTheReminder_CancelsTheRest_AndNothingMoreGoes()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo", "lee"]);
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();

        App.Time.Advance(TimeSpan.FromMinutes(5));
        await App.ReplyAsync(Sam, "home, all good");
        App.Time.SetUtcNow(due + Net.Within + Net.Grace + TimeSpan.FromMinutes(1));
        await App.DispatchAsync();

        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyReminder));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Alert));
        var rows = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.All(
            [SafetyLadder.ReminderId(checkIn), SafetyLadder.AlertId(checkIn, 1), SafetyLadder.AlertId(checkIn, 2)],
            id => Assert.Equal((CheckInStatus.Cancelled, "answered"), Row(rows, id)));
    }

    [Fact]
    public async Task AnswerAfterTheAlert_SendsEveryAlertedContactTheAllClearAtOnce()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo", "lee"]);
        App.Time.SetUtcNow(due + Net.Within + Net.Grace);
        await App.DispatchAsync();
        Assert.Equal(2, (await App.OutboxAsync(MessageKinds.Alert)).Count);

        App.Time.Advance(TimeSpan.FromMinutes(7));
        var twiml = await App.ReplyAsync(Sam, "sorry, phone died. I'm fine");

        Assert.Contains("Thanks, that answers your 14:30 check-in.", twiml, StringComparison.Ordinal);
        var allClear = await App.OutboxAsync(MessageKinds.AllClear);
        Assert.Equal([Jo, Lee], allClear.Select(m => m.To).Order());
        Assert.All(allClear, m => Assert.Equal("AftercareNudge: All clear: Sam answered their check-in at 15:07. Thank you for being there. Reply STOP to opt out.", m.Body));
        Assert.Equal(AwaitState.Cleared, (await AwaitedAsync(view.Id, checkIn)).State);
    }

    [Fact]
    public async Task Stop_TheLadderGoesOnWithoutMessagingThem_AndTheAlertSaysTheyStopped()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(3));
        await App.ReplyAsync(Sam, "STOP");

        App.Time.SetUtcNow(due + Net.Within);
        await App.DispatchAsync();
        App.Time.SetUtcNow(due + Net.Within + Net.Grace);
        await App.DispatchAsync();

        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyReminder));
        var alert = Assert.Single(await App.OutboxAsync(MessageKinds.Alert));
        Assert.Contains("They stopped messages from us at 14:33 without saying they were OK.", alert.Body, StringComparison.Ordinal);
        Assert.Equal(AwaitState.Escalated, (await AwaitedAsync(view.Id, checkIn)).State);
    }

    [Fact]
    public async Task Alert_InTheContactsQuietHours_WaitsForMorning_UnlessTheyAllowedAlertsThen()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo", "lee"], quietHours: "14:00-16:00", lateAllowedFor: "lee");

        App.Time.SetUtcNow(due + Net.Within + Net.Grace);
        await App.DispatchAsync();

        Assert.Equal(Lee, Assert.Single(await App.OutboxAsync(MessageKinds.Alert)).To);
        var held = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == SafetyLadder.AlertId(checkIn, 1));
        Assert.Equal((CheckInStatus.Scheduled, "quiet-hours"), (held.Status, held.Reason));

        // Sam answers in the night: the held alert is cancelled, and only Lee, who was alerted, gets the all-clear.
        App.Time.Advance(TimeSpan.FromMinutes(10));
        await App.ReplyAsync(Sam, "ok");
        Assert.Equal(Lee, Assert.Single(await App.OutboxAsync(MessageKinds.AllClear)).To);
        Assert.Equal((CheckInStatus.Cancelled, "answered"), Row((await App.GetEventAsync(view.Id)).CheckIns, SafetyLadder.AlertId(checkIn, 1)));
    }

    /// <summary>
    /// The interleavings of an answer with the reminder's and an alert's commit, in every order: a rung
    /// committed first goes (and an alert's contact then gets the all-clear); a rung after the answer is
    /// withheld. Never an alert without its all-clear once the answer is in, never a rung after it.
    /// </summary>
    [Theory]
    [InlineData("answer", "reminder", "alert")]
    [InlineData("reminder", "answer", "alert")]
    [InlineData("reminder", "alert", "answer")]
    [InlineData("alert", "answer", "reminder")]
    [InlineData("alert", "reminder", "answer")]
    [InlineData("answer", "alert", "reminder")]
    public async Task AnswerReminderAndAlert_InAnyOrder_NothingGoesAfterTheAnswer_AndEveryAlertHasItsAllClear(string first, string second, string third)
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due + Net.Within + Net.Grace);
        var steps = App.Services.GetRequiredService<SafetySteps>();
        var events = App.Services.GetRequiredService<EventStore>();
        var record = (await events.GetEventAsync(view.Id, Ct))!;
        var composed = new Dictionary<string, SafetyStep>();
        var answeredBefore = new HashSet<string>();
        var answered = false;
        foreach (var step in new[] { first, second, third })
        {
            if (step == "answer")
            {
                await App.Services.GetRequiredService<AwaitedAnswers>().AnswerAsync(new IncomingSms(Sam, "ok", "SM-" + first + second + third, null), Ct);
                answered = true;
                continue;
            }

            var rung = (await events.GetCheckInAsync(view.Id, step == "reminder" ? SafetyLadder.ReminderId(checkIn) : SafetyLadder.AlertId(checkIn, 1), Ct))!;
            var person = record.Find(rung.To)!;
            composed[step] = await steps.ComposeAsync(record, person, person.Address(rung.Channel)!, rung, Ct);
            if (answered)
            {
                answeredBefore.Add(step);
            }
        }

        foreach (var (step, result) in composed)
        {
            Assert.Equal(answeredBefore.Contains(step), result.Withheld is not null);
        }

        var net = await AwaitedAsync(view.Id, checkIn);
        var alertWent = composed["alert"].Withheld is null;
        Assert.Equal(alertWent ? AwaitState.Cleared : AwaitState.Answered, net.State);
        var allClear = await events.GetCheckInAsync(view.Id, SafetyLadder.AllClearId(SafetyLadder.AlertId(checkIn, 1)), Ct);
        Assert.Equal(alertWent, allClear is not null);
    }

    [Fact]
    public async Task TrustedContact_IsAskedWithTheAlertWordForWord_AndOnlyTheirYesLetsAnAlertReachThem()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: []);

        // Asked at registration, once per terms.
        Assert.Equal(0, await App.Services.GetRequiredService<ContactRequests>().AskAsync(view.Id, Ct));
        Assert.Equal(2, (await App.OutboxAsync(MessageKinds.ConsentRequest)).Count(m => m.To is Jo or Lee));
        var request = Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo);
        Assert.Equal(
            "Sam via AftercareNudge: Sam chose you as a trusted contact. If Sam does not answer a check-in, we would text you (at the earliest 15:00): "
            + "\"AftercareNudge: Sam asked us to tell you if they did not answer a check-in. They were expected to answer by 14:50 and have not. Their note: \"at the Crown\". Please try to reach Sam. If you think they are in danger, call your local emergency number: we are not an emergency service. Reply STOP to opt out.\" "
            + "If they answer later: \"AftercareNudge: All clear: Sam answered their check-in at 15:10. Thank you for being there. Reply STOP to opt out.\" "
            + "We are not an emergency service. Reply YES to agree, NO to decline. Msg&data rates may apply. Reply STOP to opt out.",
            request.Body);

        var yes = await App.ReplyAsync(Jo, "YES");
        var night = await App.ReplyAsync(Jo, "night yes");

        Assert.Contains("you'll be told if Sam does not answer a check-in", yes, StringComparison.Ordinal);
        Assert.Contains("an alert may reach you in your quiet hours", night, StringComparison.Ordinal);
        var jo = (await App.Services.GetRequiredService<EventStore>().GetEventAsync(view.Id, Ct))!.Find("jo")!;
        Assert.Equal((true, true), (jo.AgreedAlerts is not null, jo.AlertsInQuietHours));
        Assert.Contains(await App.LedgerAsync(Channel.Sms, Jo), e => e.Action == "granted" && e.OrganizerId == SafetyLadder.ContactConsentId(view.Id, "jo", jo.AgreedAlerts!));

        App.Time.SetUtcNow(due + Net.Within + Net.Grace);
        await App.DispatchAsync();
        Assert.Equal(Jo, Assert.Single(await App.OutboxAsync(MessageKinds.Alert)).To);
        Assert.Equal((CheckInStatus.Skipped, "contact-not-agreed"), Row((await App.GetEventAsync(view.Id)).CheckIns, SafetyLadder.AlertId(checkIn, 2)));
    }

    [Fact]
    public async Task TrustedContact_WhoSaysNo_IsNeverAlerted_AndNightYesFromAStranger_IsAnOrdinaryMessage()
    {
        var (_, _, due) = await ArmedAsync(agreed: []);

        Assert.Contains("you won't be told anything about Sam's check-ins", await App.ReplyAsync(Jo, "NO"), StringComparison.Ordinal);
        Assert.DoesNotContain("quiet hours", await App.ReplyAsync("+447911000999", "NIGHT YES"), StringComparison.Ordinal);

        App.Time.SetUtcNow(due + Net.Within + Net.Grace);
        await App.DispatchAsync();
        Assert.Empty(await App.OutboxAsync(MessageKinds.Alert));
    }

    [Fact]
    public async Task Duress_IsAcknowledgedAndShownAsAnyAnswer_ButAlertsEveryContactAtOnce_MarkedUrgent()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo", "lee"], duressWord: "pineapple");
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(5));

        var twiml = await App.ReplyAsync(Sam, "Pineápple! home soon");

        // Exactly the acknowledgement any answer gets.
        Assert.Equal("<Response><Message>AftercareNudge: Thanks, that answers your 14:30 check-in. This is not an emergency service: in an emergency, call your local emergency number.</Message></Response>", twiml);
        var alerts = await App.OutboxAsync(MessageKinds.Alert);
        Assert.Equal([Jo, Lee], alerts.Select(m => m.To).Order());
        Assert.All(alerts, m => Assert.StartsWith("AftercareNudge: URGENT: Sam told us at 14:35, with a word only they and we know, that they may not be safe.", m.Body, StringComparison.Ordinal));
        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyReminder));

        // To whoever reads the API, it is any answer: answered, the rungs cancelled because of it, the word nowhere.
        var json = await App.CreateClient(AppFactory.ClientAKey).GetStringAsync($"/api/events/{view.Id}", Ct);
        Assert.DoesNotContain("pineapple", json, StringComparison.OrdinalIgnoreCase);
        var seen = await App.GetEventAsync(view.Id);
        Assert.Equal(AwaitState.Answered, seen.CheckIns.Single(c => c.Id == checkIn).AwaitReply!.State);
        Assert.All(
            [SafetyLadder.ReminderId(checkIn), SafetyLadder.AlertId(checkIn, 1), SafetyLadder.AlertId(checkIn, 2)],
            id => Assert.Equal((CheckInStatus.Cancelled, "answered"), Row(seen.CheckIns, id)));
        Assert.All(seen.CheckIns.Where(c => c.Kind == CheckInKind.Alert), c => Assert.Null(c.SentAt));

        // No all-clear follows, whatever comes next from the phone; a contact's reply is not passed on.
        App.Time.Advance(TimeSpan.FromMinutes(2));
        await App.ReplyAsync(Sam, "ok really");
        Assert.Empty(await App.OutboxAsync(MessageKinds.AllClear));
        var toJo = await App.ReplyAsync(Jo, "Sam are you ok? calling you now");
        Assert.Contains("Your reply was not passed on to Sam: after an urgent alert we pass nothing on", toJo, StringComparison.Ordinal);
        Assert.Empty(await App.OutboxAsync(MessageKinds.Relay));
    }

    [Fact]
    public async Task Later_PushesTheDeadline_TheReminderAndAlertMoveWithIt_AtMostTwoHoursInAll()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(5));

        var later = await App.ReplyAsync(Sam, "LATER 30");

        Assert.Equal("<Response><Message>AftercareNudge: OK, your 14:30 check-in now waits for your answer until 15:20. Reply with anything to let us know you're OK.</Message></Response>", later);
        Assert.Equal(AwaitState.Waiting, (await AwaitedAsync(view.Id, checkIn)).State);
        App.Time.SetUtcNow(due + Net.Within);
        await App.DispatchAsync();
        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyReminder));
        App.Time.SetUtcNow(due + Net.Within + TimeSpan.FromMinutes(30));
        await App.DispatchAsync();
        Assert.Contains("With no answer by 15:30, the contacts you chose will be told.", Assert.Single(await App.OutboxAsync(MessageKinds.SafetyReminder)).Body, StringComparison.Ordinal);

        // 30, 60 and 90 minutes are more than two hours in all: the deadline stops at two hours past the first.
        Assert.Contains("until 16:20.", await App.ReplyAsync(Sam, "+60"), StringComparison.Ordinal);
        Assert.Contains("until 16:50. That is the latest it can be.", await App.ReplyAsync(Sam, "later 90 min"), StringComparison.Ordinal);
        App.Time.SetUtcNow(due + Net.Within + AwaitedReply.MaxExtension + Net.Grace);
        await App.DispatchAsync();
        Assert.Contains("They were expected to answer by 16:50 and have not.", Assert.Single(await App.OutboxAsync(MessageKinds.Alert)).Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellingAfterTheAlert_SendsNoAllClear_ButTellsTheAlertedContactsItWasCancelled()
    {
        var (view, _, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due + Net.Within + Net.Grace);
        await App.DispatchAsync();
        Assert.Single(await App.OutboxAsync(MessageKinds.Alert));

        var deleted = await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", Ct);
        await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", Ct); // a retry tells nobody twice

        Assert.True(deleted.IsSuccessStatusCode);
        Assert.Empty(await App.OutboxAsync(MessageKinds.AllClear));
        var told = Assert.Single(await App.OutboxAsync(MessageKinds.SafetyCancelled));
        Assert.Equal(
            (Jo, "AftercareNudge: Sam's check-in was cancelled after we alerted you, without an answer from Sam to us. We will send nothing more about it. If you are still worried, try to reach Sam; in an emergency, call your local emergency number."),
            (told.To, told.Body));
    }

    [Fact]
    public async Task UrgentAlert_HeldForTheNight_StillGoes_WhenTheEventIsCancelledAfterTheDuressWord()
    {
        var (view, _, due) = await ArmedAsync(agreed: ["jo", "lee"], quietHours: "14:00-16:00", lateAllowedFor: "jo", duressWord: "pineapple");
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(1));
        await App.ReplyAsync(Sam, "pineapple");
        Assert.Equal([Jo], (await App.OutboxAsync(MessageKinds.Alert)).Select(m => m.To));

        await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", Ct);
        App.Time.SetUtcNow(new DateTimeOffset(due.Date, TimeSpan.Zero) + TimeSpan.FromHours(16));
        await App.DispatchAsync();

        Assert.Equal([Jo, Lee], (await App.OutboxAsync(MessageKinds.Alert)).Select(m => m.To).Order());
        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyCancelled));
    }

    [Fact]
    public async Task Later_RetriedByTheWebhook_PushesOnce()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(1));
        var answers = App.Services.GetRequiredService<AwaitedAnswers>();
        var later = new IncomingSms(Sam, "LATER 30", "SM-later-retried", null);

        await answers.ExtendAsync(later, Ct);
        await answers.ExtendAsync(later, Ct);

        Assert.Equal(TimeSpan.FromMinutes(30), (await AwaitedAsync(view.Id, checkIn)).ExtendedBy);
    }

    private static (CheckInStatus Status, string? Reason) Row(IReadOnlyList<CheckInView> rows, string id) =>
        rows.Single(c => c.Id == id) is var row ? (row.Status, row.Reason) : default;

    private async Task<AwaitedReply> AwaitedAsync(string eventId, string checkInId) =>
        (await App.Services.GetRequiredService<EventStore>().GetAwaitedAsync(eventId, checkInId, Ct))!;

    /// <summary>
    /// The organiser's own SMS check-in, armed with two trusted contacts, Jo and Lee, registered
    /// through the API; those in <paramref name="agreed"/> answer their request YES (and NIGHT YES if
    /// <paramref name="lateAllowedFor"/> names them).
    /// </summary>
    private async Task<(EventView View, string CheckIn, DateTimeOffset Due)> ArmedAsync(string[] agreed, string? quietHours = null, string? lateAllowedFor = null, string? duressWord = null, bool confirmed = true)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        foreach (var (key, name, phone) in new[] { ("jo", "Jo", Jo), ("lee", "Lee", Lee) })
        {
            body["people"]!.AsArray().Add(new JsonObject { ["key"] = key, ["name"] = name, ["phone"] = phone, ["timeZone"] = "Etc/UTC", ["quietHours"] = quietHours, ["role"] = "trustedContact" });
        }

        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee"), ["note"] = "at the Crown", ["duressWord"] = duressWord };
        var view = await App.RegisterAsync(body);
        if (confirmed)
        {
            await App.GrantAsync(view, "organizer", Channel.Sms);
        }

        foreach (var (key, phone) in new[] { ("jo", Jo), ("lee", Lee) }.Where(c => agreed.Contains(c.Item1)))
        {
            Assert.Contains("you'll be told if Sam does not answer", await App.ReplyAsync(phone, "YES"), StringComparison.Ordinal);
            if (key == lateAllowedFor)
            {
                await App.ReplyAsync(phone, "NIGHT YES");
            }
        }

        var checkIn = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);
        return (view, checkIn.Id, checkIn.DueAt);
    }
}

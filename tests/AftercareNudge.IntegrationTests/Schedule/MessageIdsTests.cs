using System.Reflection;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Schedule;

/// <summary>
/// Every message the app sends about a check-in carries ids the providers echo back in their delivery
/// reports (the status callback's query, SendGrid's custom args). A report is applied only when
/// <see cref="Ids"/> recognises those ids, so every kind of message the app sends is made here, through
/// the real dispatcher, and the ids it went out with are asked of <see cref="Ids"/>. A new kind of
/// message fails this test until it is made here too.
/// </summary>
public sealed class MessageIdsTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "+447911123457";
    private const string Sam = "+447911123456";
    private const string Lee = "+447911123460";

    /// <summary>
    /// The kinds that are about no check-in row: consent requests, the answers to an inbound SMS, the word
    /// that a kept reply went, and the word to alerted contacts that an event was cancelled.
    /// </summary>
    private static readonly string[] NotAboutACheckIn = [MessageKinds.ConsentRequest, MessageKinds.ConsentReply, MessageKinds.ReplyPassedOn, MessageKinds.SafetyCancelled];

    // Alex's check-in goes; every later check-in and every fallback or notice is refused, so that each
    // kind of follow-up is made (and sent, with its id) once.
    private readonly ScriptedSender _sender = new(SendResult.Sent("SM0123456789abcdef0123456789abcdef"), SendResult.Permanent("twilio-30005"))
    {
        FollowUpScript = [SendResult.Permanent("twilio-30005")],
    };

    protected override AppFactory CreateApp() => AppFactory.WithProviders(Azurite, () => _sender);

    [Fact]
    public async Task EveryKindOfMessage_AboutACheckIn_GoesOutWithIdsTheDeliveryReportsAccept()
    {
        var view = await App.RegisterAsync(EveryKindPlan());
        foreach (var (who, channel) in new[] { ("alex", Channel.Sms), ("kit", Channel.Sms), ("kit", Channel.Email), ("jo", Channel.Sms), ("organizer", Channel.Sms), ("organizer", Channel.Email) })
        {
            await App.GrantAsync(view, who, channel);
        }

        await App.AgreeToPlanAsync(view.Id, "kit");
        var inbound = App.Services.GetRequiredService<InboundSms>();
        await inbound.HandleAsync(new IncomingSms(Lee, "YES", Ids.NewDevelopmentMessageId(), null), CancellationToken.None); // Lee agrees to be told
        await AtAsync(view, TimeSpan.FromMinutes(30)); // Alex's text goes
        await inbound.HandleAsync(new IncomingSms(Alex, "can you call me", "SM00000000000000000000000000000030", null), CancellationToken.None);
        await inbound.HandleAsync(new IncomingSms(Alex, "actually, text is fine", Ids.NewDevelopmentMessageId(), null), CancellationToken.None);
        await AtAsync(view, TimeSpan.FromMinutes(45)); // Kit's text is refused: a fallback email, refused: a notice about both
        await AtAsync(view, TimeSpan.FromMinutes(50)); // Jo's text is refused, and Jo has no email: a notice
        await AtAsync(view, TimeSpan.FromMinutes(60)); // the reminder to Sam
        await AtAsync(view, TimeSpan.FromMinutes(65)); // Sam's armed check-in (refused: the ladder goes on)
        await AtAsync(view, TimeSpan.FromMinutes(70)); // no answer: the safety reminder
        await AtAsync(view, TimeSpan.FromMinutes(75)); // still none: the alert to Lee
        await inbound.HandleAsync(new IncomingSms(Sam, "ok", Ids.NewDevelopmentMessageId(), null), CancellationToken.None); // the all-clear to Lee

        var sent = _sender.All.Select(m => m switch
        {
            SmsMessage sms => (sms.Kind, sms.EventId, sms.CheckInId),
            EmailMessage email => (email.Kind, email.EventId, email.CheckInId),
            _ => throw new InvalidOperationException("Not a message."),
        }).ToList();
        var kinds = typeof(MessageKinds).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToList();
        Assert.Equal(12, kinds.Count);
        foreach (var kind in kinds.Except(NotAboutACheckIn))
        {
            var ofKind = sent.Where(m => m.Kind == kind).ToList();
            Assert.True(ofKind.Count > 0, $"No {kind} was sent: make one in this test.");
            Assert.All(ofKind, m => Assert.True(Ids.IsEventId(m.EventId) && Ids.IsCheckInId(m.CheckInId), $"A {kind} went out as {m.EventId}/{m.CheckInId}, which a delivery report for it would not be applied to."));
        }

        Assert.All(sent.Where(m => NotAboutACheckIn.Contains(m.Kind)), m => Assert.Null(m.CheckInId));
        var ids = sent.Select(m => m.CheckInId).OfType<string>().ToList();
        Assert.Contains(ids, id => id.EndsWith("-fb", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.EndsWith("-fb-nt", StringComparison.Ordinal));
        Assert.Contains(ids, id => id.StartsWith("ci_", StringComparison.Ordinal) && id.EndsWith("-nt", StringComparison.Ordinal) && !id.EndsWith("-fb-nt", StringComparison.Ordinal));
        Assert.Contains(ids, id => id == "rl-SM00000000000000000000000000000030");
        Assert.Contains(ids, id => id.StartsWith("rl-dev-", StringComparison.Ordinal));
        var relays = (await App.GetEventAsync(view.Id)).CheckIns.Where(c => c.Kind == CheckInKind.Relay).ToList();
        Assert.Equal(2, relays.Count);
    }

    /// <summary>
/// Texts to Alex, Kit (who also has an email) and Jo (who has none), a reminder to Sam, and Sam's own
/// armed check-in with Lee as trusted contact, each at its own time after the end.
/// </summary>
    private JsonObject EveryKindPlan()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        var people = (JsonArray)body["people"]!;
        people.Add(new JsonObject { ["key"] = "kit", ["name"] = "Kit", ["phone"] = "+447911123458", ["email"] = "kit@example.com" });
        people.Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["phone"] = "+447911123459" });
        people.Add(new JsonObject { ["key"] = "lee", ["name"] = "Lee", ["phone"] = Lee, ["role"] = "trustedContact" });
        var armed = Text("organizer", "PT65M");
        armed["awaitReply"] = new JsonObject { ["within"] = "PT5M", ["grace"] = "PT5M", ["escalateTo"] = new JsonArray("lee") };
        body["checkIns"] = new JsonArray
        {
            Text("alex", "PT30M"),
            Text("kit", "PT45M"),
            Text("jo", "PT50M"),
            armed,
        };
        body["aftercare"] = new JsonObject
        {
            ["plan"] = "Water, a blanket, and a call the next day.",
            ["reminders"] = new JsonArray { new JsonObject { ["to"] = "organizer", ["after"] = "end", ["offset"] = "PT1H" } },
        };
        return body;
    }

    private static JsonObject Text(string to, string offset) =>
        new() { ["to"] = to, ["channel"] = "sms", ["after"] = "end", ["offset"] = offset, ["message"] = "How are you doing?" };

    /// <summary>Moves to <paramref name="afterEnd"/> after the event's end and dispatches until nothing more is due (follow-ups come due during a run).</summary>
    private async Task AtAsync(EventView view, TimeSpan afterEnd)
    {
        var at = view.EndsAtUtc + afterEnd;
        if (App.Time.GetUtcNow() < at)
        {
            App.Time.Advance(at - App.Time.GetUtcNow());
        }

        for (var run = 0; run < 4; run++)
        {
            await App.DispatchAsync();
        }
    }
}

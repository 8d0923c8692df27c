using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Notifications;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// The safety net's client webhooks: <c>checkin.missed</c> when the reminder goes, <c>escalation.sent</c>
/// per contact alerted, <c>checkin.answered</c> and <c>escalation.cleared</c> after an answer,
/// <c>escalation.failed</c> for an alert that could not go; signed as every notification, once per
/// fact, with ids and person keys only. A duress answer is told exactly as any answer, and nothing else.
/// A contact who leaves while the check-in has not closed is told as <c>escalation.contact-left</c>.
/// </summary>
public sealed class SafetyWebhookTests(AzuriteFixture azurite) : AppTest(azurite), IAsyncLifetime
{
    private const string Sam = "+447911123456";
    private const string Jo = "+447911000222";
    private const string Lee = "+447911000333";
    private const string SecretA = "client-a-webhook-secret-0123456789abcdef";
    private static readonly string[] SafetyTypes =
        ["checkin.answered", "checkin.missed", "escalation.sent", "escalation.cleared", "escalation.failed", "escalation.contact-left"];

    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    protected override AppFactory CreateApp() => new(Azurite, Settings());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task NoAnswer_TellsMissed_ThenEscalationSentWithTheContactsKey_Signed()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);

        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(20));
        await App.DispatchAsync();
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(30));
        await App.DispatchAsync();
        await DeliverAsync();

        var safety = SafetyNotifications();
        Assert.Equal(["checkin.missed", "escalation.sent"], safety.Select(r => r.Type));
        var missed = safety[0];
        Assert.Equal((view.Id, checkIn, "organizer", "sms"), Facts(missed));
        var sent = safety[1];
        Assert.Equal((view.Id, checkIn, "jo", "sms"), Facts(sent));
        foreach (var r in safety)
        {
            AssertSigned(r, SecretA);
            AssertNoWords(r);
        }
    }

    [Fact]
    public async Task AnswerAfterTheAlert_TellsAnswered_AndEscalationClearedForEachAlertedContact()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo", "lee"]);
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(30));
        await App.DispatchAsync();

        App.Time.Advance(TimeSpan.FromMinutes(7));
        await App.ReplyAsync(Sam, "sorry, phone died. I'm fine");
        await App.DispatchAsync();
        await DeliverAsync();

        var safety = SafetyNotifications();
        var answered = Assert.Single(safety, r => r.Type == "checkin.answered");
        Assert.Equal((view.Id, checkIn, "organizer", "sms"), Facts(answered));
        Assert.Equal(["jo", "lee"], safety.Where(r => r.Type == "escalation.cleared").Select(r => r.Data["personKey"]!.GetValue<string>()).Order());
        Assert.Equal(["jo", "lee"], safety.Where(r => r.Type == "escalation.sent").Select(r => r.Data["personKey"]!.GetValue<string>()).Order());
        Assert.All(safety, r => AssertSigned(r, SecretA));
        Assert.All(safety, AssertNoWords);
    }

    [Fact]
    public async Task DuressAnswer_IsToldExactlyAsAnyAnswer_AndNoEscalationAtAll()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo", "lee"], duressWord: "pineapple");
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(5));

        await App.ReplyAsync(Sam, "Pineapple! home soon");
        await App.DispatchAsync();
        App.Time.SetUtcNow(due + TimeSpan.FromHours(1));
        await App.DispatchAsync();
        await DeliverAsync();

        Assert.Equal(2, (await App.OutboxAsync(MessageKinds.Alert)).Count);
        var answered = Assert.Single(SafetyNotifications());
        Assert.Equal("checkin.answered", answered.Type);
        Assert.Equal((view.Id, checkIn, "organizer", "sms"), Facts(answered));
        Assert.Equal(
            ["channel", "checkInId", "eventId", "personKey"],
            answered.Data.Where(p => p.Value is not null).Select(p => p.Key).Order());
        Assert.DoesNotContain("pineapple", Encoding.UTF8.GetString(answered.Body), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_receiver.At("/a"), r => r.Type.StartsWith("escalation.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DuressAfterAnAlertWent_TellsTheClientExactlyWhatARealAnswerAfterItWould_AndNothingOfTheUrgentFollowUp()
    {
        var start = App.Time.GetUtcNow();
        var real = await ToldAfterAnswerAsync("sorry, phone died. I'm fine", duressWord: null);
        App.Time.SetUtcNow(start + TimeSpan.FromDays(2));
        var duress = await ToldAfterAnswerAsync("pineapple", duressWord: "pineapple");

        Assert.Equal(real, duress);
        Assert.Contains(("escalation.cleared", "", "jo", null), duress);
        Assert.Contains(("checkin.sent", "-ac1", "jo", "sent"), duress);
        Assert.DoesNotContain(duress, t => t.Item2.StartsWith("-ur", StringComparison.Ordinal));
    }

    /// <summary>Jo alerted, then Sam's message seven minutes later: every webhook about the event, its check-in ids relative to the armed one's.</summary>
    private async Task<List<(string, string, string, string?)>> ToldAfterAnswerAsync(string answer, string? duressWord)
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], duressWord: duressWord);
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(20));
        await App.DispatchAsync();
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(30));
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(7));
        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Sam, answer, Ids.NewDevelopmentMessageId(), null), CancellationToken.None);
        await App.DispatchAsync();
        await DeliverAsync();
        return [.. _receiver.At("/a")
            .Where(r => r.Data["eventId"]?.GetValue<string>() == view.Id)
            .Select(r => (r.Type, r.Data["checkInId"]?.GetValue<string>()?[checkIn.Length..] ?? "", r.Data["personKey"]?.GetValue<string>() ?? "", r.Data["status"]?.GetValue<string>()))
            .Where(t => t.Type.StartsWith("checkin.", StringComparison.Ordinal) || t.Type.StartsWith("escalation.", StringComparison.Ordinal))
            .Order()];
    }

    [Fact]
    public async Task PlainAnswer_LooksExactlyLikeADuressAnswer()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"], duressWord: "pineapple");
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(5));

        await App.ReplyAsync(Sam, "home soon");
        await DeliverAsync();

        var answered = Assert.Single(SafetyNotifications());
        Assert.Equal("checkin.answered", answered.Type);
        Assert.Equal((view.Id, checkIn, "organizer", "sms"), Facts(answered));
        Assert.Equal(
            ["channel", "checkInId", "eventId", "personKey"],
            answered.Data.Where(p => p.Value is not null).Select(p => p.Key).Order());
    }

    [Fact]
    public async Task AlertThatFails_TellsEscalationFailed_NotSent()
    {
        var sender = new ScriptedSender(SendResult.Sent("SM0123456789abcdef0123456789abcdef"))
        {
            AlertScript = [SendResult.Permanent("twilio-30005")],
        };
        UseApp(AppFactory.WithProviders(Azurite, () => sender, Settings()));
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);

        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(30));
        await App.DispatchAsync();
        await DeliverAsync();

        Assert.Single(sender.Alerts);
        var safety = SafetyNotifications();
        Assert.DoesNotContain(safety, r => r.Type == "escalation.sent");
        var failed = Assert.Single(safety, r => r.Type == "escalation.failed");
        Assert.Equal((view.Id, checkIn, "jo", "sms"), Facts(failed));
        AssertSigned(failed, SecretA);
    }

    [Fact]
    public async Task ContactStops_BeforeTheCheckInCloses_TellsContactLeftWithTheirKey_Once()
    {
        var (view, checkIn, _) = await ArmedAsync(agreed: ["jo", "lee"]);

        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Jo, "STOP", Ids.NewDevelopmentMessageId(), null), CancellationToken.None);
        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Jo, "START", Ids.NewDevelopmentMessageId(), null), CancellationToken.None);
        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Jo, "STOP", Ids.NewDevelopmentMessageId(), null), CancellationToken.None);
        await DeliverAsync();

        var left = Assert.Single(SafetyNotifications());
        Assert.Equal("escalation.contact-left", left.Type);
        Assert.Equal((view.Id, checkIn, "jo", "sms"), Facts(left));
        AssertSigned(left, SecretA);
        AssertNoWords(left);
    }

    [Fact]
    public async Task ContactStops_AfterTheAnswer_TellsNoContactLeft()
    {
        var (_, _, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();
        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Sam, "home", Ids.NewDevelopmentMessageId(), null), CancellationToken.None);

        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Jo, "STOP", Ids.NewDevelopmentMessageId(), null), CancellationToken.None);
        await DeliverAsync();

        Assert.DoesNotContain(SafetyNotifications(), r => r.Type == "escalation.contact-left");
    }

    private Dictionary<string, string?> Settings() => new()
    {
        ["Notifications:DeliverAtOnce"] = "false",
        ["Api:Webhooks:clientA:Url"] = _receiver.Url("a").AbsoluteUri,
        ["Api:Webhooks:clientA:Secret"] = SecretA,
    };

    private List<ReceivedWebhook> SafetyNotifications() =>
        [.. _receiver.At("/a").Where(r => SafetyTypes.Contains(r.Type)).OrderBy(r => r.Json["createdAt"]!.GetValue<DateTimeOffset>()).ThenBy(r => r.Type, StringComparer.Ordinal)];

    private static (string, string, string, string) Facts(ReceivedWebhook r) => (
        r.Data["eventId"]!.GetValue<string>(),
        r.Data["checkInId"]!.GetValue<string>(),
        r.Data["personKey"]!.GetValue<string>(),
        r.Data["channel"]!.GetValue<string>());

    private Task DeliverAsync() => App.Services.GetRequiredService<WebhookDelivery>().RunAsync(CancellationToken.None);

    private void AssertSigned(ReceivedWebhook r, string secret)
    {
        // Computed here from the Standard Webhooks definition, not with the app's code.
        Assert.Equal("application/json", r.ContentType?.Split(';')[0]);
        Assert.Equal(r.Json["id"]!.GetValue<string>(), r.Id);
        Assert.StartsWith("ntf_", r.Id, StringComparison.Ordinal);
        Assert.Equal(App.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), r.Timestamp);
        var signed = Encoding.UTF8.GetBytes(r.Id + "." + r.Timestamp + ".").Concat(r.Body).ToArray();
        Assert.Equal("v1," + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)), r.Signature);
    }

    private static void AssertNoWords(ReceivedWebhook r)
    {
        var body = Encoding.UTF8.GetString(r.Body);
        foreach (var personal in new[] { "+44", "7911", "Sam", "Jo\"", "Crown", "phone died" })
        {
            Assert.DoesNotContain(personal, body, StringComparison.Ordinal);
        }
    }

    private async Task<(EventView View, string CheckIn, DateTimeOffset Due)> ArmedAsync(string[] agreed, string? duressWord = null)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        foreach (var (key, name, phone) in new[] { ("jo", "Jo", Jo), ("lee", "Lee", Lee) })
        {
            body["people"]!.AsArray().Add(new JsonObject { ["key"] = key, ["name"] = name, ["phone"] = phone, ["timeZone"] = "Etc/UTC", ["role"] = "trustedContact" });
        }

        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee"), ["note"] = "at the Crown", ["duressWord"] = duressWord };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        foreach (var phone in new[] { ("jo", Jo), ("lee", Lee) }.Where(c => agreed.Contains(c.Item1)).Select(c => c.Item2))
        {
            // The service call the SMS webhook makes: the dev route is not there beside the providers.
            await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(phone, "YES", Ids.NewDevelopmentMessageId(), null), CancellationToken.None);
        }

        var checkIn = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);
        return (view, checkIn.Id, checkIn.DueAt);
    }
}

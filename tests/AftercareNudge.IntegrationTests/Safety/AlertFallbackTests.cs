using System.Net;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Notifications;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// Alerts are never lost: an alert that fails for good (at once, or by a delivery report that comes
/// later) goes once more on the contact's other channel, as an alert like any other (same words, withheld
/// by an answer); <c>escalation.failed</c> reaches the client only when no channel reached the contact;
/// and the all-clear goes where the alert went.
/// </summary>
public sealed class AlertFallbackTests(AzuriteFixture azurite) : AppTest(azurite), IAsyncLifetime
{
    private const string Sam = "+447911123456";
    private const string Jo = "+447911000222";
    private const string JoEmail = "jo@example.com";
    private const string Lee = "+447911000333";
    private const string AlertSid = "SM0123456789abcdef0123456789abcd01";
    private const string SecretA = "client-a-webhook-secret-0123456789abcdef";
    private static readonly TimeSpan AlertAfter = TimeSpan.FromMinutes(30);

    private WebhookReceiver _receiver = null!;
    private ScriptedSender _sender = new(SendResult.Sent("SM0123456789abcdef0123456789abcdef"));

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    protected override AppFactory CreateApp() => AppFactory.WithProviders(Azurite, () => _sender, new Dictionary<string, string?>
    {
        ["Notifications:DeliverAtOnce"] = "false",
        ["Api:Webhooks:clientA:Url"] = _receiver.Url("a").AbsoluteUri,
        ["Api:Webhooks:clientA:Secret"] = SecretA,
    });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task AlertFailsForGood_GoesOnceMoreByTheContactsEmail_WithTheSameWords()
    {
        _sender = Scripted(SendResult.Permanent("twilio-30005"), SendResult.Sent("sg-alert-1"));
        var (view, checkIn, due) = await ArmedAsync("jo");
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();

        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();
        await App.DispatchAsync();
        await DeliverAsync();

        Assert.Equal(2, _sender.Alerts.Count);
        var text = Assert.IsType<SmsMessage>(_sender.Alerts.First());
        var mail = Assert.IsType<EmailMessage>(_sender.Alerts.Last());
        Assert.Equal((Jo, JoEmail, MessageKinds.Alert), (text.To, mail.To, mail.Kind));
        Assert.Equal(text.Body, $"AftercareNudge: {mail.Text} Reply STOP to opt out.");
        Assert.Equal("Sam has not answered a check-in", mail.Subject);
        var rows = (await App.GetEventAsync(view.Id)).CheckIns;
        var alertId = SafetyLadder.AlertId(checkIn, 1);
        Assert.Equal((CheckInStatus.Failed, Channel.Sms), Row(rows, alertId));
        Assert.Equal((CheckInStatus.Sent, Channel.Email), Row(rows, SafetyLadder.FallbackId(alertId)));
        var told = Assert.Single(Escalations());
        Assert.Equal(("escalation.sent", "jo", "email"), told);
    }

    [Fact]
    public async Task FallbackFailsToo_TellsEscalationFailedOnce()
    {
        _sender = Scripted(SendResult.Permanent("twilio-30005"), SendResult.Permanent("bounced"));
        var (view, checkIn, due) = await ArmedAsync("jo");

        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(5));
        await App.DispatchAsync();
        await DeliverAsync();

        Assert.Equal(2, _sender.Alerts.Count);
        Assert.Equal((CheckInStatus.Failed, Channel.Email), Row((await App.GetEventAsync(view.Id)).CheckIns, SafetyLadder.FallbackId(SafetyLadder.AlertId(checkIn, 1))));
        Assert.Equal([("escalation.failed", "jo", "email")], Escalations());
    }

    [Fact]
    public async Task AlertFailsAndTheContactHasNoOtherChannel_TellsEscalationFailed_AndMakesNoFallback()
    {
        _sender = Scripted(SendResult.Permanent("twilio-30005"));
        var (view, checkIn, due) = await ArmedAsync("lee");

        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();
        await App.DispatchAsync();
        await DeliverAsync();

        Assert.Single(_sender.Alerts);
        Assert.DoesNotContain((await App.GetEventAsync(view.Id)).CheckIns, c => c.Id == SafetyLadder.FallbackId(SafetyLadder.AlertId(checkIn, 2)));
        Assert.Equal([("escalation.failed", "lee", "sms")], Escalations());
    }

    [Fact]
    public async Task DeliveryReportLaterSaysTheAlertDidNotArrive_TheFallbackGoes()
    {
        _sender = Scripted(SendResult.Sent(AlertSid), SendResult.Sent("sg-alert-1"));
        var (view, checkIn, due) = await ArmedAsync("jo");
        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();

        await ReportUndeliveredAsync();
        await App.DispatchAsync();
        await DeliverAsync();

        var mail = Assert.IsType<EmailMessage>(_sender.Alerts.Last());
        Assert.Equal((2, JoEmail), (_sender.Alerts.Count, mail.To));
        var alertId = SafetyLadder.AlertId(checkIn, 1);
        var rows = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.Equal((CheckInStatus.Failed, Channel.Sms), Row(rows, alertId));
        Assert.Equal((CheckInStatus.Sent, Channel.Email), Row(rows, SafetyLadder.FallbackId(alertId)));
        Assert.DoesNotContain(Escalations(), e => e.Type == "escalation.failed");
    }

    [Fact]
    public async Task DeliveryReportLaterSaysTheAlertDidNotArrive_NoOtherChannel_TellsEscalationFailed()
    {
        _sender = Scripted(SendResult.Sent(AlertSid));
        var (_, _, due) = await ArmedAsync("lee");
        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();

        App.Time.Advance(TimeSpan.FromMinutes(1));
        await ReportUndeliveredAsync();
        await App.DispatchAsync();
        await DeliverAsync();

        Assert.Single(_sender.Alerts);
        Assert.Equal([("escalation.sent", "lee", "sms"), ("escalation.failed", "lee", "sms")], Escalations());
    }

    [Fact]
    public async Task AnswerAfterTheFallbackWent_TheAllClearGoesByEmail()
    {
        _sender = Scripted(SendResult.Permanent("twilio-30005"), SendResult.Sent("sg-alert-1"));
        var (_, _, due) = await ArmedAsync("jo");
        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();
        await App.DispatchAsync();
        Assert.Equal(2, _sender.Alerts.Count);

        App.Time.Advance(TimeSpan.FromMinutes(4));
        await ReplyAsync("I'm fine, phone was off");
        await App.DispatchAsync();

        var allClear = Assert.Single(_sender.All.OfType<EmailMessage>(), m => m.Kind == MessageKinds.AllClear);
        Assert.Equal(JoEmail, allClear.To);
        Assert.DoesNotContain(_sender.All.OfType<SmsMessage>(), m => m.Kind == MessageKinds.AllClear);
    }

    [Fact]
    public async Task AnswerBeforeTheFallbackGoes_WithholdsIt_AndTheAllClearGoesWhereTheAlertWent()
    {
        _sender = Scripted(SendResult.Sent(AlertSid));
        var (view, checkIn, due) = await ArmedAsync("jo");
        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();
        await ReportUndeliveredAsync();
        var fallbackId = SafetyLadder.FallbackId(SafetyLadder.AlertId(checkIn, 1));
        Assert.Equal(CheckInStatus.Scheduled, (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == fallbackId).Status);

        App.Time.Advance(TimeSpan.FromMinutes(2));
        await ReplyAsync("all good");
        await App.DispatchAsync();

        Assert.Single(_sender.Alerts);
        var withheld = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == fallbackId);
        Assert.Equal((CheckInStatus.Cancelled, "answered"), (withheld.Status, withheld.Reason));
        Assert.Equal(Jo, Assert.Single(_sender.All.OfType<SmsMessage>(), m => m.Kind == MessageKinds.AllClear).To);
        Assert.DoesNotContain(_sender.All.OfType<EmailMessage>(), m => m.Kind is MessageKinds.AllClear or MessageKinds.Alert);
    }

    [Fact]
    public async Task TheClientsMessagesForTheDayAreUsedUp_TheFallbackGoesEvenSo()
    {
        _sender = Scripted(SendResult.Permanent("twilio-30005"), SendResult.Sent("sg-alert-1"));
        var (view, _, due) = await ArmedAsync("jo");
        var clientId = (await App.Services.GetRequiredService<EventStore>().GetEventAsync(view.Id, CancellationToken.None))!.ClientId;
        App.Time.SetUtcNow(due + AlertAfter);
        var quotas = App.Services.GetRequiredService<ClientQuotas>();
        for (var taken = 0; await quotas.TryTakeAsync(clientId, Quota.Messages, 1000, CancellationToken.None) is null; taken++)
        {
            Assert.True(taken < 1000, "the day's messages never ran out");
        }

        await App.DispatchAsync();
        await App.DispatchAsync();

        Assert.Equal(JoEmail, Assert.IsType<EmailMessage>(_sender.Alerts.Last()).To);
        Assert.Equal(2, _sender.Alerts.Count);
    }

    [Fact]
    public async Task UrgentAlertFails_GoesByEmailAtOnce_AndTheClientHearsOnlyTheAnswer()
    {
        _sender = Scripted(SendResult.Permanent("twilio-30005"), SendResult.Sent("sg-alert-1"));
        var (_, _, due) = await ArmedAsync("jo", duressWord: "pineapple");
        App.Time.SetUtcNow(due);
        await App.DispatchAsync();

        App.Time.Advance(TimeSpan.FromMinutes(3));
        await ReplyAsync("pineapple");
        await App.DispatchAsync();
        await DeliverAsync();

        var mail = Assert.IsType<EmailMessage>(_sender.Alerts.Last());
        Assert.Equal((2, JoEmail), (_sender.Alerts.Count, mail.To));
        Assert.Contains("URGENT", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(_receiver.At("/a"), r => r.Type.StartsWith("escalation.", StringComparison.Ordinal));
    }

    /// <summary>Review of issue 23: an alert whose try had an unknown outcome may have arrived; an answer then sends its all-clear at once, and its retry is withheld.</summary>
    [Fact]
    public async Task AlertOfUnknownOutcome_ThenAnAnswer_TheAllClearGoesAtOnce_AndTheRetryIsWithheldKeepingWhyItMayHaveGone()
    {
        _sender = Scripted(SendResult.Ambiguous("timeout"));
        var (view, checkIn, due) = await ArmedAsync("jo");
        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();
        var alertId = SafetyLadder.AlertId(checkIn, 1);
        Assert.Equal(CheckInStatus.Scheduled, (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == alertId).Status);

        await ReplyAsync("home now");
        await App.DispatchAsync();
        Assert.Equal(Jo, Assert.Single(_sender.All.OfType<SmsMessage>(), m => m.Kind == MessageKinds.AllClear).To);

        App.Time.Advance(TimeSpan.FromHours(1));
        await App.DispatchAsync();
        Assert.Single(_sender.Alerts);
        var retry = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == alertId);
        Assert.Equal(CheckInStatus.Cancelled, retry.Status);
        Assert.StartsWith(CheckInReasons.OutcomeUnknownPrefix, retry.Reason, StringComparison.Ordinal);
    }

    /// <summary>Review of issue 23: a fallback whose try had an unknown outcome may have reached the contact; an answer sends the all-clear on its channel at once.</summary>
    [Fact]
    public async Task FallbackOfUnknownOutcome_ThenAnAnswer_TheAllClearGoesByTheFallbacksChannelAtOnce()
    {
        _sender = Scripted(SendResult.Permanent("twilio-30005"), SendResult.Ambiguous("timeout"));
        var (view, checkIn, due) = await ArmedAsync("jo");
        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();
        await App.DispatchAsync();
        Assert.Equal(CheckInStatus.Scheduled, (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == SafetyLadder.FallbackId(SafetyLadder.AlertId(checkIn, 1))).Status);

        await ReplyAsync("home now");
        await App.DispatchAsync();

        Assert.Equal(JoEmail, Assert.Single(_sender.All.OfType<EmailMessage>(), m => m.Kind == MessageKinds.AllClear).To);
        Assert.DoesNotContain(_sender.All.OfType<SmsMessage>(), m => m.Kind == MessageKinds.AllClear);
    }

    /// <summary>Review of issue 23: the urgent follow-up is an alert too, and is not lost when its channel fails.</summary>
    [Fact]
    public async Task UrgentFollowUpFails_GoesOnceMoreByTheContactsEmail()
    {
        _sender = Scripted(SendResult.Sent(AlertSid), SendResult.Permanent("twilio-30005"), SendResult.Sent("sg-urgent-1"));
        var (view, checkIn, due) = await ArmedAsync("jo", duressWord: "pineapple");
        App.Time.SetUtcNow(due + AlertAfter);
        await App.DispatchAsync();

        await ReplyAsync("pineapple");
        await App.DispatchAsync();
        await App.DispatchAsync();

        Assert.Equal(3, _sender.Alerts.Count);
        var mail = Assert.IsType<EmailMessage>(_sender.Alerts.Last());
        Assert.Equal(JoEmail, mail.To);
        Assert.Contains("URGENT", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain((await App.GetEventAsync(view.Id)).CheckIns, c => c.Id.StartsWith(SafetyLadder.UrgentId(SafetyLadder.AlertId(checkIn, 1)), StringComparison.Ordinal));
    }

    /// <summary>Review of issue 23: an answer that came before the event was cancelled still sends its all-clear, even one still waiting for its alert.</summary>
    [Fact]
    public async Task AnswerThenCancel_TheAllClearStillGoes_AndNoCancellationNews()
    {
        var alerting = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        _sender = new ScriptedSender(SendResult.Sent("SM0123456789abcdef0123456789abcdef"))
        {
            AlertScript = [SendResult.Sent(AlertSid)],
            WhileAlerting = async _ => { alerting.TrySetResult(); await release.Task; },
        };
        var (view, _, due) = await ArmedAsync("jo");
        App.Time.SetUtcNow(due + AlertAfter);
        var dispatching = App.DispatchAsync();
        await alerting.Task;

        // While the alert is being sent: the answer, then the cancellation.
        await ReplyAsync("home now");
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/events/{view.Id}", TestContext.Current.CancellationToken)).StatusCode);
        release.SetResult();
        await dispatching;
        App.Time.Advance(TimeSpan.FromSeconds(10));
        await App.DispatchAsync();

        Assert.Equal(Jo, Assert.Single(_sender.All.OfType<SmsMessage>(), m => m.Kind == MessageKinds.AllClear).To);
        Assert.DoesNotContain(_sender.All.OfType<SmsMessage>(), m => m.Kind == MessageKinds.SafetyCancelled);
    }

    /// <summary>Sam's text, as the SMS webhook hands it over (the development route is not there beside the providers).</summary>
    private Task ReplyAsync(string body) =>
        App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Sam, body, Ids.NewDevelopmentMessageId(), null), CancellationToken.None);

    private static ScriptedSender Scripted(params SendResult[] alerts) => new(SendResult.Sent("SM0123456789abcdef0123456789abcdef")) { AlertScript = alerts };

    private static (CheckInStatus, Channel) Row(IEnumerable<CheckInView> rows, string id) =>
        rows.Single(c => c.Id == id) is var row ? (row.Status, row.Channel) : default;

    /// <summary>Twilio's status callback for the (first) SMS alert: it was not delivered.</summary>
    private async Task ReportUndeliveredAsync()
    {
        var callback = TwilioSmsClient.StatusCallbackUrl(new PublicOptions { BaseUrl = new Uri(AppFactory.PublicBaseUrl) }, Assert.IsType<SmsMessage>(_sender.Alerts.First()));
        using var request = TwilioWebhook.Request(
            callback.PathAndQuery,
            new Dictionary<string, string> { ["MessageSid"] = AlertSid, ["MessageStatus"] = "undelivered", ["ErrorCode"] = "30003" },
            callback.AbsoluteUri);
        var response = await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task DeliverAsync() => App.Services.GetRequiredService<WebhookDelivery>().RunAsync(CancellationToken.None);

    /// <summary>The escalation webhooks the client got, oldest first: type, contact and channel.</summary>
    private List<(string Type, string Person, string Channel)> Escalations() =>
        [.. _receiver.At("/a")
            .Where(r => r.Type.StartsWith("escalation.", StringComparison.Ordinal))
            .OrderBy(r => r.Json["createdAt"]!.GetValue<DateTimeOffset>())
            .Select(r => (r.Type, r.Data["personKey"]!.GetValue<string>(), r.Data["channel"]!.GetValue<string>()))];

    /// <summary>
    /// Sam's armed check-in, escalating to Jo (phone and email) and Lee (phone only); only
    /// <paramref name="agreed"/> agreed, so only their alert goes.
    /// </summary>
    private async Task<(EventView View, string CheckIn, DateTimeOffset Due)> ArmedAsync(string agreed, string? duressWord = null)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["phone"] = Jo, ["email"] = JoEmail, ["timeZone"] = "Etc/UTC", ["role"] = "trustedContact" });
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "lee", ["name"] = "Lee", ["phone"] = Lee, ["timeZone"] = "Etc/UTC", ["role"] = "trustedContact" });
        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee"), ["note"] = "at the Crown", ["duressWord"] = duressWord };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(agreed == "jo" ? Jo : Lee, "YES", Ids.NewDevelopmentMessageId(), null), CancellationToken.None);

        var checkIn = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);
        return (view, checkIn.Id, checkIn.DueAt);
    }
}

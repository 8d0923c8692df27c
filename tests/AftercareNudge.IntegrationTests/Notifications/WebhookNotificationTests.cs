using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Notifications;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Notifications;

/// <summary>
/// Client webhooks: the real app (outbox mode) tells a real HTTP receiver on loopback of replies,
/// consent changes and check-in outcomes, signed, retried, once per fact, only to the client that owns
/// the event, with ids and person keys but no address.
/// </summary>
public sealed class WebhookNotificationTests(AzuriteFixture azurite) : AppTest(azurite), IAsyncLifetime
{
    private const string Sam = "+447911123456";
    private const string SecretA = "client-a-webhook-secret-0123456789abcdef";
    private const string SecretB = "client-b-webhook-secret-0123456789abcdef";
    private const string ClientCKey = "client-c-key-0123456789";
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    protected override AppFactory CreateApp() => NewApp(deliverAtOnce: false);

    /// <summary>
    /// The app with webhooks for clients A and B; C has an API key and no webhook. The timer's look-ahead
    /// is off (AppFactory) unless <paramref name="lookAhead"/> turns it on.
    /// </summary>
    private AppFactory NewApp(bool deliverAtOnce, Action<IServiceCollection>? configureServices = null, TimeSpan? lookAhead = null)
    {
        var settings = new Dictionary<string, string?>
        {
            // Off for the tests that count attempts run by run; one test below turns it on.
            ["Notifications:DeliverAtOnce"] = deliverAtOnce ? "true" : "false",
            ["Api:Webhooks:clientA:Url"] = _receiver.Url("a").AbsoluteUri,
            ["Api:Webhooks:clientA:Secret"] = SecretA,
            ["Api:Webhooks:clientB:Url"] = _receiver.Url("b").AbsoluteUri,
            ["Api:Webhooks:clientB:Secret"] = SecretB,
            ["Api:Keys:clientC"] = ClientCKey,
        };
        if (lookAhead is { } value)
        {
            settings["Notifications:LookAhead"] = value.ToString();
        }

        return new(Azurite, settings, configureServices);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task CheckIn_SentThenDelivered_ClientIsToldSigned_WithIdsAndNoAddress()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        var checkIn = view.CheckIns[0];
        Assert.Equal(DeliveryReportOutcome.Recorded, await App.Services.GetRequiredService<DeliveryReports>().RecordAsync(view.Id, checkIn.Id, new DeliveryReport(CheckInStatus.Delivered, null, null), Ct));

        // The timer function, as the Functions host fires it.
        await App.RunTimerAsync("DeliverWebhookNotifications");

        var received = _receiver.At("/a");
        Assert.Equal(["checkin.delivered", "checkin.sent", "consent.granted"], received.Select(r => r.Type).Order());
        foreach (var r in received)
        {
            AssertSigned(r, SecretA, App.Time.GetUtcNow());
            Assert.Equal(view.Id, r.Data["eventId"]!.GetValue<string>());
            Assert.Equal("organizer", r.Data["personKey"]!.GetValue<string>());
            Assert.Equal("sms", r.Data["channel"]!.GetValue<string>());
            AssertNoPersonalData(r);
        }

        var sent = received.Single(r => r.Type == "checkin.sent");
        Assert.Equal(checkIn.Id, sent.Data["checkInId"]!.GetValue<string>());
        Assert.Equal("sent", sent.Data["status"]!.GetValue<string>());
        Assert.Equal("check-in", sent.Data["kind"]!.GetValue<string>());
        Assert.Equal(App.Time.GetUtcNow(), received.Single(r => r.Type == "checkin.delivered").Json["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.Equal("granted", received.Single(r => r.Type == "consent.granted").Data["status"]!.GetValue<string>());
        Assert.Empty(_receiver.At("/b"));
    }

    [Fact]
    public async Task Reply_ToACheckIn_ClientIsToldWithTheText()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        await App.ReplyAsync(Sam, "honestly not great, can you call me");
        await DeliverAsync();

        var reply = Assert.Single(_receiver.At("/a"), r => r.Type == "reply.received");
        AssertSigned(reply, SecretA, App.Time.GetUtcNow());
        Assert.Equal(view.Id, reply.Data["eventId"]!.GetValue<string>());
        Assert.Equal(view.CheckIns[0].Id, reply.Data["checkInId"]!.GetValue<string>());
        Assert.Equal("organizer", reply.Data["personKey"]!.GetValue<string>());
        Assert.Equal("honestly not great, can you call me", reply.Data["text"]!.GetValue<string>());
        AssertNoPersonalData(reply);
    }

    [Fact]
    public async Task Delivery_ReceiverAnswers500_IsRetriedWithDoublingBackoff_UnderTheSameId()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        _receiver.Answer = n => n <= 2 ? 500 : 204;
        await App.ReplyAsync(Sam, "YES");
        var start = App.Time.GetUtcNow();

        await DeliverAsync();
        await DeliverAsync();
        Assert.Single(_receiver.Received);

        App.Time.Advance(TimeSpan.FromSeconds(59));
        await DeliverAsync();
        Assert.Single(_receiver.Received);
        App.Time.Advance(TimeSpan.FromSeconds(1));
        await DeliverAsync();
        Assert.Equal(2, _receiver.Received.Count);

        // Then two minutes, not one.
        App.Time.Advance(TimeSpan.FromSeconds(119));
        await DeliverAsync();
        Assert.Equal(2, _receiver.Received.Count);
        App.Time.Advance(TimeSpan.FromSeconds(1));
        var report = await DeliverAsync();
        Assert.Equal(1, report.Delivered);

        App.Time.Advance(TimeSpan.FromHours(3));
        await DeliverAsync();
        var attempts = _receiver.Received.ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Single(attempts.Select(a => a.Id).Distinct());
        Assert.Equal(
            [start, start.AddMinutes(1), start.AddMinutes(3)],
            attempts.Select(a => DateTimeOffset.FromUnixTimeSeconds(long.Parse(a.Timestamp!, System.Globalization.CultureInfo.InvariantCulture))));
        for (var i = 0; i < attempts.Count; i++)
        {
            AssertSigned(attempts[i], SecretA, start.AddMinutes(i == 0 ? 0 : i == 1 ? 1 : 3));
        }
    }

    [Fact]
    public async Task Delivery_TimerFiredEveryMinute_RetriesGoOneTwoAndFourMinutesAfterTheAttemptBefore()
    {
        UseApp(NewApp(deliverAtOnce: false, lookAhead: new WebhookOptions().LookAhead));
        App.Time.Advance(TimeSpan.FromSeconds(12));
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        _receiver.Answer = n => n <= 3 ? 500 : 204;
        await App.ReplyAsync(Sam, "YES");

        // The host fires the timer at second 30 of every minute; each run's own work takes a few
        // milliseconds of the clock, so an attempt is made a moment after its run started.
        for (var minute = 0; minute < 9; minute++)
        {
            var now = App.Time.GetUtcNow();
            var occurrence = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 30, TimeSpan.Zero);
            App.Time.Advance((occurrence > now ? occurrence : occurrence.AddMinutes(1)) - now);
            var run = DeliverAsync();
            App.Time.Advance(TimeSpan.FromMilliseconds(5));
            while (await Task.WhenAny(run, Task.Delay(200, Ct)) != run && App.Time.GetUtcNow().Second < 29)
            {
                App.Time.Advance(TimeSpan.FromSeconds(1));
            }

            await run.WaitAsync(TimeSpan.FromSeconds(60), Ct);
        }

        var attempts = _receiver.At("/a").Where(r => r.Type == "consent.granted").ToList();
        var times = attempts.Select(a => long.Parse(a.Timestamp!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, times.Count);
        Assert.Equal([60L, 120L, 240L], times.Zip(times.Skip(1), (a, b) => b - a));
        Assert.Single(attempts.Select(a => a.Id).Distinct());
    }

    [Fact]
    public async Task Delivery_RetryDueWithinTheLookAhead_IsTakenAndSentAtItsTime_NotEarly()
    {
        UseApp(NewApp(deliverAtOnce: false, lookAhead: new WebhookOptions().LookAhead));
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        _receiver.Answer = n => n == 1 ? 500 : 204;
        await App.ReplyAsync(Sam, "YES");
        await DeliverAsync();
        var start = App.Time.GetUtcNow();
        App.Time.Advance(TimeSpan.FromSeconds(30));

        // The retry is due 30 s after this run starts: it waits for it.
        var run = DeliverAsync();
        await Task.Delay(500, Ct);
        var beforeItsTime = _receiver.Received.Count;
        var finishedEarly = run.IsCompleted;
        App.Time.Advance(TimeSpan.FromSeconds(30));
        var report = await run.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.False(finishedEarly, "The run finished before the retry was due.");
        Assert.Equal(1, beforeItsTime);
        Assert.Equal(1, report.Delivered);
        Assert.Equal(start.AddMinutes(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), _receiver.Received.Last().Timestamp);
    }

    [Fact]
    public async Task Delivery_ReceiverNeverAccepts_IsGivenUpAfter24Hours()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        _receiver.Answer = _ => 503;
        await App.ReplyAsync(Sam, "YES");
        var start = App.Time.GetUtcNow();

        var gaveUp = 0;
        for (var i = 0; i < 60; i++)
        {
            gaveUp += (await DeliverAsync()).GaveUp;
            App.Time.Advance(TimeSpan.FromMinutes(30));
        }

        Assert.Equal(1, gaveUp);
        var times = _receiver.Received.Select(a => DateTimeOffset.FromUnixTimeSeconds(long.Parse(a.Timestamp!, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        Assert.InRange(times.Max() - start, TimeSpan.FromHours(24), TimeSpan.FromHours(25));
        Assert.InRange(times.Count, 20, 30);
    }

    [Fact]
    public async Task Trigger_Repeated_EnqueuesAndDeliversOnce()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        var checkIn = (await App.Services.GetRequiredService<EventStore>().GetCheckInAsync(view.Id, view.CheckIns[0].Id, Ct))!;
        var notifications = App.Services.GetRequiredService<WebhookNotifications>();
        await App.Services.GetRequiredService<EventStore>().AddReplyAsync(view.Id, new CheckInReply(checkIn.Id, "ok", App.Time.GetUtcNow()), "SM0123", Ct);

        // As after a crash between the fact and its bookkeeping: the same trigger again.
        await notifications.CheckInFinishedAsync(checkIn, null, Ct);
        await notifications.ReplyReceivedAsync(checkIn, "SM0123", Ct);
        await notifications.ReplyReceivedAsync(checkIn, "SM0123", Ct);
        await DeliverAsync();
        App.Time.Advance(TimeSpan.FromHours(2));
        await notifications.ReplyReceivedAsync(checkIn, "SM0123", Ct);
        await DeliverAsync();

        var received = _receiver.At("/a");
        Assert.Single(received, r => r.Type == "checkin.sent");
        Assert.Single(received, r => r.Type == "reply.received");
    }

    [Fact]
    public async Task ConsentChanges_EachClientIsToldOfItsOwnEventsOnly_AndOneWithoutAWebhookGetsNothingWritten()
    {
        // A YES answers the request asked last: Sam answers each client's as it comes.
        var a = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        var b = await RegisterAsAsync(AppFactory.ClientBKey);
        await App.ReplyAsync(Sam, "YES");
        var c = await RegisterAsAsync(ClientCKey);
        await App.ReplyAsync(Sam, "YES");
        await App.ReplyAsync(Sam, "STOP");
        await DeliverAsync();

        var toA = _receiver.At("/a");
        var toB = _receiver.At("/b");
        Assert.Equal(["checkin.skipped", "consent.granted", "consent.opted-out"], toA.Select(r => r.Type).Order());
        Assert.Equal(["checkin.skipped", "consent.granted", "consent.opted-out"], toB.Select(r => r.Type).Order());
        Assert.All(toA, r => Assert.Equal(a.Id, r.Data["eventId"]!.GetValue<string>()));
        Assert.All(toB, r => Assert.Equal(b.Id, r.Data["eventId"]!.GetValue<string>()));
        Assert.All(toB, r => AssertSigned(r, SecretB, App.Time.GetUtcNow()));
        Assert.Equal("opted-out", toA.Single(r => r.Type == "checkin.skipped").Data["reason"]!.GetValue<string>());
        Assert.DoesNotContain(_receiver.Received, r => Encoding.UTF8.GetString(r.Body).Contains(c.Id, StringComparison.Ordinal));
        Assert.Empty(await RowsAsync("clientC"));
    }

    [Fact]
    public async Task Notification_CreatedAt_IsUtcWithZ()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var page = await ConsentLinks.OnlyPathAsync(App, "alex@example.com");
        await ConsentLinks.PostFormAsync(App, page, ("decision", "agree"));
        await DeliverAsync();

        var granted = Assert.Single(_receiver.At("/a"));
        Assert.Equal(App.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), (string?)granted.Json["createdAt"]);
    }

    [Fact]
    public async Task ConsentPage_AgreeAndUnsubscribe_ClientIsToldByPersonKey()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var page = await ConsentLinks.OnlyPathAsync(App, "alex@example.com");

        var agreed = await ConsentLinks.PostFormAsync(App, page, ("decision", "agree"));
        await DeliverAsync();

        Assert.True(agreed.IsSuccessStatusCode);
        var granted = Assert.Single(_receiver.At("/a"));
        Assert.Equal("consent.granted", granted.Type);
        Assert.Equal("alex", granted.Data["personKey"]!.GetValue<string>());
        Assert.Equal("email", granted.Data["channel"]!.GetValue<string>());
        Assert.Equal(view.Id, granted.Data["eventId"]!.GetValue<string>());
        AssertNoPersonalData(granted);
    }

    [Fact]
    public async Task HardBounce_ClientIsToldTheAddressIsUndeliverable_NotThatItOptedOut()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        // As SendGridEvents records a hard bounce (its How names the bounce event).
        await App.Services.GetRequiredService<OptOuts>().OptOutAsync(Channel.Email, "alex@example.com", "sendgrid:bounce:sg-b", "The address does not exist (hard bounce reported by SendGrid).", Ct);
        await DeliverAsync();

        var received = _receiver.At("/a");
        Assert.Equal(["address.undeliverable", "checkin.skipped"], received.Select(r => r.Type).Order());
        Assert.Equal("undeliverable", received.Single(r => r.Type == "address.undeliverable").Data["status"]!.GetValue<string>());
        Assert.Equal(view.CheckIns[1].Id, received.Single(r => r.Type == "checkin.skipped").Data["checkInId"]!.GetValue<string>());
        Assert.All(received, AssertNoPersonalData);
    }

    [Fact]
    public async Task UnsubscribeLink_ClientIsToldOfTheOptOut_AndOfTheSkippedCheckIn()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var email = Assert.Single(await ConsentLinks.ConsentEmailsAsync(App, "alex@example.com"));
        var unsubscribe = ConsentLinks.UnsubscribePathIn(email.Body);

        var stopped = await ConsentLinks.PostFormAsync(App, unsubscribe, ("List-Unsubscribe", "One-Click"));
        await DeliverAsync();

        Assert.True(stopped.IsSuccessStatusCode);
        var received = _receiver.At("/a");
        Assert.Equal(["checkin.skipped", "consent.opted-out"], received.Select(r => r.Type).Order());
        Assert.All(received, r => Assert.Equal("alex", r.Data["personKey"]!.GetValue<string>()));
        Assert.All(received, r => Assert.Equal("email", r.Data["channel"]!.GetValue<string>()));
        Assert.Equal(view.CheckIns[1].Id, received.Single(r => r.Type == "checkin.skipped").Data["checkInId"]!.GetValue<string>());
        Assert.All(received, AssertNoPersonalData);
    }

    [Fact]
    public async Task Erasure_PendingReplyNotification_IsDeletedBeforeItIsSent()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        await DeliverAsync();
        _receiver.Received.Clear();
        await App.ReplyAsync(Sam, "please call me at home");

        var erased = await App.CreateClient(AppFactory.ClientAKey).DeleteAsync("/api/people/" + Uri.EscapeDataString(Sam), Ct);
        await DeliverAsync();

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Empty(_receiver.Received);
        Assert.DoesNotContain(await RowsAsync("clientA"), r => r.GetString("EventId") == view.Id && r.GetString("PersonKey") == "organizer");
    }

    [Fact]
    public async Task Reply_ErasedBeforeItsNotificationIsSent_SendsNoText()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        await App.ReplyAsync(Sam, "please call me at home");
        var events = App.Services.GetRequiredService<EventStore>();
        var rows = (await events.GetRowsAsync(view.Id, Ct))!;

        // The words live only in the reply row: once it goes (erasure, the purge) no notification carries them.
        await events.DeleteRowsAsync(view.Id, rows.Replies.Select(r => r.RowKey), Ct);
        await DeliverAsync();

        var reply = Assert.Single(_receiver.At("/a"), r => r.Type == "reply.received");
        Assert.Null(reply.Data["text"]);
        Assert.DoesNotContain(await RowsAsync("clientA"), r => r.Keys.Any(k => (r[k] as string)?.Contains("call me", StringComparison.Ordinal) == true));
    }

    [Fact]
    public async Task Notify_WithDeliverAtOnce_IsSentWithoutWaitingForTheTimer()
    {
        UseApp(NewApp(deliverAtOnce: true));
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        await App.ReplyAsync(Sam, "YES");

        for (var i = 0; i < 100 && _receiver.Received.IsEmpty; i++)
        {
            await Task.Delay(100, Ct);
        }

        var granted = Assert.Single(_receiver.At("/a"));
        Assert.Equal("consent.granted", granted.Type);
        AssertSigned(granted, SecretA, App.Time.GetUtcNow());

        // Delivered once: the timer finds nothing left to send.
        Assert.Equal(0, (await DeliverAsync()).Delivered);
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task Stop_NotificationsTableFailing_StillOptsOutAndSkips_AndLogsWhatWasNotToldByIds()
    {
        var logs = new LogCollector();
        var options = AftercareNudge.Storage.StorageExtensions.DefaultClientOptions();
        options.AddPolicy(new FailingTable(AppTables.WebhookNotifications), Azure.Core.HttpPipelinePosition.PerCall);
        UseApp(NewApp(deliverAtOnce: false, s => s.AddSingleton(options).AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(logs)));
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var response = await App.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from = Sam, body = "STOP" }, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("opted out", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(ConsentState.OptedOut, after.Organizer.Consent["sms"]);
        Assert.Equal(CheckInStatus.Skipped, after.CheckIns[0].Status);
        var lost = logs.Entries.Where(e => e.EventId == 1101).ToList();
        Assert.Contains(lost, e => e.Message.Contains("checkin.skipped", StringComparison.Ordinal) && e.Message.Contains(view.CheckIns[0].Id, StringComparison.Ordinal));
        Assert.DoesNotContain(lost, e => e.AllText.Contains("7911123456", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_WebhookUrlWithoutSecret_IsRefusedWithTheSettingsName()
    {
        var app = UseApp(new AppFactory(Azurite, new Dictionary<string, string?> { ["Api:Webhooks:clientA:Url"] = "https://app.example.com/hooks" }));

        var refused = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Api:Webhooks:clientA:Secret is required when Api:Webhooks:clientA:Url is set", refused.ToString(), StringComparison.Ordinal);
    }

    private static void AssertSigned(ReceivedWebhook r, string secret, DateTimeOffset at)
    {
        // Computed here from the Standard Webhooks definition, not with the app's code.
        Assert.Equal("application/json", r.ContentType?.Split(';')[0]);
        Assert.Equal(r.Json["id"]!.GetValue<string>(), r.Id);
        Assert.StartsWith("ntf_", r.Id, StringComparison.Ordinal);
        Assert.Equal(at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), r.Timestamp);
        var signed = Encoding.UTF8.GetBytes(r.Id + "." + r.Timestamp + ".").Concat(r.Body).ToArray();
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        Assert.Equal(expected, r.Signature);
    }

    private static void AssertNoPersonalData(ReceivedWebhook r)
    {
        var body = Encoding.UTF8.GetString(r.Body);
        foreach (var personal in new[] { "+44", "7911123456", "@example.com", "Sam", "Alex", "Dinner" })
        {
            Assert.DoesNotContain(personal, body, StringComparison.Ordinal);
        }
    }

    private Task<WebhookDeliveryReport> DeliverAsync() =>
        App.Services.GetRequiredService<WebhookDelivery>().RunAsync(CancellationToken.None);

    private async Task<EventView> RegisterAsAsync(string apiKey)
    {
        var response = await App.CreateClient(apiKey).PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), AppFactory.Json, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return await AppFactory.ReadEventAsync(response);
    }

    private async Task<List<TableEntity>> RowsAsync(string clientId)
    {
        var table = await App.Services.GetRequiredService<AppTables>().GetAsync(AppTables.WebhookNotifications, Ct);
        return await table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {clientId}"), cancellationToken: Ct).ToListAsync(Ct);
    }

    /// <summary>Every request to one table fails, as if that table's storage were down.</summary>
    private sealed class FailingTable(string table) : Azure.Core.Pipeline.HttpPipelinePolicy
    {
        public override ValueTask ProcessAsync(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            Check(message);
            return ProcessNextAsync(message, pipeline);
        }

        public override void Process(Azure.Core.HttpMessage message, ReadOnlyMemory<Azure.Core.Pipeline.HttpPipelinePolicy> pipeline)
        {
            Check(message);
            ProcessNext(message, pipeline);
        }

        private void Check(Azure.Core.HttpMessage message)
        {
            if (message.Request.Uri.Path.Contains(table, StringComparison.Ordinal))
            {
                throw new Azure.RequestFailedException(503, "The notifications table is down (a test's simulated outage).");
            }
        }
    }
}

using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>The dispatcher against Azurite, with time driven by a fake clock and delivery through the development outbox.</summary>
public sealed class DispatchTests(AzuriteFixture azurite) : AppTest(azurite)
{

    [Fact]
    public async Task Dispatch_DueCheckInWithConsent_IsSentOnceThroughTheOutbox()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));

        var report = await App.DispatchAsync();
        var again = await App.DispatchAsync();

        Assert.Equal(1, report.Sent);
        Assert.Equal(0, again.Sent);
        var sms = Assert.Single(await App.OutboxAsync(MessageKinds.CheckIn));
        Assert.Equal("sms", sms.Channel);
        Assert.Equal("+447911123456", sms.To);
        Assert.Equal("Sam via AftercareNudge: Hey, how are you feeling? I'm here if you want to talk.", sms.Body);
        Assert.Equal(view.CheckIns[0].Id, sms.CheckInId);
        var checkIn = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Sent, checkIn.Status);
        Assert.False(checkIn.Late);
    }

    [Fact]
    public async Task DevOutbox_AfterDispatch_ListsWhatWasSentNewestFirst()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await App.GrantAsync(view, "alex", Channel.Email);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromHours(14.5));
        await App.DispatchAsync();

        var all = await App.CreateClient().GetFromJsonAsync<JsonArray>("/api/dev/outbox", TestContext.Current.CancellationToken);
        var outbox = all!.Where(m => (string?)m!["kind"] == "check-in").ToList();

        Assert.Equal(2, outbox.Count);
        var newest = outbox[0]!.AsObject();
        Assert.Equal("email", (string?)newest["channel"]);
        Assert.Equal("alex@example.com", (string?)newest["to"]);
        Assert.Equal("A check-in from Sam", (string?)newest["subject"]);
        Assert.Contains("Morning!", (string?)newest["body"], StringComparison.Ordinal);
        Assert.Equal("check-in", (string?)newest["kind"]);
        Assert.Equal(view.Id, (string?)newest["eventId"]);
        Assert.Equal(view.CheckIns[1].Id, (string?)newest["checkInId"]);
        Assert.Equal(App.Time.GetUtcNow(), (DateTimeOffset)newest["createdAt"]!);
        Assert.Equal("sms", (string?)outbox[1]!["channel"]);
    }

    [Fact]
    public async Task Dispatch_NotYetDue_SendsNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5) - TimeSpan.FromSeconds(1));

        var report = await App.DispatchAsync();

        Assert.Equal(0, report.Sent);
        Assert.Empty(await App.OutboxAsync(MessageKinds.CheckIn));
    }

    [Fact]
    public async Task Dispatch_EmailCheckIn_IsDiscreetAndCarriesTheMessage()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "alex", Channel.Email);
        App.Time.Advance(TimeSpan.FromHours(20));

        await App.DispatchAsync();

        var email = Assert.Single(await App.OutboxAsync(MessageKinds.CheckIn));
        Assert.Equal("email", email.Channel);
        Assert.Equal("alex@example.com", email.To);
        Assert.Equal("A check-in from Sam", email.Subject);
        Assert.DoesNotContain("Dinner", email.Subject!, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("date", email.Subject!, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Morning! Thinking of you after last night.", email.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_WithoutConsent_SkipsWithReasonNoConsent()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        App.Time.Advance(TimeSpan.FromHours(5.5));

        var report = await App.DispatchAsync();

        Assert.Equal(1, report.Skipped);
        Assert.Empty(await App.OutboxAsync(MessageKinds.CheckIn));
        var checkIn = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Skipped, checkIn.Status);
        Assert.Equal("no-consent", checkIn.Reason);
    }

    [Fact]
    public async Task Dispatch_OptedOutAddress_SkipsEvenWithConsentToThisOrganizer()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await App.Services.GetRequiredService<ConsentStore>().RecordAsync(
            new ConsentDecision(Channel.Sms, "+447911123456", null, ConsentState.OptedOut, "test", ""), CancellationToken.None);
        App.Time.Advance(TimeSpan.FromHours(5.5));

        await App.DispatchAsync();

        var checkIn = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Skipped, checkIn.Status);
        Assert.Equal("opted-out", checkIn.Reason);
        Assert.Empty(await App.OutboxAsync(MessageKinds.CheckIn));
    }

    [Fact]
    public async Task Dispatch_AfterDaysOfDowntime_SendsWhatBecameDueAndMarksItLate()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await App.GrantAsync(view, "alex", Channel.Email);
        App.Time.Advance(TimeSpan.FromDays(3));

        var report = await App.DispatchAsync();

        Assert.Equal(2, report.Sent);
        Assert.Equal(2, report.Late);
        Assert.All((await App.GetEventAsync(view.Id)).CheckIns, c =>
        {
            Assert.Equal(CheckInStatus.Sent, c.Status);
            Assert.True(c.Late);
        });
        Assert.Equal(EventStatus.Completed, (await App.GetEventAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Dispatch_ClaimOfADeadRun_HoldsUntilItExpires_ThenIsSentOnce()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));

        // A run that claimed the check-in and died before sending.
        var store = App.Services.GetRequiredService<EventStore>();
        var checkIn = (await store.GetCheckInAsync(view.Id, view.CheckIns[0].Id, CancellationToken.None))!;
        await store.UpdateCheckInAsync(checkIn with { Status = CheckInStatus.Sending, ClaimedUntil = App.Time.GetUtcNow().AddMinutes(5), Attempts = 1 }, CancellationToken.None);

        var whileHeld = await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var afterExpiry = await App.DispatchAsync();

        Assert.Equal(1, whileHeld.HeldByAnotherRun);
        Assert.Equal(0, whileHeld.Sent);
        Assert.Equal(1, afterExpiry.Sent);
        Assert.Single(await App.OutboxAsync(MessageKinds.CheckIn));
    }

    [Fact]
    public async Task Dispatch_ParallelRunsOver200DueCheckIns_SendEachExactlyOnce()
    {
        var now = App.Time.GetUtcNow();
        var events = new List<EventView>();
        for (var e = 0; e < 10; e++)
        {
            var body = Requests.Dinner(now);
            var checkIns = new JsonArray();
            for (var i = 0; i < 20; i++)
            {
                checkIns.Add(new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "start", ["offset"] = $"PT{i}M", ["message"] = $"Check-in {e}/{i}" });
            }

            body["checkIns"] = checkIns;
            events.Add(await App.RegisterAsync(body));
        }

        await App.GrantAsync(events[0], "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(2));

        var reports = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(App.DispatchAsync)));

        // The runs really overlapped: some found check-ins another run held or had just finished.
        Assert.True(reports.Sum(r => r.HeldByAnotherRun + r.Cleaned) > 0, "The four runs did not overlap.");
        var outbox = await App.OutboxAsync(MessageKinds.CheckIn);
        Assert.Equal(200, reports.Sum(r => r.Sent));
        Assert.Equal(200, outbox.Count);
        Assert.Equal(200, outbox.Select(m => m.CheckInId).Distinct().Count());
        foreach (var view in events)
        {
            Assert.All((await App.GetEventAsync(view.Id)).CheckIns, c => Assert.Equal(CheckInStatus.Sent, c.Status));
        }
    }

    [Fact]
    public async Task Dispatch_TransientFailure_IsRetriedWithDoublingBackoff_ThenSent()
    {
        var (sender, view) = await DueSmsWithProviderAsync(
            SendResult.Transient("twilio-20429"), SendResult.Transient("twilio-20429"), SendResult.Transient("twilio-20429"), SendResult.Sent("SM123"));

        // Attempts at +0, +1 min, +1+2 min, +1+2+4 min: each retry waits twice as long as the one before.
        var callsBeforeEachDelayEnds = new List<int>();
        await App.DispatchAsync();
        var afterFirst = (await App.GetEventAsync(view.Id)).CheckIns[0];
        foreach (var delay in new[] { 1, 2, 4 })
        {
            App.Time.Advance(TimeSpan.FromMinutes(delay) - TimeSpan.FromSeconds(1));
            await App.DispatchAsync();
            callsBeforeEachDelayEnds.Add(sender.Calls);
            App.Time.Advance(TimeSpan.FromSeconds(1));
            await App.DispatchAsync();
        }

        Assert.Equal(CheckInStatus.Scheduled, afterFirst.Status);
        Assert.Equal("twilio-20429", afterFirst.Reason);
        Assert.Equal([1, 2, 3], callsBeforeEachDelayEnds);
        Assert.Equal(4, sender.Calls);
        var sent = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(CheckInStatus.Sent, sent.Status);
        Assert.Null(sent.Reason);
    }

    [Fact]
    public async Task Dispatch_TransientFailureWithRetryAfter_WaitsAsLongAsTheProviderAsks()
    {
        var (sender, _) = await DueSmsWithProviderAsync(SendResult.Transient("twilio-20429", TimeSpan.FromMinutes(10)), SendResult.Sent("SM123"));

        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        var early = await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromSeconds(1));
        var onTime = await App.DispatchAsync();

        Assert.Equal(0, early.Sent);
        Assert.Equal(1, onTime.Sent);
        Assert.Equal(2, sender.Calls);
    }

    [Fact]
    public async Task Dispatch_UnreadableCheckIn_DoesNotStopTheOthers()
    {
        var broken = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow().AddMinutes(-1)));
        var healthy = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(healthy, "organizer", Channel.Sms);
        var events = await App.Services.GetRequiredService<AppTables>().GetAsync(AppTables.Events, CancellationToken.None);
        var row = (await events.GetEntityAsync<TableEntity>(broken.Id, "checkin-" + broken.CheckIns[0].Id, cancellationToken: CancellationToken.None)).Value;
        row["Status"] = "from-a-future-version";
        await events.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, CancellationToken.None);
        App.Time.Advance(TimeSpan.FromHours(5.5));

        var report = await App.DispatchAsync();

        Assert.Equal(1, report.Errored);
        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(healthy.Id)).CheckIns[0].Status);
    }

    [Fact]
    public async Task Dispatch_IndexRowWithTheDueAtColumnOfEarlierRows_IsStillFoundAndSent()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var index = await App.Services.GetRequiredService<AppTables>().GetAsync(AppTables.DueCheckIns, CancellationToken.None);
        var checkInId = view.CheckIns[0].Id;
        var row = await index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {DueCheckInIndex.Partition(checkInId)} and CheckInId eq {checkInId}"), cancellationToken: CancellationToken.None)
            .SingleAsync(TestContext.Current.CancellationToken);
        Assert.False(row.ContainsKey("DueAt"));
        // An old row's column, and one that disagrees with its key: the key alone says when the row is due.
        row["DueAt"] = view.CheckIns[0].DueAt.AddDays(1);
        await index.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, CancellationToken.None);
        App.Time.Advance(TimeSpan.FromHours(5.5));

        var report = await App.DispatchAsync();

        Assert.Equal(CheckInStatus.Sent, (await App.GetEventAsync(view.Id)).CheckIns[0].Status);
        Assert.Equal(1, report.Sent);
    }

    [Fact]
    public async Task Dispatch_IndexRowWithoutItsEvent_IsCleanedAway()
    {
        var index = App.Services.GetRequiredService<DueCheckInIndex>();
        await index.AddAsync([new DueEntry("ev_000000000000000000000000", "ci_000000000000000000000000", App.Time.GetUtcNow())], CancellationToken.None);
        App.Time.Advance(TimeSpan.FromMinutes(1));

        var report = await App.DispatchAsync();
        var remaining = await index.ReadDueAsync(App.Time.GetUtcNow(), CancellationToken.None).ToListAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, report.Cleaned);
        Assert.Empty(remaining);
    }

    [Fact]
    public async Task Dispatch_TransientFailureEveryTime_FailsAfterMaxAttemptsWithTheProvidersReason()
    {
        var (sender, view) = await DueSmsWithProviderAsync(SendResult.Transient("twilio-30003"));

        for (var run = 0; run < 8; run++)
        {
            await App.DispatchAsync();
            App.Time.Advance(TimeSpan.FromMinutes(30));
        }

        var checkIn = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(5, sender.Calls);
        Assert.Equal(CheckInStatus.Failed, checkIn.Status);
        Assert.Equal("twilio-30003", checkIn.Reason);
    }

    public static TheoryData<SendResult[], string> FailuresNotRetried() => new()
    {
        { [SendResult.Permanent("twilio-21211")], "twilio-21211" },
        { [SendResult.Ambiguous("twilio-http-503")], "outcome-unknown:twilio-http-503" },
        { [], "outcome-unknown:send-error" },
    };

    /// <summary>A permanent error, an ambiguous answer, and a sender that throws (the empty script): one try each.</summary>
    [Theory]
    [MemberData(nameof(FailuresNotRetried))]
    public async Task Dispatch_FailureThatMustNotBeRetried_FailsAtOnceWithItsReason(SendResult[] script, string reason)
    {
        var (sender, view) = await DueSmsWithProviderAsync(script);

        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromHours(1));
        await App.DispatchAsync();

        var checkIn = (await App.GetEventAsync(view.Id)).CheckIns[0];
        Assert.Equal(1, sender.Calls);
        Assert.Equal(CheckInStatus.Failed, checkIn.Status);
        Assert.Equal(reason, checkIn.Reason);
    }

    [Fact]
    public async Task Dispatch_ProviderSaysOptedOut_RecordsTheOptOutForEveryOrganizer()
    {
        var (sender, view) = await DueSmsWithProviderAsync(SendResult.OptedOut("twilio-21610"));

        await App.DispatchAsync();

        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(CheckInStatus.Failed, after.CheckIns[0].Status);
        Assert.Equal("opted-out", after.CheckIns[0].Reason);
        Assert.Equal(ConsentState.OptedOut, after.Organizer.Consent["sms"]);
        var anyOrganizer = await App.Services.GetRequiredService<ConsentStore>().GetAsync(Channel.Sms, "+447911123456", "another-organizer", CancellationToken.None);
        Assert.Equal(ConsentState.OptedOut, anyOrganizer);
    }

    /// <summary>An organiser's SMS check-in, agreed to and due now, sent through a provider that answers from <paramref name="script"/>.</summary>
    private async Task<(ScriptedSender Sender, EventView View)> DueSmsWithProviderAsync(params SendResult[] script)
    {
        var sender = new ScriptedSender(script);
        UseApp(new AppFactory(Azurite, configureServices: s => s.AddTransient<ISmsSender>(_ => sender)));
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        return (sender, view);
    }
}

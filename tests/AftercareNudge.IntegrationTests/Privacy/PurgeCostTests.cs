using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Privacy;
using AftercareNudge.Schedule;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Privacy;

/// <summary>A purge run costs what is due, not what is stored, and two at once are harmless.</summary>
public sealed class PurgeCostTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private static readonly Participant Organizer = new(Participant.OrganizerKey, "Sam", "+447911123456", null, "Etc/UTC");
    private static readonly string OrganizerId = ConsentStore.OrganizerId("clientA", Organizer);

    [Fact]
    public async Task Purge_With300EventsNotYetDue_MakesNoMoreStorageRequestsThanWithNone()
    {
        var withoutFuture = await MeasurePurgeAsync(futureEvents: 0);
        var withFuture = await MeasurePurgeAsync(futureEvents: 300);

        Assert.Equal(5, withoutFuture.Report.Purged);
        Assert.Equal(5, withFuture.Report.Purged);
        Assert.Equal(withoutFuture.Requests, withFuture.Requests);

        // One index query; per due event a handful of operations.
        Assert.InRange(withFuture.Requests, 5, 1 + (5 * 12));
    }

    [Fact]
    public async Task Purge_TwoRunsAtOnce_PurgeEachEventOnce_WithoutErrors()
    {
        var app = UseApp(new AppFactory(Azurite));
        var now = app.Time.GetUtcNow();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await SeedEventAsync(app, now.AddHours(-1), CheckInStatus.Sent));
        }

        app.Time.Advance(TimeSpan.FromDays(31));
        var reports = await Task.WhenAll(RunAsync(app), RunAsync(app));

        Assert.All(reports, r => Assert.Equal(0, r.Errored));
        Assert.Equal(20, reports.Sum(r => r.Purged));
        var store = app.Services.GetRequiredService<EventStore>();
        foreach (var id in ids)
        {
            var rows = (await store.GetRowsAsync(id, CancellationToken.None))!;
            Assert.NotNull(rows.Event.PurgedAt);
            Assert.Equal(EventPurge.Deleted, rows.Event.Title);
            Assert.All(rows.CheckIns, c => Assert.Equal(("", CheckInStatus.Sent), (c.Message, c.Status)));
        }

        var left = app.Services.GetRequiredService<PurgeIndex>().ReadDueAsync(app.Time.GetUtcNow().AddYears(20), CancellationToken.None);
        Assert.Empty(await left.ToListAsync(Ct));
    }

    private async Task<(PurgeReport Report, int Requests)> MeasurePurgeAsync(int futureEvents)
    {
        var counter = new CountingPolicy();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        await using var app = new AppFactory(Azurite, configureServices: s => s.AddSingleton(options));
        var now = app.Time.GetUtcNow();

        for (var i = 0; i < 5; i++)
        {
            await SeedEventAsync(app, now.AddHours(-1), CheckInStatus.Sent);
        }

        await Parallel.ForEachAsync(
            Enumerable.Range(0, futureEvents),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (_, _) => await SeedEventAsync(app, now.AddDays(60), CheckInStatus.Scheduled));

        app.Time.Advance(TimeSpan.FromDays(31));
        counter.Reset();
        var report = await RunAsync(app);
        return (report, counter.Count);
    }

    private static async Task<PurgeReport> RunAsync(AppFactory app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<EventPurge>().RunAsync(CancellationToken.None);
    }

    /// <summary>An event of three check-ins due at <paramref name="due"/>, written as registration writes it.</summary>
    private static async Task<string> SeedEventAsync(AppFactory app, DateTimeOffset due, CheckInStatus status)
    {
        var eventId = "ev_" + Guid.NewGuid().ToString("N")[..24];
        var record = new EventRecord(eventId, "clientA", OrganizerId, "Seed", "other", "Etc/UTC", "", "", due.AddHours(-2), due.AddHours(-1), Organizer, [], due.AddDays(-1), null);
        var checkIns = Enumerable.Range(0, 3)
            .Select(i => new CheckInRecord(eventId, "ci_" + Guid.NewGuid().ToString("N")[..24], i, Participant.OrganizerKey, Channel.Sms, "Hello", new CheckInTiming(null, "end", "PT1H"), due, due, status, null, 1, null, status == CheckInStatus.Sent ? due : null, null))
            .ToList();
        await app.Services.GetRequiredService<PrivacyIndexes>().AddAsync(record, checkIns, CancellationToken.None);
        await app.Services.GetRequiredService<RecipientCheckIns>().AddAsync(record, checkIns, CancellationToken.None);
        await app.Services.GetRequiredService<EventStore>().CreateAsync(record, checkIns, CancellationToken.None);
        return eventId;
    }

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => _count;

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}

using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>A dispatch run's storage cost grows with what is due, not with what is scheduled.</summary>
public sealed class DueIndexCostTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task Dispatch_With10000FutureCheckIns_MakesNoMoreStorageRequestsThanWithNone()
    {
        var withoutFuture = await MeasureDispatchAsync(futureCheckIns: 0);
        var withFuture = await MeasureDispatchAsync(futureCheckIns: 10_000);

        Assert.Equal(20, withoutFuture.Report.Sent);
        Assert.Equal(20, withFuture.Report.Sent);
        Assert.Equal(withoutFuture.Requests, withFuture.Requests);

        // Per shard one index query; per due check-in a handful of point operations, and three for the
        // client's daily message quota (the day's count, its shard read, its conditional write).
        Assert.InRange(withFuture.Requests, 20, DueCheckInIndex.Shards + (20 * (8 + 3)));
    }

    private async Task<(DispatchReport Report, int Requests)> MeasureDispatchAsync(int futureCheckIns)
    {
        var counter = new CountingPolicy();
        var options = new TableClientOptions();
        options.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        // One send at a time: sends at once may both count on one quota shard and read it again, which
        // would make the count differ from run to run for a reason that is not the due index's.
        await using var app = new AppFactory(Azurite, configureServices: s => s.AddSingleton(options)) { DispatchConcurrency = 1 };
        var store = app.Services.GetRequiredService<EventStore>();
        var consents = app.Services.GetRequiredService<ConsentStore>();
        var now = app.Time.GetUtcNow();

        await SeedEventAsync(store, now.AddMinutes(30));
        await Parallel.ForEachAsync(
            Enumerable.Range(0, futureCheckIns / 20),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (_, _) => await SeedEventAsync(store, now.AddDays(2)));
        await consents.RecordAsync(new ConsentDecision(Channel.Sms, Organizer.Phone!, OrganizerId, ConsentState.Granted, "test", "test"), CancellationToken.None);

        app.Time.Advance(TimeSpan.FromHours(1));
        counter.Reset();
        var report = await app.DispatchAsync();
        return (report, counter.Count);
    }

    private static readonly Participant Organizer = new(Participant.OrganizerKey, "Sam", "+447911123456", null, "Etc/UTC");
    private static readonly string OrganizerId = ConsentStore.OrganizerId("clientA", Organizer);

    /// <summary>An event of 20 check-ins all due at <paramref name="due"/>, written as registration writes it.</summary>
    private static async Task SeedEventAsync(EventStore store, DateTimeOffset due)
    {
        var eventId = "ev_" + Guid.NewGuid().ToString("N")[..24];
        var record = new EventRecord(eventId, "clientA", OrganizerId, "Seed", "other", "Etc/UTC", "", "", due.AddHours(-2), due.AddHours(-1), Organizer, [], due.AddDays(-1), null);
        var checkIns = Enumerable.Range(0, 20)
            .Select(i => new CheckInRecord(eventId, "ci_" + Guid.NewGuid().ToString("N")[..24], i, Participant.OrganizerKey, Channel.Sms, "Hello", new CheckInTiming(null, "end", "PT1H"), due, due, CheckInStatus.Scheduled, null, 0, null, null, null))
            .ToList();
        await store.CreateAsync(record, checkIns, CancellationToken.None);
    }

    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => _count;

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }
}

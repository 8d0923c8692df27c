// Lateness benchmark: how late the app sends single check-ins. The app's real isolated worker runs
// under the local Functions host (tools/FunctionsLocalHost), which fires the real DispatchDueCheckIns
// timer on its schedule (0 * * * * *) and runs the SendCheckIn queue trigger with host.json's polling,
// as the Functions host does, on the real clock, against Azurite's Table and Queue services; check-ins
// fall due at every 2.5 s over two minutes, on the minute and between. Prints sentAt - dueAt (p50,
// p99, max, earliest) beside the tolerance it is judged by (Dispatch__LateAfter) and the aim (p50
// within 1 s, p99 within 5 s). Bounded: about two and a half minutes.
using System.Globalization;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using FunctionsLocalHost;

internal static class LatenessBenchmark
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(2.5);
    private static readonly TimeSpan Span = TimeSpan.FromMinutes(2);

    public static async Task RunAsync(string connection)
    {
        var time = TimeProvider.System;
        var configured = new DispatchOptions();

        // The first check-in falls due on a whole minute at least 20 s away; the last two minutes later.
        var now = time.GetUtcNow();
        var first = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(now.Second < 40 ? 1 : 2);
        var dues = Enumerable.Range(0, (int)(Span / Step) + 1).Select(i => first + (i * Step)).ToList();

        var runs = new[] { "through the send queue" };
        var setups = await Task.WhenAll(runs.Select(_ => SetUpAsync(connection, time, dues)));
        Console.WriteLine(
            $"{dues.Count} check-ins due every {Step.TotalSeconds:F1} s from {first:HH:mm:ss} to {dues[^1]:HH:mm:ss} UTC " +
            $"(on the minute and between), sent by the app under the local host's timer and queue trigger, on the system clock");

        // Each dispatcher is its own app: a worker in this process, under a local host that fires its timers.
        var hosts = new List<LocalFunctionsHost>();
        foreach (var (setup, run) in setups.Zip(runs))
        {
            // Its messages accepted at once, its timers fired by the local host on schedule.
            hosts.Add((await BenchApp.StartAsync(connection, setup.Prefix, new AcceptingSender(), timers: true)).Host);
        }

        // Long enough for the run that fires after the last check-in's time, and no longer.
        var deadline = dues[^1] + TimeSpan.FromSeconds(70);
        while (time.GetUtcNow() < deadline && !(await Task.WhenAll(setups.Select(s => s.AllSentAsync()))).All(done => done))
        {
            await Task.Delay(TimeSpan.FromSeconds(2), time);
        }

        foreach (var host in hosts)
        {
            await host.DisposeAsync();
        }

        for (var i = 0; i < runs.Length; i++)
        {
            var name = runs[i];
            var lateness = await setups[i].LatenessAsync();
            var sorted = lateness.Order().ToList();
            var late = sorted.Count(l => l > configured.LateAfter);
            Console.WriteLine(
                string.Create(CultureInfo.InvariantCulture, $"{name} (aim: p50 within 1 s, p99 within 5 s): sent {sorted.Count} of {dues.Count}; ") +
                (sorted.Count == 0
                    ? "none sent"
                    : string.Create(CultureInfo.InvariantCulture, $"sentAt - dueAt p50 {Seconds(Percentile(sorted, 0.50))}, p99 {Seconds(Percentile(sorted, 0.99))}, max {Seconds(sorted[^1])}, earliest {Seconds(sorted[0])}; ")) +
                string.Create(CultureInfo.InvariantCulture, $"late (more than Dispatch__LateAfter = {configured.LateAfter.TotalSeconds:F0} s): {late}"));
        }

        foreach (var setup in setups)
        {
            await setup.DeleteTablesAsync();
            await new Azure.Storage.Queues.QueueServiceClient(connection).DeleteQueueAsync((setup.Prefix + AppQueues.Sends).ToLowerInvariant());
        }
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture) + " s";

    private static TimeSpan Percentile(List<TimeSpan> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task<Setup> SetUpAsync(string connection, TimeProvider time, IReadOnlyList<DateTimeOffset> dues)
    {
        var prefix = "late" + Guid.NewGuid().ToString("N")[..8];
        var tables = new AppTables(new TableServiceClient(connection), prefix);
        var index = new DueCheckInIndex(tables);
        var store = new EventStore(tables, index);
        var consents = new ConsentStore(tables, time, [], DomainEvents<ConsentChanged>.None);
        var organizer = new Participant(Participant.OrganizerKey, "Sam", "+447911123456", null, "Etc/UTC");
        var organizerId = ConsentStore.OrganizerId("clientA", organizer);
        await consents.RecordAsync(new ConsentDecision(Channel.Sms, organizer.Phone!, organizerId, ConsentState.Granted, "bench", "bench"), CancellationToken.None);

        var checkIns = new List<(string EventId, string CheckInId)>();
        var now = time.GetUtcNow();
        foreach (var chunk in dues.Chunk(20))
        {
            var eventId = "ev_" + Guid.NewGuid().ToString("N")[..24];
            var record = new EventRecord(eventId, "clientA", organizerId, "Bench", "other", "Etc/UTC", "", "", now, now, organizer, [], now, null);
            var rows = chunk.Select((due, i) => new CheckInRecord(eventId, "ci_" + Guid.NewGuid().ToString("N")[..24], i, Participant.OrganizerKey, Channel.Sms, "Hello", new CheckInTiming(null, "end", "PT1H"), due, due, CheckInStatus.Scheduled, null, 0, null, null, null)).ToList();
            await store.CreateAsync(record, rows, CancellationToken.None);
            checkIns.AddRange(rows.Select(r => (eventId, r.Id)));
        }

        return new Setup(tables, prefix, store, checkIns);
    }

    private sealed record Setup(AppTables Tables, string Prefix, EventStore Store, IReadOnlyList<(string EventId, string CheckInId)> CheckIns)
    {
        public async Task<bool> AllSentAsync() => (await LatenessAsync()).Count == CheckIns.Count;

        /// <summary>sentAt - dueAt of each check-in sent, as the app recorded them.</summary>
        public async Task<List<TimeSpan>> LatenessAsync()
        {
            var result = new List<TimeSpan>();
            foreach (var (eventId, checkInId) in CheckIns)
            {
                if (await Store.GetCheckInAsync(eventId, checkInId, CancellationToken.None) is { SentAt: { } sent } checkIn)
                {
                    result.Add(sent - checkIn.DueAt);
                }
            }

            return result;
        }

        public async Task DeleteTablesAsync()
        {
            foreach (var name in new[] { AppTables.Events, AppTables.DueCheckIns, AppTables.Consents, AppTables.ConsentLedger })
            {
                await Tables.Service.DeleteTableAsync(Prefix + name);
            }
        }
    }
}

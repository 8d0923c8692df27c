// Burst benchmark (issue 22): N check-ins due in the same second, sent by the app's real worker under
// the local Functions host on one Azurite, against a provider stand-in that takes a fixed time per
// message and refuses (429, Twilio's 20429) more than a fixed number of requests in flight. The
// DispatchDueCheckIns timer is fired once, on the first instance, a few seconds before that second;
// the SendCheckIn queue trigger runs on every instance. Runs, in order: the old single-invocation
// dispatch (one timer run sending everything, at the old Dispatch:Concurrency of 4), then the send
// queue with 1, 2 and 4 instances, then fairness: one client's N beside another client's 20, on 4
// instances. Prints, for each: time to drain, lateness (p50, p99, max), sends per instance, 429s,
// duplicates, and sends a second as a share of the stand-in's own limit (in-flight limit / latency).
// Asserts nothing.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FunctionsLocalHost;
using Microsoft.Extensions.DependencyInjection;

internal static class BurstBenchmark
{
    /// <summary>How long before the burst's second the timer fires: as a minute's run that starts a few seconds before it.</summary>
    private static readonly TimeSpan TimerLead = TimeSpan.FromSeconds(3);

    public static async Task RunAsync(string connection, int count, TimeSpan latency, int inFlight)
    {
        var limit = inFlight / latency.TotalSeconds;
        Console.WriteLine(Invariant($"{count:N0} check-ins due in one second; provider stand-in: {latency.TotalMilliseconds:F0} ms a message, at most {inFlight} in flight ({limit:F0}/s); {Environment.ProcessorCount} cores"));

        await RunOnceAsync(connection, "old single-invocation dispatch, concurrency 4", instances: 1, [("clientA", count)], latency, inFlight, oldDispatch: true);
        foreach (var instances in new[] { 1, 2, 4 })
        {
            await RunOnceAsync(connection, $"send queue, {instances} instance(s)", instances, [("clientA", count)], latency, inFlight, oldDispatch: false);
        }

        await RunOnceAsync(connection, "fairness, send queue, 4 instances", 4, [("clientA", count), ("clientB", 20)], latency, inFlight, oldDispatch: false);
    }

    private static async Task RunOnceAsync(string connection, string name, int instances, (string Client, int Count)[] burst, TimeSpan latency, int inFlight, bool oldDispatch)
    {
        var prefix = "burst" + Guid.NewGuid().ToString("N")[..8];
        var provider = new ProviderStandIn(latency, inFlight);
        var total = burst.Sum(b => b.Count);
        var hosts = new List<(LocalFunctionsHost Host, InProcessWorker Worker)>();
        try
        {
            // The burst's second: far enough ahead for seeding and starting the instances on a busy machine.
            var now = TimeProvider.System.GetUtcNow();
            var due = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero).AddSeconds(40);
            var clients = await SeedAsync(connection, prefix, due, burst);
            for (var i = 0; i < instances; i++)
            {
                // Its texts going to the stand-in as this instance's, its timers fired only by hand.
                hosts.Add(await BenchApp.StartAsync(connection, prefix, new InstanceSender(provider, i), timers: false));
            }

            if (TimeProvider.System.GetUtcNow() > due - TimerLead)
            {
                Console.WriteLine($"{name}: seeding and starting took past the burst's second; skipped");
                return;
            }

            await Task.Delay(due - TimerLead - TimeProvider.System.GetUtcNow());
            var clock = Stopwatch.StartNew();
            if (oldDispatch)
            {
                // The old timer: one invocation that waits for each check-in's second and sends it, four at a time.
                var services = (await hosts[0].Worker.Built).Services;
                await services.GetRequiredService<Dispatcher>().HandleDueAsync(due, 4, CancellationToken.None);
            }
            else
            {
                var outcome = await hosts[0].Host.RunTimerAsync("DispatchDueCheckIns");
                Console.WriteLine(Invariant($"  the timer enqueued the burst in {clock.Elapsed.TotalSeconds:F1} s ({(outcome.Succeeded ? "ok" : outcome.Error)})"));
            }

            var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(6);
            while (provider.DistinctSent < total && TimeProvider.System.GetUtcNow() < deadline)
            {
                await Task.Delay(200);
            }

            // A moment for a straggling second send to show.
            await Task.Delay(TimeSpan.FromSeconds(2));
            Report(name, provider, due, clients, latency, inFlight, total, instances);
        }
        finally
        {
            foreach (var (host, _) in hosts)
            {
                await host.DisposeAsync();
            }

            await DeleteAsync(connection, prefix);
        }
    }

    private static void Report(string name, ProviderStandIn provider, DateTimeOffset due, IReadOnlyDictionary<string, string> clientOf, TimeSpan latency, int inFlight, int total, int instances)
    {
        var accepted = provider.Accepted.ToList();
        var first = accepted.GroupBy(a => a.CheckInId).Select(g => g.MinBy(a => a.At)).ToList();
        var duplicates = accepted.Count - first.Count;
        var drained = first.Count == 0 ? TimeSpan.Zero : first.Max(a => a.At) - due;
        var perSecond = drained > TimeSpan.Zero ? first.Count / drained.TotalSeconds : 0;
        var limit = inFlight / latency.TotalSeconds;
        var perInstance = string.Join(" / ", Enumerable.Range(0, instances).Select(i => accepted.Count(a => a.Instance == i).ToString(CultureInfo.InvariantCulture)));
        Console.WriteLine(Invariant(
            $"{name}: sent {first.Count:N0} of {total:N0}, drained in {drained.TotalSeconds:F1} s; lateness {Lateness(first.Select(a => a.At - due))}; sends per instance {perInstance}; 429s {provider.Refused:N0}; duplicates {duplicates}; {perSecond:F0} sends/s = {perSecond / limit:P0} of the stand-in's limit"));
        foreach (var client in clientOf.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var theirs = first.Where(a => clientOf[a.CheckInId] == client).Select(a => a.At - due).ToList();
            if (clientOf.Values.Distinct(StringComparer.Ordinal).Count() > 1)
            {
                Console.WriteLine(Invariant($"  {client}: {theirs.Count:N0} sent; lateness {Lateness(theirs)}"));
            }
        }
    }

    private static string Lateness(IEnumerable<TimeSpan> lateness)
    {
        var sorted = lateness.Order().ToList();
        return sorted.Count == 0
            ? "none sent"
            : Invariant($"p50 {Percentile(sorted, 0.50).TotalSeconds:F1} s, p99 {Percentile(sorted, 0.99).TotalSeconds:F1} s, max {sorted[^1].TotalSeconds:F1} s");
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, double p) =>
        sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Events of 20 texts to their organiser, all due at <paramref name="due"/>, per client; the organiser agreed. Returns each check-in's client.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> SeedAsync(string connection, string prefix, DateTimeOffset due, (string Client, int Count)[] burst)
    {
        var time = TimeProvider.System;
        var tables = new AppTables(new TableServiceClient(connection), prefix);
        var index = new DueCheckInIndex(tables);
        var store = new EventStore(tables, index);
        var consents = new ConsentStore(tables, time, [], DomainEvents<ConsentChanged>.None);
        var organizer = new Participant(Participant.OrganizerKey, "Sam", "+447911123456", null, "Etc/UTC");
        var clientOf = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        foreach (var (client, count) in burst)
        {
            var organizerId = ConsentStore.OrganizerId(client, organizer);
            await consents.RecordAsync(new ConsentDecision(Channel.Sms, organizer.Phone!, organizerId, ConsentState.Granted, "bench", "bench"), CancellationToken.None);
            await Parallel.ForEachAsync(Enumerable.Range(0, count).Chunk(20), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (chunk, token) =>
            {
                var eventId = "ev_" + Guid.NewGuid().ToString("N")[..24];
                var record = new EventRecord(eventId, client, organizerId, "Bench", "other", "Etc/UTC", "", "", now, now, organizer, [], now, null);
                var rows = chunk.Select((_, i) => new CheckInRecord(eventId, "ci_" + Guid.NewGuid().ToString("N")[..24], i, Participant.OrganizerKey, Channel.Sms, "Hello", new CheckInTiming(null, "end", "PT1H"), due, due, CheckInStatus.Scheduled, null, 0, null, null, null)).ToList();
                await store.CreateAsync(record, rows, token);
                foreach (var row in rows)
                {
                    clientOf[row.Id] = client;
                }
            });
        }

        return clientOf;
    }

    private static async Task DeleteAsync(string connection, string prefix)
    {
        var tables = new TableServiceClient(connection);
        await foreach (var table in tables.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + "~") < 0))
        {
            await tables.DeleteTableAsync(table.Name);
        }

        var queues = new QueueServiceClient(connection);
        foreach (var queue in new[] { AppQueues.Sends, AppQueues.Sends + "-poison" })
        {
            await queues.GetQueueClient((prefix + queue).ToLowerInvariant()).DeleteIfExistsAsync();
        }
    }

    /// <summary>One instance's view of the stand-in: what it sends is counted as that instance's.</summary>
    private sealed class InstanceSender(ProviderStandIn provider, int instance) : ISmsSender, IEmailSender
    {
        public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken) => provider.SendAsync(message.CheckInId, instance);

        public Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken) => provider.SendAsync(message.CheckInId, instance);
    }

    /// <summary>
    /// The provider: each message takes <c>latency</c>; a request beyond <c>inFlight</c> at once is
    /// refused at once with a 429 (Twilio's 20429, without Retry-After), as Twilio's concurrency limit does.
    /// </summary>
    private sealed class ProviderStandIn(TimeSpan latency, int inFlight)
    {
        private int _inFlight;
        private int _refused;

        public ConcurrentQueue<(string CheckInId, int Instance, DateTimeOffset At)> Accepted { get; } = new();

        public int Refused => _refused;

        public int DistinctSent => Accepted.Select(a => a.CheckInId).Distinct(StringComparer.Ordinal).Count();

        public async Task<SendResult> SendAsync(string? checkInId, int instance)
        {
            var at = TimeProvider.System.GetUtcNow();
            try
            {
                if (Interlocked.Increment(ref _inFlight) > inFlight)
                {
                    Interlocked.Increment(ref _refused);
                    return SendResult.Throttle("twilio-20429");
                }

                await Task.Delay(latency);
                Accepted.Enqueue((checkInId ?? "", instance, at));
                return SendResult.Sent("SM" + Guid.NewGuid().ToString("N"));
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}

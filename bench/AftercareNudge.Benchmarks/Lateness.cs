// Lateness benchmark: how late the app sends single check-ins. The app's real isolated worker runs
// under the local Functions host (tools/FunctionsLocalHost), which fires the real DispatchDueCheckIns
// timer on its schedule (0 * * * * *) and runs the SendCheckIn queue trigger with host.json's polling,
// as the Functions host does, on the real clock, against Azurite's Table and Queue services; check-ins
// fall due at every 2.5 s over two minutes, on the minute and between. Prints sentAt - dueAt (p50,
// p99, max, earliest) beside the tolerance it is judged by (Dispatch__LateAfter) and the aim (p50
// within 1 s, p99 within 5 s). Beside them, armed check-ins (issue 23) fall due every 10 s over the
// first minute, each with its ladder (within and grace one minute each) and one trusted contact who
// agreed: nobody answers, so each reminder and alert goes; once an alert went, its organiser answers
// (through the worker's own AwaitedAnswers, as an SMS would), and the all-clear goes at once. Prints
// sentAt - dueAt (p50, p95, max) of the reminders, the alerts and the all-clears beside their aim
// (within 5 s) and the same tolerance. Bounded: about four minutes.
using System.Globalization;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using FunctionsLocalHost;
using Microsoft.Extensions.DependencyInjection;

internal static class LatenessBenchmark
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(2.5);
    private static readonly TimeSpan Span = TimeSpan.FromMinutes(2);

    // The armed check-ins: the shortest wait and grace an organiser may choose, one every 10 s over the first minute.
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ArmedStep = TimeSpan.FromSeconds(10);
    private const int ArmedCount = 6;

    /// <summary>What a rung of the ladder aims at: within seconds of its time.</summary>
    private static readonly TimeSpan RungAim = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(string connection)
    {
        var time = TimeProvider.System;
        var configured = new DispatchOptions();

        // The first check-in falls due on a whole minute at least 20 s away; the last two minutes later.
        var now = time.GetUtcNow();
        var first = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(now.Second < 40 ? 1 : 2);
        var dues = Enumerable.Range(0, (int)(Span / Step) + 1).Select(i => first + (i * Step)).ToList();
        var armedDues = Enumerable.Range(0, ArmedCount).Select(i => first + (i * ArmedStep)).ToList();

        var runs = new[] { "through the send queue" };
        var setups = await Task.WhenAll(runs.Select(_ => SetUpAsync(connection, time, dues, armedDues)));
        Console.WriteLine(
            $"{dues.Count} check-ins due every {Step.TotalSeconds:F1} s from {first:HH:mm:ss} to {dues[^1]:HH:mm:ss} UTC " +
            $"(on the minute and between), sent by the app under the local host's timer and queue trigger, on the system clock");
        Console.WriteLine(
            string.Create(CultureInfo.InvariantCulture, $"and {ArmedCount} armed check-ins due every {ArmedStep.TotalSeconds:F0} s from {armedDues[0]:HH:mm:ss} to {armedDues[^1]:HH:mm:ss} UTC, within {Within.TotalMinutes:F0} min and grace {Grace.TotalMinutes:F0} min, one agreed contact each, ") +
            "unanswered until the alert went, then answered at once");

        // Each dispatcher is its own app: a worker in this process, under a local host that fires its timers.
        var hosts = new List<LocalFunctionsHost>();
        var answers = new List<IServiceProvider>();
        foreach (var (setup, run) in setups.Zip(runs))
        {
            // Its messages accepted at once, its timers fired by the local host on schedule.
            var (host, worker) = await BenchApp.StartAsync(connection, setup.Prefix, new AcceptingSender(), timers: true);
            hosts.Add(host);
            answers.Add((await worker.Built).Services);
        }

        // Long enough for the run that fires after the last check-in's time, or the last alert's, and no longer.
        var lastDue = dues[^1] > armedDues[^1] + Within + Grace ? dues[^1] : armedDues[^1] + Within + Grace;
        var deadline = lastDue + TimeSpan.FromSeconds(70);
        while (time.GetUtcNow() < deadline && !(await Task.WhenAll(setups.Select(s => s.AllSentAsync()))).All(done => done))
        {
            // An organiser answers as soon as their alert went: the all-clear is then due at once.
            for (var i = 0; i < setups.Length; i++)
            {
                await setups[i].AnswerAlertedAsync(answers[i]);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time);
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
            foreach (var (rung, rows) in setups[i].Rungs())
            {
                var rungLateness = (await setups[i].LatenessAsync(rows)).Order().ToList();
                Console.WriteLine(
                    string.Create(CultureInfo.InvariantCulture, $"  {rung} (aim: within {RungAim.TotalSeconds:F0} s): sent {rungLateness.Count} of {rows.Count}; ") +
                    (rungLateness.Count == 0
                        ? "none sent; "
                        : string.Create(CultureInfo.InvariantCulture, $"sentAt - dueAt p50 {Seconds(Percentile(rungLateness, 0.50))}, p95 {Seconds(Percentile(rungLateness, 0.95))}, max {Seconds(rungLateness[^1])}; ")) +
                    string.Create(CultureInfo.InvariantCulture, $"beyond the aim: {rungLateness.Count(l => l > RungAim)}; late (more than Dispatch__LateAfter): {rungLateness.Count(l => l > configured.LateAfter)}"));
            }
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

    private static async Task<Setup> SetUpAsync(string connection, TimeProvider time, IReadOnlyList<DateTimeOffset> dues, IReadOnlyList<DateTimeOffset> armedDues)
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

        var armed = new List<ArmedCheckIn>();
        var recipients = new RecipientCheckIns(tables);
        for (var i = 0; i < armedDues.Count; i++)
        {
            // An organiser of their own each: an answer answers every armed check-in open on its number.
            var phone = "+4479111" + (20000 + i).ToString(CultureInfo.InvariantCulture);
            var armedOrganizer = organizer with { Phone = phone };
            var armedOrganizerId = ConsentStore.OrganizerId("clientA", armedOrganizer);
            await consents.RecordAsync(new ConsentDecision(Channel.Sms, phone, armedOrganizerId, ConsentState.Granted, "bench", "bench"), CancellationToken.None);

            var eventId = "ev_" + Guid.NewGuid().ToString("N")[..24];
            var due = armedDues[i];
            var contact = new Participant("jo", "Jo", "+4479110" + (30000 + i).ToString(CultureInfo.InvariantCulture), null, "Etc/UTC", Role: Participant.TrustedContactRole, AlertsInQuietHours: true);
            var record = new EventRecord(eventId, "clientA", armedOrganizerId, "Bench", "other", "Etc/UTC", "", "", now, now, armedOrganizer, [contact], now, null);
            var checkIn = new CheckInRecord(eventId, "ci_" + Guid.NewGuid().ToString("N")[..24], 0, Participant.OrganizerKey, Channel.Sms, "Home safe?", new CheckInTiming(null, "end", "PT1H"), due, due, CheckInStatus.Scheduled, null, 0, null, null, null, AwaitsReply: true);
            var net = new SafetyNet(Within, Grace, ["jo"], "bench");
            var awaited = new AwaitedReply(eventId, checkIn.Id, net, due);

            // The contact agreed to exactly these terms, as their YES records.
            record = record with { People = [contact with { AgreedAlerts = SafetyLadder.TermsVersion(record, [awaited], "jo") }] };
            var rows = new List<CheckInRecord> { checkIn };
            rows.AddRange(SafetyLadder.Rows(record, checkIn, net));
            await recipients.AddAsync(record, rows, CancellationToken.None, new HashSet<string>(StringComparer.Ordinal) { checkIn.Id });
            await store.CreateAsync(record, rows, CancellationToken.None, [awaited]);
            armed.Add(new ArmedCheckIn(eventId, checkIn.Id, phone));
        }

        return new Setup(tables, prefix, store, checkIns, armed);
    }

    /// <summary>An armed check-in of the run: its event, its id, and the number its organiser answers from.</summary>
    private sealed record ArmedCheckIn(string EventId, string CheckInId, string Phone);

    private sealed record Setup(AppTables Tables, string Prefix, EventStore Store, IReadOnlyList<(string EventId, string CheckInId)> CheckIns, IReadOnlyList<ArmedCheckIn> Armed)
    {
        private readonly HashSet<string> _answered = new(StringComparer.Ordinal);

        /// <summary>The ladder's rows of every armed check-in, by rung: reminders, alerts, all-clears.</summary>
        public IReadOnlyList<(string Rung, IReadOnlyList<(string EventId, string CheckInId)> Rows)> Rungs() =>
        [
            ("reminder", Armed.Select(a => (a.EventId, SafetyLadder.ReminderId(a.CheckInId))).ToList()),
            ("alert", Armed.Select(a => (a.EventId, SafetyLadder.AlertId(a.CheckInId, 1))).ToList()),
            ("all-clear", Armed.Select(a => (a.EventId, SafetyLadder.AllClearId(SafetyLadder.AlertId(a.CheckInId, 1)))).ToList()),
        ];

        public async Task<bool> AllSentAsync() =>
            (await LatenessAsync(CheckIns)).Count == CheckIns.Count
            && (await Task.WhenAll(Rungs().Select(async r => (await LatenessAsync(r.Rows)).Count == r.Rows.Count))).All(done => done);

        /// <summary>Each organiser whose alert went answers, once, through the worker's own service, as an SMS from their number would.</summary>
        public async Task AnswerAlertedAsync(IServiceProvider services)
        {
            foreach (var armed in Armed.Where(a => !_answered.Contains(a.CheckInId)))
            {
                if (await Store.GetCheckInAsync(armed.EventId, SafetyLadder.AlertId(armed.CheckInId, 1), CancellationToken.None) is { SentAt: not null })
                {
                    await using var scope = services.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<AwaitedAnswers>().AnswerAsync(new IncomingSms(armed.Phone, "home, fine", "SM" + Guid.NewGuid().ToString("N"), null), CancellationToken.None);
                    _answered.Add(armed.CheckInId);
                }
            }
        }

        /// <summary>sentAt - dueAt of each check-in sent, as the app recorded them.</summary>
        public Task<List<TimeSpan>> LatenessAsync() => LatenessAsync(CheckIns);

        /// <summary>sentAt - dueAt of each of these rows sent, as the app recorded them (a row not made yet is not sent).</summary>
        public async Task<List<TimeSpan>> LatenessAsync(IReadOnlyList<(string EventId, string CheckInId)> rows)
        {
            var result = new List<TimeSpan>();
            foreach (var (eventId, checkInId) in rows)
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
            foreach (var name in new[] { AppTables.Events, AppTables.DueCheckIns, AppTables.Consents, AppTables.ConsentLedger, AppTables.RecipientCheckIns, AppTables.WebhookNotifications, AppTables.ClientQuotas })
            {
                await Tables.Service.DeleteTableAsync(Prefix + name);
            }
        }
    }
}

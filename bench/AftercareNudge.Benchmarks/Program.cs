// Dispatch benchmark. Needs a Table service: `npm start` (Azurite on 127.0.0.1:10002) or any
// connection string as the first argument. Prints its figures; asserts nothing.
//
//   dotnet run -c Release --project bench/AftercareNudge.Benchmarks -- [connection-string] [due] [future]
//   dotnet run -c Release --project bench/AftercareNudge.Benchmarks -- --lateness [connection-string]
//   dotnet run -c Release --project bench/AftercareNudge.Benchmarks -- --burst [connection-string] [count] [latency-ms] [in-flight]
using System.Diagnostics;
using System.Globalization;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Messaging;
using AftercareNudge.Replies;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using AftercareNudge.Security;
using AftercareNudge.Storage;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

if (args.Length > 0 && args[0] == "--burst")
{
    // --burst [connection-string] [count] [latency-ms] [in-flight]
    await BurstBenchmark.RunAsync(
        args.Length > 1 ? args[1] : "UseDevelopmentStorage=true",
        args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000,
        TimeSpan.FromMilliseconds(args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 250),
        args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 100);
    return;
}

if (args.Length > 0 && args[0] == "--lateness")
{
    await LatenessBenchmark.RunAsync(args.Length > 1 ? args[1] : "UseDevelopmentStorage=true");
    return;
}

var connection = args.Length > 0 ? args[0] : "UseDevelopmentStorage=true";
var due = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000;
var future = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000;

var counter = new RequestCounter();
var clientOptions = new TableClientOptions();
clientOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
var prefix = "bench" + Guid.NewGuid().ToString("N")[..8];
var tables = new AppTables(new TableServiceClient(connection, clientOptions), prefix);
var time = TimeProvider.System;
var index = new DueCheckInIndex(tables);
var store = new EventStore(tables, index);
var consents = new ConsentStore(tables, time, [], DomainEvents<ConsentChanged>.None);

var organizer = new Participant(Participant.OrganizerKey, "Sam", "+447911123456", null, "Etc/UTC");
var organizerId = ConsentStore.OrganizerId("bench", organizer);
await consents.RecordAsync(new ConsentDecision(Channel.Sms, organizer.Phone!, organizerId, ConsentState.Granted, "bench", "bench"), CancellationToken.None);

var now = time.GetUtcNow();
var seeding = Stopwatch.StartNew();
await SeedAsync(due, now.AddSeconds(-30));
await SeedAsync(future, now.AddDays(2));
Console.WriteLine($"seeded {due:N0} due and {future:N0} future check-ins in {seeding.Elapsed.TotalSeconds:F1} s");

foreach (var concurrency in new[] { 1, 4, 8 })
{
    // Each pass re-arms the same due check-ins by seeding a fresh set: a run finishes what it reads.
    if (concurrency != 1)
    {
        await SeedAsync(due, time.GetUtcNow().AddSeconds(-30));
    }

    var sender = new AcceptingSender();
    var gate = new ConsentGate(consents);
    var recipients = new RecipientCheckIns(tables);
    var escalations = new EscalationOutcomes(store, consents, recipients, index, time, NullLogger<EscalationOutcomes>.Instance, DomainEvents<SafetyNetChanged>.None);
    var followUps = new DeliveryFollowUps(store, gate, recipients, index, escalations, time, NullLogger<DeliveryFollowUps>.Instance);
    var waiting = new WaitingRelays(tables, store, index, recipients, time, NullLogger<WaitingRelays>.Instance);
    var dispatcher = new Dispatcher(index, store, consents, gate, new PendingChanges(store, index, NullLogger<PendingChanges>.Instance), sender, sender, followUps, new AftercareReminders(store, gate, time), waiting, recipients,
        new ClientQuotas(tables, Options.Create(new QuotaOptions { MessagesPerDay = int.MaxValue }), time),
        new SafetySteps(store, consents, time, DomainEvents<SafetyNetChanged>.None, new AlertFollowUps(store, recipients, index, time)),
        Options.Create(new DispatchOptions()), time, NullLogger<Dispatcher>.Instance, DomainEvents<CheckInFinished>.None, escalations);
    counter.Reset();
    var run = Stopwatch.StartNew();
    var report = await dispatcher.HandleDueAsync(time.GetUtcNow(), concurrency, CancellationToken.None);
    run.Stop();
    Console.WriteLine(
        $"concurrency {concurrency}: sent {report.Sent:N0} in {run.Elapsed.TotalSeconds:F2} s = {report.Sent / run.Elapsed.TotalSeconds:N0} check-ins/s, " +
        $"{counter.Count / (double)Math.Max(1, report.Sent):F1} storage requests per check-in");
}


foreach (var name in new[] { AppTables.Events, AppTables.DueCheckIns, AppTables.Consents, AppTables.ConsentLedger })
{
    await tables.Service.DeleteTableAsync(prefix + name);
}

async Task SeedAsync(int count, DateTimeOffset dueAt)
{
    await Parallel.ForEachAsync(Enumerable.Range(0, (count + 19) / 20), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (e, ct) =>
    {
        var eventId = "ev_" + Guid.NewGuid().ToString("N")[..24];
        var record = new EventRecord(eventId, "bench", organizerId, "Bench", "other", "Etc/UTC", "", "", dueAt.AddHours(-2), dueAt.AddHours(-1), organizer, [], now, null);
        var checkIns = Enumerable.Range(0, Math.Min(20, count - (e * 20)))
            .Select(i => new CheckInRecord(eventId, "ci_" + Guid.NewGuid().ToString("N")[..24], i, Participant.OrganizerKey, Channel.Sms, "Hello", new CheckInTiming(null, "end", "PT1H"), dueAt, dueAt, CheckInStatus.Scheduled, null, 0, null, null, null))
            .ToList();
        await store.CreateAsync(record, checkIns, ct);
    });
}

/// <summary>A provider that accepts at once, so that the figures are the dispatcher's and storage's own.</summary>
internal sealed class AcceptingSender : ISmsSender, IEmailSender
{
    public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken) => Task.FromResult(SendResult.Sent("bench"));

    public Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken) => Task.FromResult(SendResult.Sent("bench"));
}

internal sealed class RequestCounter : HttpPipelineSynchronousPolicy
{
    private int _count;

    public int Count => _count;

    public void Reset() => Interlocked.Exchange(ref _count, 0);

    public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Dispatch;

/// <summary>
/// Issue 10 (ported to the send queue in issue 22): the README's bound on duplicates ("Exactly once, and
/// precisely when not"), end to end. The built app's worker runs as its own process under the local host
/// against Azurite and a slow Twilio; the timer enqueues a burst, the queue trigger starts sending it,
/// and the worker is killed (SIGKILL) in the middle. A new start on the same tables and queue finishes
/// the work: the rest at once, the dead instance's claims once they lapse. Nothing is lost, nothing is
/// left <c>sending</c>, and only what the dead instance had in flight (at most host.json's
/// <c>batchSize</c> + <c>newBatchThreshold</c>) goes out a second time.
/// </summary>
public sealed class DispatchCrashEndToEndTests(AzuriteFixture azurite)
{
    /// <summary>How many messages one instance handles at once: the queue trigger's batch and the threshold for the next.</summary>
    private static readonly int InFlight = QueueConcurrency();
    private const int EventCount = 2;
    private const int CheckInsPerEvent = 18;
    private const int Total = EventCount * CheckInsPerEvent;

    /// <summary>Kill once the provider has this many check-ins: some sent, most not, sends in flight.</summary>
    private const int KillAfter = 8;

    /// <summary>DispatchOptions' minimum (a claim must outlast the reads, the send and its record: 65 s and more).</summary>
    private static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(3);

    /// <summary>How long the fake Twilio takes to answer: long enough that a kill finds sends in flight.</summary>
    private static readonly TimeSpan ProviderDelay = TimeSpan.FromSeconds(1.5);

    private const string Phone = "+447911123456";

    [Fact]
    public async Task WorkerKilledMidRun_NothingIsLost_AndOnlyTheClaimsInFlightAreSentTwice()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var elapsed = Stopwatch.StartNew();
        await using var twilio = await SlowTwilio.StartAsync(ProviderDelay);
        var settings = new Dictionary<string, string?>
        {
            // Both starts: the same tables, the same (shortest allowed) lease, the same number of claims at once.
            ["Storage__TablePrefix"] = AzuriteFixture.UniquePrefix(),
            ["Dispatch__ClaimLease"] = ClaimLease.ToString("c", CultureInfo.InvariantCulture),
            ["Twilio__AccountSid"] = "AC" + Guid.NewGuid().ToString("N"),
            ["Twilio__AuthToken"] = "test-auth-token-0123456789",
            ["Twilio__From"] = "+14155550123",
            ["Messaging__AllowedCountries"] = "GB,GG,US",
            ["Twilio__BaseUrl"] = twilio.BaseUrl.ToString(),
            ["SendGrid__ApiKey"] = "SG.test-key",
            ["SendGrid__From"] = "AftercareNudge <care@example.com>",
            ["SendGrid__BaseUrl"] = twilio.BaseUrl.ToString(),
            ["Public__BaseUrl"] = "https://aftercare.example.com",
        };

        // 1. The first start: register the check-ins, let them fall due, start a run, and kill the worker in its middle.
        string[] eventIds;
        List<SmsRequest> receivedAtKill, unansweredAtKill;
        HashSet<string> sendingAtDeath;
        var first = await AppProcess.StartAsync(azurite, settings);
        try
        {
            var client = first.Http;
            client.DefaultRequestHeaders.Add("X-Api-Key", AppFactory.ClientAKey);

            // The organiser agrees to texts before registering, so registration asks nothing of the provider.
            var organizerId = ConsentStore.OrganizerId("clientA", new Participant("organizer", "Sam", Phone, null, "Etc/UTC"));
            await first.Consents.RecordAsync(new ConsentDecision(Channel.Sms, Phone, organizerId, ConsentState.Granted, "test", "test"), CancellationToken.None);

            var startsAt = TimeProvider.System.GetUtcNow().AddSeconds(15);
            var views = new List<EventView>();
            for (var e = 0; e < EventCount; e++)
            {
                var created = await client.PostAsJsonAsync("/api/events", Registration(e, startsAt), cancellationToken);
                Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync(cancellationToken));
                views.Add(await AppFactory.ReadEventAsync(created));
            }

            eventIds = [.. views.Select(v => v.Id)];
            Assert.Equal(Total, views.Sum(v => v.CheckIns.Count));
            var wait = views.SelectMany(v => v.CheckIns).Max(c => c.DueAt) - TimeProvider.System.GetUtcNow() + TimeSpan.FromMilliseconds(500);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }

            // Through the host's admin route: the timer enqueues the burst, the queue trigger starts on it.
            var accepted = await client.PostAsJsonAsync("/admin/functions/DispatchDueCheckIns", new { input = "" }, cancellationToken);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            await WaitForAsync(() => twilio.CheckIns.Count >= KillAfter, TimeSpan.FromSeconds(120), "the first sends", first);

            using (var worker = Process.GetProcessById(first.Worker.ProcessId!.Value))
            {
                worker.Kill(); // SIGKILL: no shutdown, no finally, no record of what was in flight.
            }

            await first.Worker.Exited.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);

            // Read once the process is gone: a request the fake had not begun answering by now never reached the worker's answer.
            receivedAtKill = [.. twilio.CheckIns];
            unansweredAtKill = [.. receivedAtKill.Where(r => !r.Answered)];

            // What the dead instance held is still `sending`, under its claim (read from storage before a new start claims more).
            var store = new EventStore(first.Tables, new DueCheckInIndex(first.Tables));
            sendingAtDeath = [];
            foreach (var id in eventIds)
            {
                var stored = await store.GetAsync(id, cancellationToken);
                sendingAtDeath.UnionWith(stored!.Value.CheckIns.Where(c => c.Status == CheckInStatus.Sending).Select(c => $"{id}/{c.Id}"));
            }

            Assert.True(receivedAtKill.Count < Total, $"The burst was sent before the kill ({receivedAtKill.Count} of {Total} sent): nothing was killed mid-burst.");
        }
        finally
        {
            await first.DisposeAsync();
        }

        // 2. A new start on the same tables and queue.
        await using var second = await AppProcess.StartAsync(azurite, settings);
        second.Http.DefaultRequestHeaders.Add("X-Api-Key", AppFactory.ClientAKey);
        Assert.True(sendingAtDeath.Count >= 1 && sendingAtDeath.Count <= InFlight, $"{sendingAtDeath.Count} check-ins were left sending; the dead instance could hold 1 to {InFlight}.");

        // A send the provider had not answered when the worker died cannot have been recorded.
        Assert.All(unansweredAtKill, r => Assert.Contains(r.Key, sendingAtDeath));

        // 3. The queue trigger sends the rest at once; the timer, run every few seconds as its schedule would
        // (every minute), enqueues again what the dead instance held once the scheduler's mark runs out.
        var deadline = TimeProvider.System.GetUtcNow() + ClaimLease + TimeSpan.FromMinutes(3);
        var runs = 0;
        Dictionary<string, CheckInView> final;
        while (true)
        {
            var outcome = await second.Host.RunTimerAsync("DispatchDueCheckIns", cancellationToken);
            runs++;
            Assert.True(outcome.Succeeded, $"Dispatch run {runs} failed: {outcome.Error}\n{second.Output}");
            final = await CheckInsAsync(second, eventIds);
            if (final.Values.All(c => c.Status is not (CheckInStatus.Scheduled or CheckInStatus.Sending)))
            {
                break;
            }

            Assert.True(
                TimeProvider.System.GetUtcNow() < deadline,
                $"After {runs} runs, still not finished: {string.Join(", ", final.Where(c => c.Value.Status is CheckInStatus.Scheduled or CheckInStatus.Sending).Select(c => $"{c.Key} {c.Value.Status}"))}\n{second.Output}");
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        }

        // Every check-in reached the provider and is recorded sent: none lost, none left sending.
        var received = twilio.CheckIns.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(final.Keys.Order(StringComparer.Ordinal), received.Keys.Order(StringComparer.Ordinal));
        Assert.All(final, c => Assert.True(c.Value.Status == CheckInStatus.Sent, $"{c.Key} is {c.Value.Status} ({c.Value.Reason})"));

        // Twice only for a claim in flight when the worker died (at most InFlight), never three times.
        var twice = received.Where(r => r.Value > 1).Select(r => r.Key).ToHashSet();
        Assert.All(received, r => Assert.True(r.Value <= 2, $"{r.Key} was sent {r.Value} times."));
        Assert.True(twice.IsSubsetOf(sendingAtDeath), $"Sent twice: {string.Join(", ", twice)}; in flight at the kill: {string.Join(", ", sendingAtDeath)}.");
        Assert.True(twice.Count <= InFlight);
        Assert.All(unansweredAtKill, r => Assert.Contains(r.Key, twice));
        Assert.Equal(Total + twice.Count, twilio.CheckIns.Count);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Total} check-ins; killed after {receivedAtKill.Count} sends ({unansweredAtKill.Count} unanswered); {sendingAtDeath.Count} left sending; "
            + $"{twice.Count} sent twice; {runs} runs after the restart; {elapsed.Elapsed.TotalSeconds:F0} s in all.");
    }

    private static int QueueConcurrency()
    {
        var queues = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.FunctionsOutput, "host.json")), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!["extensions"]!["queues"]!;
        return (int)queues["batchSize"]! + (int)queues["newBatchThreshold"]!;
    }

    /// <summary>One event of <see cref="CheckInsPerEvent"/> texts to the organiser, all due at <paramref name="startsAt"/>.</summary>
    private static JsonObject Registration(int index, DateTimeOffset startsAt)
    {
        // Quiet hours far from now: a check-in sent again after a dead claim counts a second attempt, which
        // would wait out the default 21:00-08:00 (QuietHoursHold) if the test ran at night.
        var now = TimeProvider.System.GetUtcNow();
        var checkIns = new JsonArray();
        for (var i = 0; i < CheckInsPerEvent; i++)
        {
            checkIns.Add(new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "start", ["offset"] = "PT0S", ["message"] = $"Crash test {index}-{i}: how are you?" });
        }

        return new JsonObject
        {
            ["title"] = $"Crash test {index}",
            ["kind"] = "other",
            ["timeZone"] = "Etc/UTC",
            ["startsAt"] = Requests.Local(startsAt),
            ["endsAt"] = Requests.Local(startsAt.AddHours(1)),
            ["organizer"] = new JsonObject
            {
                ["name"] = "Sam",
                ["phone"] = Phone,
                ["quietHours"] = new JsonObject { ["from"] = now.AddHours(8).ToString("HH:mm", CultureInfo.InvariantCulture), ["to"] = now.AddHours(9).ToString("HH:mm", CultureInfo.InvariantCulture) },
            },
            ["checkIns"] = checkIns,
        };
    }

    /// <summary>Every check-in of the events, by "eventId/checkInId", as GET shows it.</summary>
    private static async Task<Dictionary<string, CheckInView>> CheckInsAsync(AppProcess app, IEnumerable<string> eventIds)
    {
        var all = new Dictionary<string, CheckInView>(StringComparer.Ordinal);
        foreach (var id in eventIds)
        {
            var view = await app.Http.GetFromJsonAsync<EventView>($"/api/events/{id}", AppFactory.Json, TestContext.Current.CancellationToken);
            foreach (var checkIn in view!.CheckIns)
            {
                all.Add($"{id}/{checkIn.Id}", checkIn);
            }
        }

        return all;
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what, AppProcess app)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < timeout, $"Waited {timeout} for {what}.\n{app.Output}");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>One Messages request the fake Twilio received; <see cref="Answered"/> once it began to answer.</summary>
    private sealed class SmsRequest(string eventId, string checkInId, string body)
    {
        private volatile bool _answered;

        public string Key { get; } = $"{eventId}/{checkInId}";

        public string Body { get; } = body;

        public bool Answered => _answered;

        public void MarkAnswered() => _answered = true;
    }

    /// <summary>
    /// A slow Twilio: Kestrel on a free loopback port serving <c>POST /2010-04-01/Accounts/{sid}/Messages.json</c>
    /// as Twilio does (201, a message resource with an <c>SM</c> sid), after <c>delay</c>. Every check-in
    /// request is recorded by the ids its StatusCallback URL carries (the app signs them into it).
    /// SendGrid's mail send answers 202 at once (the test sends no email).
    /// </summary>
    private sealed class SlowTwilio : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentQueue<SmsRequest> _checkIns = new();

        private SlowTwilio(WebApplication app) => _app = app;

        public Uri BaseUrl { get; private set; } = null!;

        /// <summary>The check-in sends received, in order, one entry per request.</summary>
        public IReadOnlyCollection<SmsRequest> CheckIns => _checkIns;

        public static async Task<SlowTwilio> StartAsync(TimeSpan delay)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var fake = new SlowTwilio(app);
            app.MapPost("/2010-04-01/Accounts/{accountSid}/Messages.json", async (HttpContext context, string accountSid) =>
            {
                // Not the request's token: a send whose caller died still counts as received.
                var form = await context.Request.ReadFormAsync(CancellationToken.None);
                var callback = System.Web.HttpUtility.ParseQueryString(new Uri(form["StatusCallback"].ToString()).Query);
                var request = new SmsRequest(callback["eventId"] ?? "", callback["checkInId"] ?? "", form["Body"].ToString());
                if (callback["checkInId"] is not null)
                {
                    fake._checkIns.Enqueue(request);
                }

                await Task.Delay(delay, CancellationToken.None);
                request.MarkAnswered();
                var sid = "SM" + Guid.NewGuid().ToString("N");
                context.Response.StatusCode = StatusCodes.Status201Created;
                context.Response.ContentType = "application/json; charset=utf-8";
                await context.Response.WriteAsync(
                    new JsonObject
                    {
                        ["sid"] = sid,
                        ["account_sid"] = accountSid,
                        ["to"] = form["To"].ToString(),
                        ["from"] = form["From"].ToString(),
                        ["body"] = request.Body,
                        ["status"] = "queued",
                        ["num_segments"] = "1",
                        ["direction"] = "outbound-api",
                        ["api_version"] = "2010-04-01",
                        ["error_code"] = null,
                        ["error_message"] = null,
                        ["uri"] = $"/2010-04-01/Accounts/{accountSid}/Messages/{sid}.json",
                    }.ToJsonString(),
                    CancellationToken.None);
            });
            app.MapPost("/v3/mail/send", (HttpContext context) =>
            {
                context.Response.Headers["X-Message-Id"] = Guid.NewGuid().ToString("N");
                return Results.StatusCode(StatusCodes.Status202Accepted);
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            fake.BaseUrl = new Uri(address.TrimEnd('/') + "/");
            return fake;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary>
/// A PATCH cut off after each of its storage requests in turn (the app dying there), then the dispatcher
/// run across the old and the new times: nothing stale is sent, nothing due is missed, nothing twice.
/// </summary>
public sealed partial class PatchEventCrashTests : AppTest
{
    // Registered at 09:00 (hour 0): start 10:00, end 14:00. A is 30 minutes after the end, B three hours
    // after the start, C (to Alex) at a fixed time the next morning, D at a fixed time; the change moves
    // the event, edits C's message, leaves D out and adds E.
    private static readonly (string Marker, double Hours)[] OldPlan = [("A", 5.5), ("B", 4), ("C", 20), ("D", 6)];

    private readonly StorageCrash _crash = new();
    private readonly AfterFirstClaim _afterClaim = new();
    private readonly TableClientOptions _options;
    private readonly DateTimeOffset _start;

    public PatchEventCrashTests(AzuriteFixture azurite)
        : base(azurite)
    {
        _options = _crash.Options;
        _options.AddPolicy(_afterClaim, HttpPipelinePosition.PerCall);
        _start = App.Time.GetUtcNow();
    }

    protected override AppFactory CreateApp() => new(Azurite, configureServices: s => s.AddSingleton(_options));

    /// <summary>
    /// Moved earlier, A's new time is the first thing due after the crash: only its new index row can
    /// find it. Moved later, B's old time comes first, while the change may still be pending.
    /// </summary>
    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 7)]
    public async Task Patch_CutOffAfterEveryStep_DispatchSendsEitherTheOldPlanOrTheNew_AndARetrySendsTheNew(double startsAt, double endsAt)
    {
        (string Marker, double Hours)[] newPlan = [("A", endsAt + 0.5), ("B", startsAt + 3), ("C2", 20), ("E", 7)];
        var dispatchAt = OldPlan.Concat(newPlan).Select(p => p.Hours).Distinct().Order().ToList();
        // Consent is per organiser and address: given once, it covers every event below.
        var consented = await App.RegisterAsync(Registration());
        await App.GrantAsync(consented, "organizer", Channel.Sms);
        await App.GrantAsync(consented, "organizer", Channel.Email);
        await App.GrantAsync(consented, "alex", Channel.Email);

        // Die after 0, 1, 2... storage requests, until the change runs to its end (how many it makes
        // varies a little: index rows are written per shard). For each point, one event is left as the
        // crash left it, and the client of another sends the same PATCH again, as it would after a 503.
        var leftAlone = new List<string>();
        var retried = new List<string>();
        var completed = false;
        for (var allowed = 0; !completed; allowed++)
        {
            Assert.True(allowed < 100, "The change never ran to its end.");
            completed = true;
            foreach (var retry in new[] { false, true })
            {
                var view = await App.RegisterAsync(Registration());
                var etag = await ETagAsync(view.Id);
                _crash.Arm(allowed);
                var cut = await PatchAsync(view, etag, startsAt, endsAt);
                _crash.Disarm();
                Assert.True(cut.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.OK, $"Dying after request {allowed}: {cut.StatusCode}");
                completed &= cut.StatusCode == HttpStatusCode.OK;
                if (retry)
                {
                    var again = await PatchAsync(view, etag, startsAt, endsAt);
                    Assert.True(again.StatusCode == HttpStatusCode.OK, $"The retry after dying after request {allowed}: {again.StatusCode}");
                    retried.Add(view.Id);
                }
                else
                {
                    leftAlone.Add(view.Id);
                }
            }
        }

        var sent = await DispatchAsync(dispatchAt);

        foreach (var id in retried)
        {
            var what = sent.GetValueOrDefault(id) ?? [];
            Assert.True(what.SetEquals(newPlan), $"{id}: {string.Join(", ", what)}");
        }

        var outcomes = leftAlone.Select(id => sent.GetValueOrDefault(id) ?? []).ToList();
        Assert.All(outcomes, s => Assert.True(s.SetEquals(OldPlan) || s.SetEquals(newPlan), string.Join(", ", s)));
        Assert.Contains(outcomes, s => s.SetEquals(OldPlan));
        Assert.Contains(outcomes, s => s.SetEquals(newPlan));

        // And what GET shows agrees with what was sent.
        foreach (var id in leftAlone)
        {
            var plan = sent[id].SetEquals(newPlan) ? newPlan : OldPlan;
            var view = await App.GetEventAsync(id);
            var delivered = view.CheckIns.Where(c => c.Status == CheckInStatus.Sent).Select(c => c.DueAt).ToHashSet();
            Assert.Equal(plan.Select(p => _start.AddHours(p.Hours)).ToHashSet(), delivered);
        }

        // And the client's list finds every event once, at the start it has, wherever its change died.
        var listed = await ListAllAsync();
        Assert.Equal(leftAlone.Concat(retried).Append(consented.Id).Order(StringComparer.Ordinal), listed.Select(e => e.Id).Order(StringComparer.Ordinal));
        foreach (var e in listed)
        {
            Assert.Equal((await App.GetEventAsync(e.Id)).StartsAtUtc, e.StartsAtUtc);
        }

        Assert.Equal(listed.OrderBy(e => e.StartsAtUtc).ThenBy(e => e.Id, StringComparer.Ordinal).Select(e => e.Id), listed.Select(e => e.Id));
    }

    private async Task<List<EventView>> ListAllAsync()
    {
        var client = App.CreateClient(AppFactory.ClientAKey);
        var events = new List<EventView>();
        var query = "/api/events?pageSize=100";
        while (true)
        {
            var page = (await client.GetFromJsonAsync<EventList>(query, AppFactory.Json, Ct))!;
            events.AddRange(page.Events);
            if (page.ContinuationToken is null)
            {
                return events;
            }

            query = "/api/events?pageSize=100&continuationToken=" + Uri.EscapeDataString(page.ContinuationToken);
        }
    }

    /// <summary>
    /// A change left marked (the PATCH died once it was written, before any check-in had it), finished by
    /// someone else (a GET, another instance) the moment a dispatch run claims a check-in: the run sends
    /// the check-in as the change made it, or not at all, never its old words or at its old time. Fails
    /// if the run reads the event after its claim: the change, finding the check-in claimed, leaves it
    /// alone and ends, and the run then finds no mark.
    /// </summary>
    [Fact]
    public async Task Dispatch_ChangeFinishedByAnotherAsARunClaims_SendsOnlyTheNewPlan()
    {
        (string Marker, double Hours)[] newPlan = [("A", 7.5), ("B", 6), ("C2", 20), ("E", 7)];
        var consented = await App.RegisterAsync(Registration());
        await App.GrantAsync(consented, "organizer", Channel.Sms);
        await App.GrantAsync(consented, "organizer", Channel.Email);
        await App.GrantAsync(consented, "alex", Channel.Email);

        var store = App.Services.GetRequiredService<EventStore>();
        string? marked = null;
        for (var allowed = 0; marked is null; allowed++)
        {
            Assert.True(allowed < 100, "No point of the change left it marked with no check-in changed yet.");
            var view = await App.RegisterAsync(Registration());
            var etag = await ETagAsync(view.Id);
            _crash.Arm(allowed);
            await PatchAsync(view, etag, 3, 7);
            _crash.Disarm();
            var rows = await store.GetWithChangesAsync(view.Id, Ct);
            if (rows is { Event.PendingChange: not null } r && r.CheckIns.Count == OldPlan.Length
                && r.CheckIns.All(c => c.Status == CheckInStatus.Scheduled && !c.Message.Contains("[C2]", StringComparison.Ordinal) && StoredTime.SameInstant(c.DueAt, view.CheckIns.Single(v => v.Id == c.Id).DueAt)))
            {
                marked = view.Id;
            }
        }

        var pending = App.Services.GetRequiredService<PendingChanges>();
        _afterClaim.Arm(marked, () => pending.RollForwardAsync(marked, CancellationToken.None));

        var sent = await DispatchAsync(OldPlan.Concat(newPlan).Select(p => p.Hours).Distinct().Order());

        var what = sent.GetValueOrDefault(marked) ?? [];
        Assert.True(what.SetEquals(newPlan), string.Join(", ", what));
    }

    /// <summary>Runs dispatch at each time of both plans; returns, per event, what was sent when (hours after registration).</summary>
    private async Task<Dictionary<string, HashSet<(string Marker, double Hours)>>> DispatchAsync(IEnumerable<double> times)
    {
        var outbox = App.Services.GetRequiredService<OutboxSender>();
        var sent = new Dictionary<string, HashSet<(string, double)>>();
        var seen = new HashSet<string>();
        foreach (var hours in times)
        {
            App.Time.Advance(_start.AddHours(hours) - App.Time.GetUtcNow());
            var report = await App.DispatchAsync();
            Assert.Equal(0, report.Errored);
            foreach (var message in (await outbox.ListAsync(100_000, CancellationToken.None)).Where(m => m.Kind == MessageKinds.CheckIn && seen.Add(m.Id)))
            {
                var marker = Marker().Match(message.Body).Groups[1].Value;
                sent.TryAdd(message.EventId!, []);
                Assert.True(sent[message.EventId!].Add((marker, hours)), $"{marker} was sent twice for {message.EventId}");
            }
        }

        return sent;
    }

    private JsonObject Registration()
    {
        var body = Requests.Dinner(_start);
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = "[A] after the end" },
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "start", ["offset"] = "PT3H", ["message"] = "[B] three hours in" },
            new JsonObject { ["to"] = "alex", ["channel"] = "email", ["at"] = Requests.Local(_start.AddHours(20)), ["message"] = "[C] good morning" },
            new JsonObject { ["to"] = "organizer", ["channel"] = "email", ["at"] = Requests.Local(_start.AddHours(6)), ["message"] = "[D] to be removed" },
        };
        return body;
    }

    private async Task<HttpResponseMessage> PatchAsync(EventView view, string etag, double startsAt, double endsAt)
    {
        var change = new JsonObject
        {
            ["startsAt"] = Requests.Local(_start.AddHours(startsAt)),
            ["endsAt"] = Requests.Local(_start.AddHours(endsAt)),
            ["checkIns"] = new JsonArray
            {
                new JsonObject { ["id"] = view.CheckIns[0].Id },
                new JsonObject { ["id"] = view.CheckIns[1].Id },
                new JsonObject { ["id"] = view.CheckIns[2].Id, ["message"] = "[C2] good morning, edited" },
                new JsonObject { ["to"] = "organizer", ["channel"] = "email", ["at"] = Requests.Local(_start.AddHours(7)), ["message"] = "[E] added" },
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}") { Content = JsonContent.Create(change, options: AppFactory.Json) };
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);
    }

    private async Task<string> ETagAsync(string id) =>
        (await App.CreateClient(AppFactory.ClientAKey).GetAsync($"/api/events/{id}", Ct)).Headers.ETag!.ToString();

    [GeneratedRegex(@"\[(\w+)\]")]
    private static partial Regex Marker();

    /// <summary>Once armed, runs its action once, right after the first claim (a check-in written as sending) of one event succeeds.</summary>
    private sealed class AfterFirstClaim : HttpPipelinePolicy
    {
        private string? _eventId;
        private Func<Task<bool>>? _then;

        public void Arm(string eventId, Func<Task<bool>> then) => (_eventId, _then) = (eventId, then);

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            await ProcessNextAsync(message, pipeline);
            if (_then is { } then && message.Response.Status is >= 200 and < 300 && IsClaim(message.Request, _eventId!))
            {
                _then = null;
                await then();
            }
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) => ProcessNext(message, pipeline);

        private static bool IsClaim(Request request, string eventId)
        {
            var uri = request.Uri.ToString();
            if (request.Content is null || !uri.Contains(eventId, StringComparison.Ordinal) || !uri.Contains("checkin-", StringComparison.Ordinal))
            {
                return false;
            }

            using var body = new MemoryStream();
            request.Content.WriteTo(body, CancellationToken.None);
            return System.Text.Encoding.UTF8.GetString(body.ToArray()).Contains("\"Status\":\"Sending\"", StringComparison.Ordinal);
        }
    }
}

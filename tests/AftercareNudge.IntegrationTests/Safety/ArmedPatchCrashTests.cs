using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// A PATCH moving an armed event, cut off after each of its storage requests in turn (the app dying
/// there): as the next reader finds it, the check-in, its safety net and its ladder are all at the old
/// times or all at the new, and the due index finds every rung where it is.
/// </summary>
public sealed class ArmedPatchCrashTests : AppTest
{
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);
    private readonly StorageCrash _crash = new();

    public ArmedPatchCrashTests(AzuriteFixture azurite)
        : base(azurite)
    {
    }

    protected override AppFactory CreateApp() =>
        new(Azurite, null, s => s.AddSingleton(_crash.Options));

    [Fact]
    public async Task Move_CutOffAfterEveryStep_LeavesTheCheckInNetAndLadderAllOldOrAllNew()
    {
        var outcomes = new HashSet<bool>();
        var completed = false;
        for (var allowed = 0; !completed; allowed++)
        {
            Assert.True(allowed < 100, "The change never ran to its end.");
            var view = await App.RegisterAsync(Armed());
            var armed = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);

            _crash.Arm(allowed);
            HttpResponseMessage cut;
            using (var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}") { Content = JsonContent.Create(new JsonObject { ["endsAt"] = Requests.Local(view.EndsAtUtc.AddHours(1)) }) })
            {
                cut = await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);
            }

            _crash.Disarm();
            Assert.True(cut.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.OK, $"Dying after request {allowed}: {cut.StatusCode}");
            completed = cut.StatusCode == HttpStatusCode.OK;

            // The next reader (a GET) finishes a change that was committed.
            var rows = (await App.GetEventAsync(view.Id)).CheckIns;
            var due = rows.Single(c => c.Id == armed.Id).DueAt;
            var moved = due == armed.DueAt.AddHours(1);
            Assert.True(moved || due == armed.DueAt, $"Dying after request {allowed}: the check-in is at {due}");
            outcomes.Add(moved);
            var net = await App.Services.GetRequiredService<EventStore>().GetAwaitedAsync(view.Id, armed.Id, Ct);
            Assert.Equal(due, net!.DueAt);
            var reminder = rows.Single(c => c.Id == SafetyLadder.ReminderId(armed.Id));
            var alert = rows.Single(c => c.Id == SafetyLadder.AlertId(armed.Id, 1));
            Assert.Equal((due + Within, due + Within + Grace), (reminder.DueAt, alert.DueAt));

            var index = await App.Services.GetRequiredService<DueCheckInIndex>().ReadDueAsync(alert.DueAt, Ct).ToListAsync(Ct);
            Assert.Contains(index, d => d.EventId == view.Id && d.CheckInId == reminder.Id && d.NextAttemptAt == reminder.DueAt);
            Assert.Contains(index, d => d.EventId == view.Id && d.CheckInId == alert.Id && d.NextAttemptAt == alert.DueAt);
        }

        Assert.Equal([false, true], outcomes.Order());
    }

    private JsonObject Armed()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["phone"] = "+447911000222", ["timeZone"] = "Etc/UTC", ["role"] = "trustedContact" });
        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo") };
        return body;
    }
}

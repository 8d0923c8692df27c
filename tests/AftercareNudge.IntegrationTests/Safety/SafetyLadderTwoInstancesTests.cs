using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;

namespace AftercareNudge.IntegrationTests.Safety;

/// <summary>
/// On time, once: two app instances on the same storage, their dispatchers run over and over at once at
/// each rung's time, and the answer taken by one while the other dispatches. With no send outcome left
/// unknown, every check-in, reminder, alert and all-clear goes exactly once, at its time.
/// </summary>
public sealed class SafetyLadderTwoInstancesTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const int Events = 3;
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    protected override AppFactory CreateApp() => new(Azurite);

    [Fact]
    public async Task TwoInstances_Interleaved_SendEachReminderAlertAndAllClearExactlyOnce()
    {
        var armed = new List<(EventView View, string CheckIn, string Organizer, string[] Contacts)>();
        for (var i = 0; i < Events; i++)
        {
            armed.Add(await ArmedAsync(i));
        }

        await using var other = new AppFactory(Azurite, new Dictionary<string, string?> { ["Storage:TablePrefix"] = App.TablePrefix });
        var due = armed[0].View.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).DueAt;

        foreach (var at in new[] { due, due + Within, due + Within + Grace })
        {
            SetBoth(other, at);
            await Task.WhenAll(App.DispatchAsync(), other.DispatchAsync(), other.DispatchAsync(), App.DispatchAsync());
        }

        // Each answer comes in on the other instance while both keep dispatching: the all-clears it makes
        // are sent at once by it, and are due for both dispatchers too.
        SetBoth(other, due + Within + Grace + TimeSpan.FromMinutes(3));
        await Task.WhenAll(armed.Select(a => (Task)other.ReplyAsync(a.Organizer, "all fine")).Concat([App.DispatchAsync(), App.DispatchAsync(), other.DispatchAsync()]));
        await Task.WhenAll(App.DispatchAsync(), other.DispatchAsync());

        var outbox = await App.OutboxAsync();
        foreach (var (view, checkIn, organizer, contacts) in armed)
        {
            var ofEvent = outbox.Where(m => m.EventId == view.Id).ToList();
            Assert.Single(ofEvent, m => m.Kind == MessageKinds.CheckIn && m.To == organizer);
            Assert.Single(ofEvent, m => m.Kind == MessageKinds.SafetyReminder && m.To == organizer);
            Assert.Equal(contacts.Order(), ofEvent.Where(m => m.Kind == MessageKinds.Alert).Select(m => m.To).Order());
            Assert.Equal(contacts.Order(), ofEvent.Where(m => m.Kind == MessageKinds.AllClear).Select(m => m.To).Order());

            var rows = (await App.GetEventAsync(view.Id)).CheckIns;
            Assert.Equal(due + Within, rows.Single(c => c.Id == SafetyLadder.ReminderId(checkIn)).SentAt);
            Assert.All(rows.Where(c => c.Kind == CheckInKind.Alert), c => Assert.Equal(due + Within + Grace, c.SentAt));
            Assert.All(rows.Where(c => c.Kind == CheckInKind.AllClear), c => Assert.Equal((CheckInStatus.Sent, due + Within + Grace + TimeSpan.FromMinutes(3)), (c.Status, c.SentAt)));
            Assert.Equal(AwaitState.Cleared, rows.Single(c => c.Id == checkIn).AwaitReply!.State);
        }
    }

    private void SetBoth(AppFactory other, DateTimeOffset at)
    {
        App.Time.SetUtcNow(at);
        other.Time.SetUtcNow(at);
    }

    /// <summary>Event <paramref name="i"/>: its own organiser's armed check-in, confirmed, with two contacts of its own who agreed.</summary>
    private async Task<(EventView View, string CheckIn, string Organizer, string[] Contacts)> ArmedAsync(int i)
    {
        var organizer = $"+44791112{i:D4}";
        var contacts = new[] { $"+44791100{i:D2}22", $"+44791100{i:D2}33" };
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["organizer"]!["phone"] = organizer;
        body["checkIns"]!.AsArray().RemoveAt(1);
        foreach (var (key, phone) in new[] { ("jo", contacts[0]), ("lee", contacts[1]) })
        {
            body["people"]!.AsArray().Add(new JsonObject { ["key"] = key, ["name"] = key, ["phone"] = phone, ["timeZone"] = "Etc/UTC", ["role"] = "trustedContact" });
        }

        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee") };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        foreach (var phone in contacts)
        {
            Assert.Contains("you'll be told if Sam does not answer", await App.ReplyAsync(phone, "YES"), StringComparison.Ordinal);
        }

        return (view, view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).Id, organizer, contacts);
    }
}

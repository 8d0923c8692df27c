using System.Text.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Privacy;
using AftercareNudge.Safety;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Privacy;

/// <summary>
/// Erasure and the safety net: a trusted contact's consent, recorded under ids of its own, goes with
/// their address; their key is renamed wherever a net names them, so no alert or all-clear reaches the
/// erased address; and an erased organiser's net loses its note and duress word at once and is disarmed
/// as a cancellation would, the contacts already alerted being told so.
/// </summary>
public sealed class SafetyErasureTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Jo = "+447911000222";
    private const string Lee = "+447911000333";

    // People are alex, jo, lee: Jo's key becomes erased.2.
    private const string JoErased = "erased.2";

    private static readonly TimeSpan Within = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(10);

    protected override AppFactory CreateApp() => new(Azurite);

    [Fact]
    public async Task EraseContact_DeletesTheirContactConsentAndLedger_RenamesThemInTheNet_AndNoAlertReachesThem()
    {
        var (view, checkIn, due) = await ArmedAsync();
        var jo = (await EventAsync(view.Id)).Find("jo")!;
        var consentId = SafetyLadder.ContactConsentId(view.Id, "jo", jo.AgreedAlerts!);
        var consents = App.Services.GetRequiredService<ConsentStore>();
        Assert.Equal(ConsentState.Granted, await consents.GetAsync(Channel.Sms, Jo, consentId, Ct));

        var summary = await EraseAsync(Jo);

        Assert.True(summary.Erased.Consents >= 1);
        Assert.True(summary.Erased.LedgerEntries >= 2); // the request and the YES
        Assert.DoesNotContain(await App.LedgerAsync(Channel.Sms, Jo), e => e.OrganizerId?.StartsWith(SafetyLadder.ContactConsentPrefix, StringComparison.Ordinal) == true);
        Assert.False(await consents.WasAskedAsync(Channel.Sms, Jo, consentId, Ct));
        Assert.NotEqual(ConsentState.Granted, await consents.GetAsync(Channel.Sms, Jo, consentId, Ct));

        var net = await AwaitedAsync(view.Id, checkIn);
        Assert.Equal([JoErased, "lee"], net.Net.EscalateTo);
        var seen = await App.GetEventAsync(view.Id);
        Assert.Equal([JoErased, "lee"], seen.CheckIns.Single(c => c.Id == checkIn).AwaitReply!.EscalateTo);
        var toJo = seen.CheckIns.Single(c => c.Id == SafetyLadder.AlertId(checkIn, 1));
        Assert.Equal((JoErased, CheckInStatus.Cancelled, "erased"), (toJo.To, toJo.Status, toJo.Reason));
        Assert.Contains(SafetyWarnings.ContactErased, seen.Warnings!.Values.SelectMany(w => w));
        Assert.Null((await EventAsync(view.Id)).Find(JoErased)!.AgreedAlerts);

        App.Time.SetUtcNow(due + Within + Grace);
        await App.DispatchAsync();
        Assert.Equal([Lee], (await App.OutboxAsync(MessageKinds.Alert)).Select(m => m.To));
        Assert.DoesNotContain(await App.OutboxAsync(), m => m.To == Jo && m.EventId is not null);
    }

    [Fact]
    public async Task EraseContact_AfterTheirAlert_TheyAreToldUnderTheirNewKey_AndTheAnswersAllClearGoesOnlyToTheOthers()
    {
        var (view, checkIn, due) = await ArmedAsync();
        App.Time.SetUtcNow(due + Within + Grace);
        await App.DispatchAsync();
        Assert.Equal(2, (await App.OutboxAsync(MessageKinds.Alert)).Count);

        await EraseAsync(Jo);

        Assert.Equal([JoErased, "lee"], (await AwaitedAsync(view.Id, checkIn)).Alerted!.Order(StringComparer.Ordinal));
        Assert.Equal([JoErased, "lee"], (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == checkIn).AwaitReply!.Told!.Order(StringComparer.Ordinal));

        App.Time.Advance(TimeSpan.FromMinutes(5));
        await App.ReplyAsync(Sam, "all good, sorry");

        Assert.Equal(AwaitState.Cleared, (await AwaitedAsync(view.Id, checkIn)).State);
        Assert.Equal([Lee], (await App.OutboxAsync(MessageKinds.AllClear)).Select(m => m.To));
        Assert.Null(await App.Services.GetRequiredService<EventStore>().GetCheckInAsync(view.Id, SafetyLadder.AllClearId(SafetyLadder.AlertId(checkIn, 1)), Ct));
    }

    [Fact]
    public async Task EraseOrganiser_RemovesTheNoteAndDuressWordAtOnce_AndDisarmsTheLadder()
    {
        var (view, checkIn, due) = await ArmedAsync(duressWord: "pineapple");

        var summary = await EraseAsync(Sam);

        var net = await AwaitedAsync(view.Id, checkIn);
        Assert.Equal((null, null), (net.Net.Note, net.Net.DuressWord));
        Assert.Equal(["jo", "lee"], net.Net.EscalateTo);
        Assert.Null((await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Id == checkIn).AwaitReply!.Note);
        var rows = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.All(
            [checkIn, SafetyLadder.ReminderId(checkIn), SafetyLadder.AlertId(checkIn, 1), SafetyLadder.AlertId(checkIn, 2)],
            id => Assert.Equal((CheckInStatus.Cancelled, "erased"), rows.Single(c => c.Id == id) is var r ? (r.Status, r.Reason) : default));
        Assert.Equal(4, summary.Erased.CheckInsCancelled);

        App.Time.SetUtcNow(due + Within + Grace);
        await App.DispatchAsync();
        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyReminder));
        Assert.Empty(await App.OutboxAsync(MessageKinds.Alert));
        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyCancelled)); // nobody was alerted: nothing to take back
    }

    [Fact]
    public async Task EraseOrganiser_AfterTheAlert_TellsTheAlertedContactsItWasCancelled_NamingNobody_AndSendsNoAllClear()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due + Within + Grace);
        await App.DispatchAsync();
        Assert.Equal([Jo], (await App.OutboxAsync(MessageKinds.Alert)).Select(m => m.To));

        await EraseAsync(Sam);
        await EraseAsync(Sam); // a repeated request tells nobody twice

        var told = Assert.Single(await App.OutboxAsync(MessageKinds.SafetyCancelled));
        Assert.Equal(
            (Jo, "AftercareNudge: The check-in we alerted you about was cancelled, without an answer to us from the person who chose you. We will send nothing more about it. If you are still worried, try to reach them; in an emergency, call your local emergency number."),
            (told.To, told.Body));
        Assert.Null((await AwaitedAsync(view.Id, checkIn)).Net.Note);

        App.Time.Advance(TimeSpan.FromMinutes(5));
        await App.ReplyAsync(Sam, "ok"); // the number is no longer the event's: no answer, no all-clear
        Assert.Empty(await App.OutboxAsync(MessageKinds.AllClear));
    }

    [Fact]
    public async Task EraseOrganiser_AnAllClearNotYetSent_StillGoes_NamingNobody()
    {
        var (view, checkIn, due) = await ArmedAsync(agreed: ["jo"]);
        App.Time.SetUtcNow(due + Within + Grace);
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromMinutes(5));
        await App.ReplyAsync(Sam, "fine, thanks");
        Assert.Single(await App.OutboxAsync(MessageKinds.AllClear));

        // As if the all-clear were still waiting for the dispatcher when the erasure came.
        var events = App.Services.GetRequiredService<EventStore>();
        var allClearId = SafetyLadder.AllClearId(SafetyLadder.AlertId(checkIn, 1));
        var now = App.Time.GetUtcNow();
        await events.ChangeCheckInAsync(view.Id, allClearId, r => r with { Status = CheckInStatus.Scheduled, SentAt = null, NextAttemptAt = now, Attempts = 0, ProviderMessageId = null }, Ct);
        await App.Services.GetRequiredService<DueCheckInIndex>().AddAsync([new DueEntry(view.Id, allClearId, now, (await EventAsync(view.Id)).ClientId)], Ct);

        await EraseAsync(Sam);
        Assert.Equal(CheckInStatus.Scheduled, (await events.GetCheckInAsync(view.Id, allClearId, Ct))!.Status);
        await App.DispatchAsync();

        // The first copy named Sam, and went with the erasure: this one is the one sent after it.
        var allClear = Assert.Single(await App.OutboxAsync(MessageKinds.AllClear));
        Assert.Equal(Jo, allClear.To);
        Assert.StartsWith("AftercareNudge: All clear: The person who chose you answered their check-in", allClear.Body, StringComparison.Ordinal);
        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyCancelled));
    }

    [Fact]
    public async Task EraseOrganiser_AfterTheDuressWord_AnAlertStillHeldForTheNight_ReadsAsAnyAnswerLeavesIt()
    {
        var (view, checkIn, due) = await ArmedAsync(duressWord: "pineapple", quietHours: "14:00-16:00");
        App.Time.SetUtcNow(due + TimeSpan.FromMinutes(1));
        await App.ReplyAsync(Sam, "pineapple");
        Assert.Empty(await App.OutboxAsync(MessageKinds.Alert)); // both held for the contacts' night

        await EraseAsync(Sam);

        var rows = (await App.GetEventAsync(view.Id)).CheckIns;
        Assert.All(
            [SafetyLadder.ReminderId(checkIn), SafetyLadder.AlertId(checkIn, 1), SafetyLadder.AlertId(checkIn, 2)],
            id => Assert.Equal((CheckInStatus.Cancelled, "answered"), rows.Single(c => c.Id == id) is var r ? (r.Status, r.Reason) : default));
        Assert.Equal(AwaitState.Answered, rows.Single(c => c.Id == checkIn).AwaitReply!.State);
        Assert.Null((await AwaitedAsync(view.Id, checkIn)).Net.DuressWord);
        Assert.Empty(await App.OutboxAsync(MessageKinds.SafetyCancelled));
    }

    private async Task<ErasureSummary> EraseAsync(string address)
    {
        var response = await App.CreateClient(AppFactory.ClientAKey).DeleteAsync($"/api/people/{Uri.EscapeDataString(address)}", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonSerializer.Deserialize<ErasureSummary>(body, AppFactory.Json)!;
    }

    private async Task<EventRecord> EventAsync(string eventId) =>
        (await App.Services.GetRequiredService<EventStore>().GetEventAsync(eventId, Ct))!;

    private async Task<AwaitedReply> AwaitedAsync(string eventId, string checkInId) =>
        (await App.Services.GetRequiredService<EventStore>().GetAwaitedAsync(eventId, checkInId, Ct))!;

    /// <summary>Sam's own SMS check-in, confirmed, armed with Jo and Lee; those in <paramref name="agreed"/> (both by default) answer YES.</summary>
    private async Task<(EventView View, string CheckIn, DateTimeOffset Due)> ArmedAsync(string[]? agreed = null, string? duressWord = null, string? quietHours = null)
    {
        agreed ??= ["jo", "lee"];
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        foreach (var (key, name, phone) in new[] { ("jo", "Jo", Jo), ("lee", "Lee", Lee) })
        {
            body["people"]!.AsArray().Add(new JsonObject { ["key"] = key, ["name"] = name, ["phone"] = phone, ["timeZone"] = "Etc/UTC", ["quietHours"] = quietHours, ["role"] = "trustedContact" });
        }

        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo", "lee"), ["note"] = "at the Crown", ["duressWord"] = duressWord };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        foreach (var phone in new[] { ("jo", Jo), ("lee", Lee) }.Where(c => agreed.Contains(c.Item1)).Select(c => c.Item2))
        {
            Assert.Contains("you'll be told if Sam does not answer", await App.ReplyAsync(phone, "YES"), StringComparison.Ordinal);
        }

        var checkIn = view.CheckIns.Single(c => c.Kind == CheckInKind.CheckIn);
        return (view, checkIn.Id, checkIn.DueAt);
    }
}

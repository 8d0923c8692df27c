using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>The daily cap of consent requests per address, claimed before each request is sent.</summary>
public sealed class ConsentRequestCapTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "+447911123457";

    [Fact]
    public async Task Register_TwentyAtOnceAskingOneNumber_SendsExactlyThreeRequests_AndHoldsTheRest()
    {
        var registrations = Enumerable.Range(0, 20).Select(i =>
        {
            var body = Requests.Dinner(App.Time.GetUtcNow());
            body["organizer"]!["name"] = "Sam " + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            body["checkIns"]![1]!["channel"] = "sms";
            return App.RegisterAsync(body);
        });

        var views = await Task.WhenAll(registrations);

        var outbox = await App.Services.GetRequiredService<OutboxSender>().ListAsync(1000, Ct);
        Assert.Equal(3, outbox.Count(m => m.To == Alex && m.Kind == MessageKinds.ConsentRequest));
        var held = await HeldAsync("alex");
        Assert.Equal(17, held.Count);
        Assert.Equal(views.Select(v => v.Id).Order(), held.Concat(SentTo(outbox, Alex)).Order());
    }

    [Fact]
    public async Task Claim_ThreeTaken_TheFourthWaits_UntilOneIsReleasedOrADayHasPassed()
    {
        var cap = App.Services.GetRequiredService<ConsentRequestCap>();

        var slots = new List<ConsentRequestSlot?>();
        for (var i = 0; i < 3; i++)
        {
            slots.Add(await cap.TryClaimAsync(Channel.Sms, Alex, Ct));
        }

        Assert.All(slots, Assert.NotNull);
        Assert.Null(await cap.TryClaimAsync(Channel.Sms, Alex, Ct));
        Assert.NotNull(await cap.TryClaimAsync(Channel.Email, "alex@example.com", Ct));

        // A request the provider refused gives its slot back.
        await cap.ReleaseAsync(slots[1]!, Ct);
        Assert.NotNull(await cap.TryClaimAsync(Channel.Sms, Alex, Ct));
        Assert.Null(await cap.TryClaimAsync(Channel.Sms, Alex, Ct));

        App.Time.Advance(TimeSpan.FromHours(24));
        Assert.NotNull(await cap.TryClaimAsync(Channel.Sms, Alex, Ct));
    }

    [Fact]
    public async Task Claim_ForAnAddressAskedBeforeSlotsExisted_CountsTheLedgersRequests()
    {
        var consents = App.Services.GetRequiredService<ConsentStore>();
        for (var i = 0; i < 2; i++)
        {
            await consents.RecordRequestAsync(new ConsentRequestSent(Channel.Sms, Alex, "org" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), "Sam", "clientA", "ev_old", "alex", "sms-request:ev_old", "Reply YES"), Ct);
        }

        var cap = App.Services.GetRequiredService<ConsentRequestCap>();

        Assert.NotNull(await cap.TryClaimAsync(Channel.Sms, Alex, Ct));
        Assert.Null(await cap.TryClaimAsync(Channel.Sms, Alex, Ct));
    }

    private static IEnumerable<string> SentTo(IEnumerable<OutboxMessage> outbox, string to) =>
        outbox.Where(m => m.To == to && m.Kind == MessageKinds.ConsentRequest).Select(m => m.EventId!);

    private async Task<List<string>> HeldAsync(string personKey)
    {
        var table = await App.Services.GetRequiredService<AppTables>().GetAsync(AppTables.HeldConsentRequests, Ct);
        var held = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"held"} and PersonKey eq {personKey}"), cancellationToken: Ct))
        {
            held.Add(row.GetString("EventId"));
        }

        return held;
    }
}

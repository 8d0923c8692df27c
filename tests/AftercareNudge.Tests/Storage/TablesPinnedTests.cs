using System.Reflection;
using AftercareNudge.Storage;

namespace AftercareNudge.Tests.Storage;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>The tables the app keeps its rows in, by name, and how <c>Storage:TablePrefix</c> makes them.</remarks>
public sealed class TablesPinnedTests
{
    [Fact]
    public void AppTables_TheTables_AreThese()
    {
        var names = typeof(AppTables).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => f.Name + "=" + f.GetRawConstantValue());

        Assert.Equal(
            [
                "Events=Events",
                "DueCheckIns=DueCheckIns",
                "Consents=Consents",
                "ConsentLedger=ConsentLedger",
                "DevOutbox=DevOutbox",
                "RecipientCheckIns=RecipientCheckIns",
                "InboundMessages=InboundMessages",
                "LinkTokens=LinkTokens",
                "HeldConsentRequests=HeldConsentRequests",
                "ConsentRequestSlots=ConsentRequestSlots",
                "WebhookEvents=WebhookEvents",
                "PurgeIndex=PurgeIndex",
                "AddressIndex=AddressIndex",
                "LinkTokenIndex=LinkTokenIndex",
                "WebhookNotifications=WebhookNotifications",
                "IdempotencyKeys=IdempotencyKeys",
                "ReplyChoices=ReplyChoices",
                "WaitingRelays=WaitingRelays",
                "ClientQuotas=ClientQuotas",
                "ClientEvents=ClientEvents",
            ],
            names);
    }

    [Fact]
    public async Task AppTables_APrefix_IsPutBeforeTheName()
    {
        var table = await new AppTables(new InMemoryTables(), "run42").GetAsync(AppTables.ConsentLedger, TestContext.Current.CancellationToken);

        Assert.Equal("run42ConsentLedger", table.Name);
    }
}

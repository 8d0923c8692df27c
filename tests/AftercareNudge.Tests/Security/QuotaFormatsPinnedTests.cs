using AftercareNudge.Security;
using AftercareNudge.Storage;
using AftercareNudge.Tests.Storage;

namespace AftercareNudge.Tests.Security;

/// <summary>
/// Pins what is stored or published, so moving code cannot change it (issue 20.7). A failure here
/// means stored data or a published format changed: that is a migration, not a refactor.
/// </summary>
/// <remarks>A client's daily counters: partition the client id, row <c>yyyy-MM-dd:quota:shard</c> (shard 0 to 7, at random).</remarks>
public sealed class QuotaFormatsPinnedTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClientQuotas_ACounter_IsTheClientsRowDayQuotaAndShard()
    {
        var app = new PinnedApp();
        var quotas = app.Quotas();

        await quotas.TryTakeAsync(PinnedApp.ClientId, Quota.Messages, 2, Token);
        await quotas.TryTakeAsync(PinnedApp.ClientId, Quota.NewAddresses, 3, Token);
        await quotas.RemoveOldAsync(Token);

        var rows = app.Storage.Rows(AppTables.ClientQuotas);
        Assert.Collection(
            rows,
            r => Assert.Matches("^clientA\\|2026-12-05:messages:[0-7] Count=2$", r.PartitionKey + "|" + r.RowKey + " " + PinnedApp.Columns(r)),
            r => Assert.Matches("^clientA\\|2026-12-05:new-addresses:[0-7] Count=3$", r.PartitionKey + "|" + r.RowKey + " " + PinnedApp.Columns(r)));
        Assert.IsType<long>(rows[0]["Count"]);
        Assert.Equal("""
            PartitionKey eq 'clientA' and RowKey ge '2026-12-05:messages:' and RowKey lt '2026-12-05:messages:~'
            PartitionKey eq 'clientA' and RowKey ge '2026-12-05:new-addresses:' and RowKey lt '2026-12-05:new-addresses:~'
            RowKey lt '2026-12-04'
            """, string.Join("\n", app.Storage.Journaled(AppTables.ClientQuotas, "query")));
    }

    [Fact]
    public void ClientQuotas_TheDayEndsAtMidnightUtc()
    {
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), ClientQuotas.NextDay(PinnedApp.Now));
        Assert.Equal(["new addresses per day", "messages per day"], [new QuotaRefusal(Quota.NewAddresses, 1, default, default).Name, new QuotaRefusal(Quota.Messages, 1, default, default).Name]);
    }
}

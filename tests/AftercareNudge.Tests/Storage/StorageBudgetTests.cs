using AftercareNudge.Storage;

namespace AftercareNudge.Tests.Storage;

/// <summary>
/// An HTTP invocation's storage budget is spent while storage is waited on: calls in parallel spend
/// their shared time once (a registration writes its index rows side by side), and other work (a
/// provider's send) spends nothing. Summing each call's time made a busy but answering storage read as
/// a hang: registrations answered 503 under load.
/// </summary>
public sealed class StorageBudgetTests
{
    [Fact]
    public async Task TimeWithNoStorageCallInFlight_SpendsNothing()
    {
        using (StorageBudget.Begin(TimeSpan.FromSeconds(8)))
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.Equal(TimeSpan.FromSeconds(8), StorageBudget.Remaining());
        }
    }

    [Fact]
    public async Task CallsInParallel_SpendTheirSharedTimeOnce()
    {
        using (StorageBudget.Begin(TimeSpan.FromSeconds(8)))
        {
            // Ten calls of 300 ms at once: 3 s if each were counted, about 0.3 s as the union.
            await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            {
                using (StorageBudget.Waiting())
                {
                    await Task.Delay(300, TestContext.Current.CancellationToken);
                }
            }));

            var left = StorageBudget.Remaining()!.Value;
            Assert.True(left > TimeSpan.FromSeconds(6), $"{left} left of 8 s: parallel calls were counted one by one.");
            Assert.True(left < TimeSpan.FromSeconds(8), "The calls spent nothing.");
        }
    }

    [Fact]
    public void NoBudget_OutsideAnHttpInvocation()
    {
        Assert.Null(StorageBudget.Remaining());
        using (StorageBudget.Waiting())
        {
            Assert.Null(StorageBudget.Remaining());
        }
    }
}

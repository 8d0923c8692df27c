namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>Waiting, in real time, for what the app does on its own (the send queue's trigger, a process's output).</summary>
internal static class Polling
{
    /// <summary>Asks <paramref name="done"/> every 100 ms until it answers true; fails naming <paramref name="what"/> after <paramref name="within"/> (30 s unless given).</summary>
    public static async Task UntilAsync(Func<Task<bool>> done, string what, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(30);
        for (var waited = TimeSpan.Zero; !await done(); waited += TimeSpan.FromMilliseconds(100))
        {
            Assert.True(waited < limit, $"Waited {limit.TotalSeconds:F0} s for {what}.");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    public static Task UntilAsync(Func<bool> done, string what, TimeSpan? within = null) =>
        UntilAsync(() => Task.FromResult(done()), what, within);
}

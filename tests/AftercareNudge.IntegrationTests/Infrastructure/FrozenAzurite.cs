using System.Diagnostics;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// An Azurite of a test's own (never the suite's shared one) that the test can freeze: SIGSTOP stops its
/// Node processes (tables and queues), so the kernel still accepts connections and requests but nothing answers, as storage
/// that hangs; SIGCONT lets it answer again, requests that arrived meanwhile included. Thawed on dispose.
/// </summary>
internal sealed class FrozenAzurite : IAsyncDisposable
{
    private readonly AzuriteFixture _azurite = new();
    private bool _frozen;

    public AzuriteFixture Azurite => _azurite;

    public static async Task<FrozenAzurite> StartAsync()
    {
        var frozen = new FrozenAzurite();
        await frozen._azurite.InitializeAsync();
        return frozen;
    }

    public async Task FreezeAsync()
    {
        await SignalAsync("STOP");
        _frozen = true;
    }

    public async Task ThawAsync()
    {
        await SignalAsync("CONT");
        _frozen = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (_frozen)
        {
            await ThawAsync();
        }

        await _azurite.DisposeAsync();
    }

    /// <summary>kill(1) with the signal: .NET's Process can only kill.</summary>
    private async Task SignalAsync(string signal)
    {
        foreach (var id in _azurite.ProcessIds)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(kill.ExitCode == 0, $"kill -{signal} {id} exited with {kill.ExitCode}");
        }
    }
}

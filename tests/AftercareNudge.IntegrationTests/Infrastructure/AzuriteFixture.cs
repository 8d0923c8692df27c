using Azure.Data.Tables;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// One Azurite Table service and one Queue service beside it for the whole test run, from the project's
/// own node_modules, in memory, each on a free loopback port; one connection string names both. Each test
/// uses its own table-name prefix, so tests never see each other's rows.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static int _prefixCounter;
    private ChildProcess? _process;
    private ChildProcess? _queues;

    public string ConnectionString { get; private set; } = "";

    /// <summary>The Node processes serving it (tables, queues): a test with an Azurite of its own can freeze them (<see cref="FrozenAzurite"/>).</summary>
    internal IReadOnlyList<int> ProcessIds => _process is not null && _queues is not null ? [_process.Id, _queues.Id] : throw new InvalidOperationException("Azurite has not started.");

    /// <summary>A table-name prefix no other test uses (table names: letters and digits only).</summary>
    public static string UniquePrefix() => "t" + Interlocked.Increment(ref _prefixCounter) + Guid.NewGuid().ToString("N")[..8];

    public async ValueTask InitializeAsync()
    {
        var script = Repository.NodeModule("azurite", "dist", "src", "table", "main.js");
        var queueScript = Repository.NodeModule("azurite", "dist", "src", "queue", "main.js");
        if (!File.Exists(script) || !File.Exists(queueScript))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script} is missing): run 'npm ci' at the repository root first.");
        }

        var port = ChildProcess.FreePort();
        _process = ChildProcess.Start(
            "node",
            [script, "--tableHost", "127.0.0.1", "--tablePort", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent"],
            Repository.Root);
        var queuePort = ChildProcess.FreePort();
        _queues = ChildProcess.Start(
            "node",
            [queueScript, "--queueHost", "127.0.0.1", "--queuePort", queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent"],
            Repository.Root);
        await _process.WaitUntilAsync(() => ChildProcess.PortAcceptsAsync(port), TimeSpan.FromSeconds(30), "Azurite");
        await _queues.WaitUntilAsync(() => ChildProcess.PortAcceptsAsync(queuePort), TimeSpan.FromSeconds(30), "Azurite's Queue service");
        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queuePort}/devstoreaccount1;";
    }

    public TableServiceClient CreateServiceClient(TableClientOptions? options = null) => new(ConnectionString, options ?? new TableClientOptions());

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        if (_queues is not null)
        {
            await _queues.DisposeAsync();
        }
    }
}

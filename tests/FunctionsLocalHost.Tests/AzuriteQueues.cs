using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;

[assembly: AssemblyFixture(typeof(FunctionsLocalHost.Tests.AzuriteQueues))]

namespace FunctionsLocalHost.Tests;

/// <summary>
/// Azurite's Queue service for the whole test run (the sample worker's queue function listens to it),
/// from the repository's node_modules, in memory, on a free loopback port. Each test uses a queue of its
/// own, named through the SAMPLE_QUEUE setting.
/// </summary>
public sealed class AzuriteQueues : IAsyncLifetime
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private Process? _process;

    public string ConnectionString { get; private set; } = "";

    /// <summary>A queue name no other test uses (lower-case letters, digits and hyphens).</summary>
    public static string UniqueQueueName() => "q-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The settings that point the sample worker's queue function at <paramref name="queue"/> on this Azurite.</summary>
    public Dictionary<string, string?> SettingsFor(string queue) => new() { ["AzureWebJobsStorage"] = ConnectionString, ["SAMPLE_QUEUE"] = queue };

    /// <summary>A client for a queue, with the extension's default message encoding (base64).</summary>
    public QueueClient Queue(string name) => new(ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public async ValueTask InitializeAsync()
    {
        var script = Path.Combine(SampleWorkerHost.Metadata("RepoRoot"), "node_modules", "azurite", "dist", "src", "queue", "main.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed ({script} is missing): run 'npm ci' at the repository root first.");
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, "--queueHost", "127.0.0.1", "--queuePort", port.ToString(CultureInfo.InvariantCulture), "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent" })
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var waited = 0; ; waited += 100)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port);
                break;
            }
            catch (SocketException) when (waited < 30_000 && !_process.HasExited)
            {
                await Task.Delay(100);
            }
        }

        ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }
}

using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// With <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set, the logs go to its ingestion endpoint (here
/// a local stand-in: nothing leaves the machine), structured and with their scopes; without it,
/// nothing changes.
/// </summary>
public sealed class ApplicationInsightsTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task WithAConnectionString_LogsReachTheIngestionEndpoint_WithTheInvocationIdAndNoPersonalData()
    {
        using var ingestion = new LocalIngestion();
        await using var app = new AppFactory(
            Azurite,
            new Dictionary<string, string?>
            {
                [Telemetry.ConnectionStringVariable] = $"InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint={ingestion.Url};LiveEndpoint={ingestion.Url}",
            },
            // Nothing written to disk by a test run, nothing left for the next one to send.
            services => services.PostConfigure<AzureMonitorExporterOptions>(Telemetry.ExporterName, o => o.DisableOfflineStorage = true));

        Assert.Contains(app.Services.GetServices<ILoggerProvider>(), p => p is OpenTelemetryLoggerProvider);

        // The worker sends its own telemetry and tells the host so: the host must not send its lines again.
        Assert.Equal("True", app.Host.WorkerCapabilities.GetValueOrDefault("WorkerOpenTelemetryEnabled"));
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Telemetry.ExporterName);
        Assert.Null(options.Credential);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = JsonContent.Create(Requests.Dinner(app.Time.GetUtcNow()), options: AppFactory.Json) };
        request.Headers.Add("X-Api-Key", AppFactory.ClientAKey);
        var view = await AppFactory.ReadEventAsync(await app.CreateClient().SendAsync(request, Ct));
        Assert.True(app.Services.GetRequiredService<LoggerProvider>().ForceFlush(10_000));

        var sent = await ingestion.WaitForAsync(body => body.Contains(view.Id, StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        var line = sent.Split('\n').Single(l => l.Contains("registered for client", StringComparison.Ordinal));
        Assert.Matches("\"InvocationId\":\"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\"", line);
        Assert.Contains("\"EventId\":\"" + view.Id + "\"", line, StringComparison.Ordinal);
        Assert.DoesNotContain("+447911123456", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("Dinner with Alex", sent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutAConnectionString_NoTelemetryProviderIsRegistered()
    {
        var app = UseApp(new AppFactory(Azurite));

        var health = await app.CreateClient().GetAsync("/api/health", Ct);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.DoesNotContain(app.Services.GetServices<ILoggerProvider>(), p => p is OpenTelemetryLoggerProvider);
        Assert.Null(app.Services.GetService<LoggerProvider>());

        // Nothing of its own to send: the host sends the worker's logs, as it does by default.
        Assert.False(app.Host.WorkerCapabilities.ContainsKey("WorkerOpenTelemetryEnabled"));
    }

    /// <summary>Application Insights' ingestion API on a loopback port: accepts every batch and keeps its text (one JSON item a line).</summary>
    private sealed class LocalIngestion : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<string> _bodies = [];
        private readonly Task _serving;

        public LocalIngestion()
        {
            Url = $"http://127.0.0.1:{ChildProcess.FreePort()}/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public string Url { get; }

        public async Task<string> WaitForAsync(Func<string, bool> condition, TimeSpan patience)
        {
            var deadline = TimeProvider.System.GetTimestamp() + (long)(patience.TotalSeconds * TimeProvider.System.TimestampFrequency);
            while (TimeProvider.System.GetTimestamp() < deadline)
            {
                lock (_bodies)
                {
                    var all = string.Join('\n', _bodies);
                    if (condition(all))
                    {
                        return all;
                    }
                }

                await Task.Delay(50, Ct);
            }

            lock (_bodies)
            {
                Assert.Fail($"Nothing matching reached the ingestion endpoint in {patience.TotalSeconds} s; it got {_bodies.Count} batches:\n{string.Join('\n', _bodies)}");
                return "";
            }
        }

        public void Dispose()
        {
            _listener.Close();
            _serving.Wait(TimeSpan.FromSeconds(5));
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                var input = context.Request.Headers["Content-Encoding"] == "gzip"
                    ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
                    : context.Request.InputStream;
                await input.CopyToAsync(body);
                var text = Encoding.UTF8.GetString(body.ToArray());
                lock (_bodies)
                {
                    _bodies.Add(text);
                }

                var items = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                var answer = Encoding.UTF8.GetBytes($"{{\"itemsReceived\":{items},\"itemsAccepted\":{items},\"errors\":[]}}");
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
        }
    }
}

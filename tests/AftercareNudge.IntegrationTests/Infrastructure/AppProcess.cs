using AftercareNudge.Consent;
using AftercareNudge.Storage;
using Azure.Data.Tables;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// The built app as its own process, started the way the Functions host starts a custom handler
/// (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c>) or the way a developer runs it alone (<c>--urls</c>).
/// </summary>
internal sealed class AppProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private AppProcess(ChildProcess process, Uri baseUrl, string tablePrefix, string connectionString)
    {
        _process = process;
        BaseUrl = baseUrl;
        TablePrefix = tablePrefix;
        Tables = new AppTables(new TableServiceClient(connectionString), tablePrefix);
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseUrl { get; }

    public string TablePrefix { get; }

    /// <summary>The same tables the app uses, for what a test does as a recipient (consent).</summary>
    public AppTables Tables { get; }

    public HttpClient Http { get; }

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    public ConsentStore Consents => new(Tables, TimeProvider.System);

    public static string Dll => Path.Combine(Repository.FunctionsOutput, "AftercareNudge.Functions.dll");

    public static ChildProcess StartRaw(IDictionary<string, string?> environment, params string[] arguments) =>
        ChildProcess.Start("dotnet", [Dll, .. arguments], Repository.FunctionsOutput, environment);

    /// <summary>Starts the app and waits until <c>GET /</c> answers, as the host polls it.</summary>
    public static async Task<AppProcess> StartAsync(AzuriteFixture azurite, bool underFunctionsHost, IDictionary<string, string?> settings)
    {
        var port = ChildProcess.FreePort();
        var prefix = AzuriteFixture.UniquePrefix();
        var environment = new Dictionary<string, string?>(settings)
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage__TablePrefix"] = prefix,
            ["Api__Keys__clientA"] = AppFactory.ClientAKey,
            ["Public__BaseUrl"] = settings.TryGetValue("Public__BaseUrl", out var publicUrl) ? publicUrl : $"http://127.0.0.1:{port}",
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = underFunctionsHost ? port.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        };

        // The tests poll the dev outbox; the limits have tests of their own.
        environment.TryAdd("RateLimits__PublicPerMinute", "100000");
        environment.TryAdd("RateLimits__ClientPerMinute", "100000");
        environment.TryAdd("Service__Contact", AppFactory.ServiceContact);
        string[] arguments = underFunctionsHost ? [] : ["--urls", $"http://127.0.0.1:{port}"];
        var process = new AppProcess(StartRaw(environment, arguments), new Uri($"http://127.0.0.1:{port}"), prefix, azurite.ConnectionString);
        await process._process.WaitUntilAsync(
            async () => (await process.Http.GetAsync("/")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30),
            "The app");
        return process;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _process.DisposeAsync();
    }
}

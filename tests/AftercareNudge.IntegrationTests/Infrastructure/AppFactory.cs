using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Events;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using FunctionsLocalHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// The real app: its isolated worker in the test's process, under the local Functions host
/// (tools/FunctionsLocalHost), against Azurite, with its own tables, a <see cref="FakeTimeProvider"/>
/// and services a test replaces. The host serves the HTTP functions on a port of its own; its timers
/// do not fire by themselves: tests run them as the host would (<see cref="RunTimerAsync"/>) or call
/// the service behind them. Started on first use.
/// </summary>
public sealed class AppFactory(
    AzuriteFixture azurite,
    IDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? configureServices = null) : IAsyncDisposable
{
    public const string ClientAKey = "client-a-key-0123456789";
    public const string ClientBKey = "client-b-key-0123456789";

    public const string PublicBaseUrl = "https://aftercare.example.org";
    public const string TwilioAuthToken = "twilio-auth-token-for-tests";

    /// <summary>Service:Contact in tests: what HELP names.</summary>
    public const string ServiceContact = "help@aftercare.example.org";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>An app whose storage is a port nothing listens on (<paramref name="port"/>, or a free one), tried once: every storage call fails to connect.</summary>
    internal static AppFactory WithUnreachableStorage(AzuriteFixture azurite, int? port = null) => new(
        azurite,
        new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:{port ?? ChildProcess.FreePort()}/devstoreaccount1;",
        },
        services =>
        {
            var options = new Azure.Data.Tables.TableClientOptions();
            options.Retry.MaxRetries = 0;
            services.AddSingleton(options);
        });

    /// <summary>
    /// The app as deployed: both providers configured (pointing nowhere), so the signed webhooks exist
    /// and the dev routes do not, with every message handed to <paramref name="sender"/> instead.
    /// </summary>
    internal static AppFactory WithProviders(
        AzuriteFixture azurite,
        Func<ScriptedSender> sender,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Twilio:AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["Twilio:AuthToken"] = TwilioAuthToken,
            ["Twilio:From"] = "+14155550123",

            // The tests' people are in Guernsey (as libphonenumber places +44 7911 12…) and the US; the
            // sender number alone would allow the US only.
            ["Messaging:AllowedCountries"] = "GB,GG,US",
            ["SendGrid:ApiKey"] = "SG.test",
            ["SendGrid:From"] = "care@example.com",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return new AppFactory(azurite, all, s =>
        {
            s.AddTransient<AftercareNudge.Messaging.ISmsSender>(_ => sender());
            s.AddTransient<AftercareNudge.Messaging.IEmailSender>(_ => sender());
            configureServices?.Invoke(s);
        });
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 24, 9, 0, 0, TimeSpan.Zero));

    public string TablePrefix { get; } = AzuriteFixture.UniquePrefix();

    public HttpClient CreateClient(string apiKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>Consent as a recipient gives it, through the same service call the webhooks will use.</summary>
    public Task GrantAsync(EventView view, string personKey, Channel channel, string clientId = "clientA")
    {
        var person = personKey == "organizer" ? view.Organizer : view.People.Single(p => p.Key == personKey);
        var address = channel == Channel.Sms ? person.Phone! : person.Email!;
        var organizerId = ConsentStore.OrganizerId(clientId, new Participant("organizer", view.Organizer.Name, view.Organizer.Phone, view.Organizer.Email, view.TimeZone));
        return Services.GetRequiredService<ConsentStore>().RecordAsync(
            new ConsentDecision(channel, address, organizerId, ConsentState.Granted, "test", "test consent text"),
            CancellationToken.None);
    }

    /// <summary>A person agrees to the event's aftercare plan as it is now, as the consent page records it.</summary>
    public async Task AgreeToPlanAsync(string eventId, string personKey)
    {
        var changed = await Services.GetRequiredService<EventStore>().ChangeEventAsync(
            eventId,
            e => e with { People = e.People.Select(p => p.Key == personKey ? p with { AgreedPlan = AftercarePlan.Version(e, p) } : p).ToList() },
            CancellationToken.None);
        Assert.NotNull(changed);
    }

    /// <summary>What the development outbox holds, newest first (up to 1,000): every test's one way to read it.</summary>
    public Task<IReadOnlyList<OutboxMessage>> OutboxAsync() =>
        Services.GetRequiredService<OutboxSender>().ListAsync(1000, CancellationToken.None);

    /// <summary>The outbox's messages of one kind (<see cref="MessageKinds"/>), newest first.</summary>
    public async Task<IReadOnlyList<OutboxMessage>> OutboxAsync(string kind) =>
        (await OutboxAsync()).Where(m => m.Kind == kind).ToList();

    /// <summary>
    /// An SMS from <paramref name="from"/> through the development SMS route, as a phone would send it:
    /// answered 200 with TwiML, whose text is returned. Every test's one way to text the app.
    /// </summary>
    public async Task<string> ReplyAsync(string from, string body)
    {
        var ct = TestContext.Current.CancellationToken;
        var response = await CreateClient().PostAsJsonAsync("/api/dev/sms", new { from, body }, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync(ct);
    }

    /// <summary>The consent ledger of one address on one channel, oldest first.</summary>
    public Task<IReadOnlyList<ConsentLedgerEntry>> LedgerAsync(Channel channel, string address) =>
        Services.GetRequiredService<ConsentStore>().LedgerAsync(channel, address, CancellationToken.None);

    /// <summary>How many check-ins <see cref="DispatchAsync"/> handles at once.</summary>
    public int DispatchConcurrency { get; init; } = 4;

    /// <summary>
    /// Every check-in due by the fake clock's now, handled here and now by the dispatcher (claim, gate,
    /// send, record), without the send queue: a step the test can wait for. The queue's own path, from
    /// the timer through the host's queue trigger, is tested end to end in SendQueueTests.
    /// </summary>
    public async Task<DispatchReport> DispatchAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Dispatcher>().HandleDueAsync(Time.GetUtcNow(), DispatchConcurrency, CancellationToken.None);
    }

    /// <summary>
    /// Waits (real time, at most 30 s) until the check-in is no longer scheduled or sending: for tests
    /// that go through the timer and the send queue, whose trigger sends on the host's next poll.
    /// </summary>
    public async Task<CheckInView> FinishedAsync(string eventId, string checkInId)
    {
        CheckInView? checkIn = null;
        await Polling.UntilAsync(
            async () => (checkIn = (await GetEventAsync(eventId)).CheckIns.Single(c => c.Id == checkInId)).Status is not (CheckInStatus.Scheduled or CheckInStatus.Sending),
            $"check-in {checkInId} to be taken from the send queue");
        return checkIn!;
    }

    /// <summary>The dinner with only the organiser's SMS check-in, agreed to; and when it is due.</summary>
    public async Task<(EventView View, DateTimeOffset Due)> OrganizerSmsOnlyAsync()
    {
        var body = Requests.Dinner(Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        var view = await RegisterAsync(body);
        await GrantAsync(view, "organizer", Channel.Sms);
        return (view, view.CheckIns[0].DueAt);
    }

    public async Task<EventView> RegisterAsync(System.Text.Json.Nodes.JsonObject body)
    {
        var response = await CreateClient(ClientAKey).PostAsJsonAsync("/api/events", body, Json);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await ReadEventAsync(response);
    }

    public async Task<EventView> GetEventAsync(string id) =>
        (await CreateClient(ClientAKey).GetFromJsonAsync<EventView>($"/api/events/{id}", Json))!;

    public static async Task<EventView> ReadEventAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<EventView>(Json))!;

    private readonly Lock _startLock = new();
    private Task<(LocalFunctionsHost Host, IHost Worker)>? _started;

    /// <summary>The worker's services (its storage, clock, senders), once it runs.</summary>
    public IServiceProvider Services => Started().Worker.Services;

    /// <summary>The local host the app runs under.</summary>
    public LocalFunctionsHost Host => Started().Host;

    /// <summary>Where the local host serves the functions.</summary>
    public Uri BaseAddress => Started().Host.BaseAddress;

    /// <summary>A client as a browser is one: redirects followed, cookies kept.</summary>
    public HttpClient CreateClient() => new(new SocketsHttpHandler { UseProxy = false, RequestHeaderEncodingSelector = AnyHeader }) { BaseAddress = BaseAddress };

    /// <summary>A client that shows every answer as it is: no redirect followed, no cookie kept.</summary>
    public HttpClient CreateBrowser() =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false, RequestHeaderEncodingSelector = AnyHeader }) { BaseAddress = BaseAddress };

    /// <summary>Header values go out as UTF-8 when they are not ASCII, as a careless client sends them.</summary>
    private static System.Text.Encoding? AnyHeader(string name, HttpRequestMessage? request) => System.Text.Encoding.UTF8;

    /// <summary>Runs a timer function through the host, as its schedule would, and waits for it.</summary>
    public async Task<InvocationOutcome> RunTimerAsync(string name)
    {
        var outcome = await Started().Host.RunTimerAsync(name);
        Assert.True(outcome.Succeeded, $"{name} failed: {outcome.Error}");
        return outcome;
    }

    public async ValueTask DisposeAsync()
    {
        Task<(LocalFunctionsHost Host, IHost Worker)>? started;
        lock (_startLock)
        {
            started = _started;
        }

        if (started is { IsCompletedSuccessfully: true })
        {
            await started.Result.Host.DisposeAsync();
        }
    }

    private (LocalFunctionsHost Host, IHost Worker) Started()
    {
        lock (_startLock)
        {
            _started ??= StartAsync();
        }

        return _started.GetAwaiter().GetResult();
    }

    private async Task<(LocalFunctionsHost Host, IHost Worker)> StartAsync()
    {
        var all = new Dictionary<string, string?>
        {
            ["environment"] = "Testing",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Storage:TablePrefix"] = TablePrefix,
            ["Api:Keys:clientA"] = ClientAKey,
            ["Api:Keys:clientB"] = ClientBKey,
            ["Public:BaseUrl"] = PublicBaseUrl,
            ["Service:Contact"] = ServiceContact,

            // Tests drive many requests a minute from one address; the limits have tests of their own.
            ["RateLimits:ClientPerMinute"] = "100000",
            ["RateLimits:PublicPerMinute"] = "100000",

            // The client webhooks' timer looks ahead and waits on the clock for what falls due soon; the
            // fake clock stands still unless a test moves it. WebhookNotificationTests turns it back on where it is tested.
            ["Notifications:LookAhead"] = "00:00:00",

            // The suite loads two cores with many apps and one Azurite: a storage that answers, slowly,
            // must not read as a hang. StorageHangTests gives the default (8 s) back, where it is tested.
            ["Storage:RequestBudget"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var worker = new InProcessWorker(typeof(AftercareNudge.Storage.AppTables).Assembly, all, services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            configureServices?.Invoke(services);
        });
        var host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions { AppDirectory = Repository.FunctionsOutput, Port = 0, Timers = false, Logging = logging => logging.ClearProviders() },
            worker);
        return (host, await worker.Built);
    }
}

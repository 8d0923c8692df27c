using System.Net.Http.Json;
using System.Text.Json;
using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// The real app in memory (WebApplicationFactory) against Azurite, with its own tables, a
/// <see cref="FakeTimeProvider"/> and no timers of its own: tests fire the timer as the host would.
/// </summary>
public sealed class AppFactory(
    AzuriteFixture azurite,
    IDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? configureServices = null) : WebApplicationFactory<Program>
{
    public const string ClientAKey = "client-a-key-0123456789";
    public const string ClientBKey = "client-b-key-0123456789";

    public const string PublicBaseUrl = "https://aftercare.example.org";
    public const string TwilioAuthToken = "twilio-auth-token-for-tests";

    /// <summary>Service:Contact in tests: what HELP names.</summary>
    public const string ServiceContact = "help@aftercare.example.org";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

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

    /// <summary>One dispatch run, as the timer would start it.</summary>
    public async Task<DispatchReport> DispatchAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Dispatcher>().RunAsync(CancellationToken.None);
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

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("AzureWebJobsStorage", azurite.ConnectionString);
        builder.UseSetting("Storage:TablePrefix", TablePrefix);
        builder.UseSetting("Api:Keys:clientA", ClientAKey);
        builder.UseSetting("Api:Keys:clientB", ClientBKey);
        builder.UseSetting("Hosting:InProcessTimers", "false");
        builder.UseSetting("Public:BaseUrl", PublicBaseUrl);
        builder.UseSetting("Service:Contact", ServiceContact);

        // Tests drive many requests a minute from one address; the limits have tests of their own.
        builder.UseSetting("RateLimits:ClientPerMinute", "100000");
        builder.UseSetting("RateLimits:PublicPerMinute", "100000");

        // A run that looks ahead waits on the clock for what falls due soon; the fake clock stands
        // still unless a test moves it. Tests of the look-ahead (DispatchTimingTests) turn it back on.
        builder.UseSetting("Dispatch:LookAhead", "00:00:00");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Time);
            configureServices?.Invoke(services);
        });
    }
}

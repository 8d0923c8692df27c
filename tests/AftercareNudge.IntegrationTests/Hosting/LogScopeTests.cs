using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// Every line written while handling an invocation carries its invocation id, and every line of one
/// check-in's dispatch its event and check-in ids, as structured values; under the host the console
/// writes them as JSON.
/// </summary>
public sealed class LogScopeTests(AzuriteFixture azurite) : IAsyncDisposable
{
    private const string TimerPayload = """{"Data":{"timer":{"Schedule":{"AdjustForDST":true},"ScheduleStatus":null,"IsPastDue":false}},"Metadata":{"sys":{"MethodName":"DispatchDueCheckIns"}}}""";

    private readonly LogCollector _logs = new();
    private ScriptedSender _sender = new(SendResult.Sent("SM0123456789abcdef0123456789abcdef"));
    private AppFactory? _app;

    private AppFactory App => _app ??= AppFactory.WithProviders(azurite, () => _sender, configureServices: s => s.AddSingleton<ILoggerProvider>(_logs));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task ProxiedRequest_ItsLinesCarryTheHostsInvocationId_OrElseTheirOwnRequestsId()
    {
        var withHost = await RegisterAsync("2c1e4b7a-0000-4d3e-9f00-0123456789ab");
        var alone1 = await RegisterAsync(invocationId: null);
        var alone2 = await RegisterAsync(invocationId: null);

        Assert.Equal("2c1e4b7a-0000-4d3e-9f00-0123456789ab", InvocationIdOf(Registered(withHost)));
        var ids = new[] { InvocationIdOf(Registered(alone1)), InvocationIdOf(Registered(alone2)) };
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id)));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task TimerInvocation_EveryLineOfTheRunCarriesTheHostsInvocationId_AndEachCheckInsLinesItsIds()
    {
        _sender = new ScriptedSender(SendResult.Transient("twilio-30001"));
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var checkIn = view.CheckIns.Single(c => c.To == "organizer");
        App.Time.Advance(checkIn.DueAt - App.Time.GetUtcNow());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/DispatchDueCheckIns") { Content = new StringContent(TimerPayload, Encoding.UTF8, "application/json") };
        request.Headers.Add(InvocationScopeStartupFilter.InvocationIdHeader, "9a8b7c6d-1234-4abc-8def-00000000beef");
        Assert.Equal(HttpStatusCode.OK, (await App.CreateClient().SendAsync(request, Ct)).StatusCode);

        var run = _logs.Entries.Where(e => e.Category.StartsWith("AftercareNudge.Dispatch", StringComparison.Ordinal)).ToList();
        Assert.Contains(run, e => e.EventId == 200);
        Assert.All(run, e => Assert.Contains("InvocationId=9a8b7c6d-1234-4abc-8def-00000000beef", e.Scopes, StringComparison.Ordinal));
        var retrying = Assert.Single(run, e => e.Level == LogLevel.Warning || e.Message.Contains("twilio-30001", StringComparison.Ordinal));
        Assert.Contains($"EventId={view.Id} CheckInId={checkIn.Id}", retrying.Scopes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnderTheHost_ConsoleLinesAreJson_WithTheInvocationIdAmongTheirScopes()
    {
        await using var app = await AppProcess.StartAsync(azurite, underFunctionsHost: true, new Dictionary<string, string?>
        {
            ["Twilio__AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["Twilio__AuthToken"] = "test-auth-token-0123456789",
            ["Twilio__From"] = "+14155550123",
            ["SendGrid__ApiKey"] = "SG.test-key",
            ["SendGrid__From"] = "care@example.com",
            ["Public__BaseUrl"] = "https://aftercare.example.com",
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/DispatchDueCheckIns") { Content = new StringContent(TimerPayload, Encoding.UTF8, "application/json") };
        request.Headers.Add(InvocationScopeStartupFilter.InvocationIdHeader, "0d5e3c2b-aaaa-4bbb-8ccc-123456789012");

        Assert.Equal(HttpStatusCode.OK, (await app.Http.SendAsync(request, Ct)).StatusCode);

        JsonObject? line = null;
        for (var tries = 0; line is null && tries < 100; tries++)
        {
            line = app.Output.Split('\n')
                .Where(l => l.StartsWith('{') && l.Contains("Dispatch run", StringComparison.Ordinal))
                .Select(l => JsonNode.Parse(l)!.AsObject())
                .FirstOrDefault();
            await Task.Delay(50, Ct);
        }

        Assert.True(line is not null, "No JSON line for the dispatch run:\n" + app.Output);
        Assert.Equal("AftercareNudge.Dispatch.Dispatcher", (string?)line["Category"]);
        Assert.Equal(200, (int?)line["EventId"]);
        Assert.Contains(line["Scopes"]!.AsArray(), s => (string?)s?["InvocationId"] == "0d5e3c2b-aaaa-4bbb-8ccc-123456789012");
    }

    private async Task<string> RegisterAsync(string? invocationId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = JsonContent.Create(Requests.Dinner(App.Time.GetUtcNow()), options: AppFactory.Json) };
        request.Headers.Add("X-Api-Key", AppFactory.ClientAKey);
        if (invocationId is not null)
        {
            request.Headers.Add(InvocationScopeStartupFilter.InvocationIdHeader, invocationId);
        }

        var response = await App.CreateClient().SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await AppFactory.ReadEventAsync(response)).Id;
    }

    private LogEntry Registered(string eventId) => _logs.Entries.Single(e => e.EventId == 500 && e.Message.Contains(eventId, StringComparison.Ordinal));

    private static string? InvocationIdOf(LogEntry entry)
    {
        const string Key = "InvocationId=";
        var at = entry.Scopes.IndexOf(Key, StringComparison.Ordinal);
        return at < 0 ? null : entry.Scopes[(at + Key.Length)..].Split(' ')[0];
    }
}

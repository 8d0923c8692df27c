using System.Net;
using System.Net.Http.Json;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>
/// Every line written while handling an invocation carries its invocation id, and every line of one
/// check-in's dispatch its event and check-in ids, as structured values.
/// </summary>
public sealed class LogScopeTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private readonly LogCollector _logs = new();
    private ScriptedSender _sender = new(SendResult.Sent("SM0123456789abcdef0123456789abcdef"));
    protected override AppFactory CreateApp() => AppFactory.WithProviders(Azurite, () => _sender, configureServices: s => s.AddSingleton<ILoggerProvider>(_logs));

    [Fact]
    public async Task HttpInvocation_ItsLinesCarryTheHostsInvocationId_OnePerRequest()
    {
        var first = await RegisterAsync();
        var second = await RegisterAsync();

        var ids = new[] { InvocationIdOf(Registered(first)), InvocationIdOf(Registered(second)) };
        Assert.All(ids, id => Assert.True(Guid.TryParse(id, out _), $"Not the host's invocation id: {id}"));
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task TimerAndQueueInvocations_EachLineCarriesItsOwnInvocationId_AndEachCheckInsLinesItsIds()
    {
        _sender = new ScriptedSender(SendResult.Transient("twilio-30001"));
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        var checkIn = view.CheckIns.Single(c => c.To == "organizer");
        App.Time.Advance(checkIn.DueAt - App.Time.GetUtcNow());

        // The timer enqueues; the host's queue trigger sends, in an invocation of its own.
        var invocation = await App.RunTimerAsync("DispatchDueCheckIns");
        var retrying = await LoggedAsync(203);

        var timer = Assert.Single(_logs.Entries, e => e.EventId == 100 && e.Category.StartsWith("AftercareNudge.Dispatch", StringComparison.Ordinal));
        Assert.Contains("InvocationId=" + invocation.InvocationId, timer.Scopes, StringComparison.Ordinal);
        Assert.Contains("twilio-30001", retrying.Message, StringComparison.Ordinal);
        Assert.Contains($"EventId={view.Id} CheckInId={checkIn.Id}", retrying.Scopes, StringComparison.Ordinal);
        var sending = InvocationIdOf(retrying);
        Assert.True(Guid.TryParse(sending, out _), $"Not the host's invocation id: {sending}");
        Assert.NotEqual(invocation.InvocationId, sending);
    }

    private async Task<LogEntry> LoggedAsync(int eventId)
    {
        await Polling.UntilAsync(() => _logs.Entries.Any(e => e.EventId == eventId), $"a line with event id {eventId}");
        return _logs.Entries.First(e => e.EventId == eventId);
    }

    private async Task<string> RegisterAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = JsonContent.Create(Requests.Dinner(App.Time.GetUtcNow()), options: AppFactory.Json) };
        request.Headers.Add("X-Api-Key", AppFactory.ClientAKey);
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

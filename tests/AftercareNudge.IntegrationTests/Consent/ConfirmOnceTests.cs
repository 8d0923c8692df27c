using System.Net;
using System.Net.Http.Json;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Notifications;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// An opt-out is confirmed once: a second STOP, or a second unsubscribe, for an address already opted
/// out sends no second "You're opted out" text and no second <c>consent.opted-out</c> webhook, even when
/// the two arrive at once; the ledger keeps both. A STOP after START is a new opt-out.
/// </summary>
public sealed class ConfirmOnceTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Sam = "+447911123456";
    private const string Secret = "client-a-webhook-secret-0123456789abcdef";
    private WebhookReceiver _receiver = null!;
    private AppFactory _app = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _app = new AppFactory(azurite, new Dictionary<string, string?>
        {
            ["Notifications:DeliverAtOnce"] = "false",
            ["Api:Webhooks:clientA:Url"] = _receiver.Url("a").AbsoluteUri,
            ["Api:Webhooks:clientA:Secret"] = Secret,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Stop_ThenStopAgain_ConfirmsOnce_TellsClientsOnce_AndTheLedgerKeepsBoth()
    {
        await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));
        await TextAsync(Sam, "YES");

        var first = await TextAsync(Sam, "stop");
        var second = await TextAsync(Sam, "Stop.");
        await DeliverAsync();

        Assert.Contains("<Message>" + ConsentWording.SmsOptedOut + "</Message>", first, StringComparison.Ordinal);
        Assert.DoesNotContain("<Message>", second, StringComparison.Ordinal);
        Assert.Single(await ConfirmationsAsync());
        Assert.Single(_receiver.At("/a"), r => r.Type == NotificationTypes.ConsentOptedOut);
        var optOuts = (await LedgerAsync()).Where(e => e.Action == "opted-out").ToList();
        Assert.Equal(2, optOuts.Count);
        Assert.Equal(["", ConsentWording.SmsOptedOut], optOuts.Select(e => e.ShownText).Order(StringComparer.Ordinal));
        Assert.All(optOuts, e => Assert.StartsWith("sms:dev-", e.How, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_TwoAtOnce_ExactlyOneIsConfirmed_AndClientsAreToldOnce()
    {
        await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));
        await TextAsync(Sam, "YES");

        var answers = await Task.WhenAll(TextAsync(Sam, "stop"), TextAsync(Sam, "Stop."), TextAsync(Sam, "STOP"));
        await DeliverAsync();

        Assert.Single(answers, a => a.Contains("You're opted out", StringComparison.Ordinal));
        Assert.Single(await ConfirmationsAsync());
        Assert.Single(_receiver.At("/a"), r => r.Type == NotificationTypes.ConsentOptedOut);
        Assert.Equal(3, (await LedgerAsync()).Count(e => e.Action == "opted-out"));
        Assert.True(await _app.Services.GetRequiredService<ConsentStore>().IsOptedOutAsync(Channel.Sms, Sam, Ct));
    }

    [Fact]
    public async Task Stop_AfterStartAfterStop_IsANewOptOut_AndIsConfirmed()
    {
        await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));
        await TextAsync(Sam, "YES");

        var first = await TextAsync(Sam, "STOP");
        await TextAsync(Sam, "START");
        var again = await TextAsync(Sam, "PARAR");
        await DeliverAsync();

        Assert.Contains("You're opted out", first, StringComparison.Ordinal);
        Assert.Contains("You're opted out", again, StringComparison.Ordinal);
        Assert.Equal(2, (await ConfirmationsAsync()).Count);
        Assert.Equal(2, _receiver.At("/a").Count(r => r.Type == NotificationTypes.ConsentOptedOut));
        Assert.Single(_receiver.At("/a"), r => r.Type == NotificationTypes.ConsentOptedIn);
    }

    [Fact]
    public async Task Unsubscribe_TwiceByTheEmailLink_TellsClientsOnce()
    {
        await _app.RegisterAsync(Requests.Dinner(_app.Time.GetUtcNow()));
        var email = Assert.Single(await ConsentLinks.ConsentEmailsAsync(_app, "alex@example.com"));
        var unsubscribe = System.Text.RegularExpressions.Regex.Match(email.Body, @"https://aftercare\.example\.org(?<path>/api/unsubscribe/[A-Za-z0-9_-]+)");
        Assert.True(unsubscribe.Success, "No unsubscribe link in the consent email.");

        var first = await ConsentLinks.PostFormAsync(_app, unsubscribe.Groups["path"].Value, ("List-Unsubscribe", "One-Click"));
        var second = await ConsentLinks.PostFormAsync(_app, unsubscribe.Groups["path"].Value, ("List-Unsubscribe", "One-Click"));
        await DeliverAsync();

        Assert.True(first.IsSuccessStatusCode);
        Assert.True(second.IsSuccessStatusCode);
        Assert.Single(_receiver.At("/a"), r => r.Type == NotificationTypes.ConsentOptedOut);
        var ledger = await _app.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Email, "alex@example.com", Ct);
        Assert.Equal(2, ledger.Count(e => e.Action == "opted-out"));
    }

    private async Task<string> TextAsync(string from, string body)
    {
        var response = await _app.CreateClient().PostAsJsonAsync("/api/dev/sms", new { from, body }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    /// <summary>The "You're opted out" texts the outbox holds: what would have reached the phone.</summary>
    private async Task<List<OutboxMessage>> ConfirmationsAsync() =>
        (await _app.Services.GetRequiredService<OutboxSender>().ListAsync(1000, CancellationToken.None))
            .Where(m => m.Kind == MessageKinds.ConsentReply && m.To == Sam && m.Body == ConsentWording.SmsOptedOut)
            .ToList();

    private Task<IReadOnlyList<ConsentLedgerEntry>> LedgerAsync() =>
        _app.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Sms, Sam, CancellationToken.None);

    private Task<WebhookDeliveryReport> DeliverAsync() =>
        _app.Services.GetRequiredService<WebhookDelivery>().RunAsync(CancellationToken.None);
}

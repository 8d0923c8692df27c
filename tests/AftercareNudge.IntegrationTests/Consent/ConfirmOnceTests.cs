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
public sealed class ConfirmOnceTests(AzuriteFixture azurite) : AppTest(azurite), IAsyncLifetime
{
    private const string Sam = "+447911123456";
    private const string Secret = "client-a-webhook-secret-0123456789abcdef";
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    protected override AppFactory CreateApp() => new(Azurite, new Dictionary<string, string?>
    {
        ["Notifications:DeliverAtOnce"] = "false",
        ["Api:Webhooks:clientA:Url"] = _receiver.Url("a").AbsoluteUri,
        ["Api:Webhooks:clientA:Secret"] = Secret,
    });

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Stop_ThenStopAgain_ConfirmsOnce_TellsClientsOnce_AndTheLedgerKeepsBoth()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");

        var first = await App.ReplyAsync(Sam, "stop");
        var second = await App.ReplyAsync(Sam, "Stop.");
        await DeliverAsync();

        Assert.Contains("<Message>" + ConsentWording.SmsOptedOut + "</Message>", first, StringComparison.Ordinal);
        Assert.DoesNotContain("<Message>", second, StringComparison.Ordinal);
        Assert.Single(await ConfirmationsAsync());
        Assert.Single(_receiver.At("/a"), r => r.Type == NotificationTypes.ConsentOptedOut);
        var optOuts = (await App.LedgerAsync(Channel.Sms, Sam)).Where(e => e.Action == "opted-out").ToList();
        Assert.Equal(2, optOuts.Count);
        Assert.Equal(["", ConsentWording.SmsOptedOut], optOuts.Select(e => e.ShownText).Order(StringComparer.Ordinal));
        Assert.All(optOuts, e => Assert.StartsWith("sms:dev-", e.How, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_TwoAtOnce_ExactlyOneIsConfirmed_AndClientsAreToldOnce()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");

        var answers = await Task.WhenAll(App.ReplyAsync(Sam, "stop"), App.ReplyAsync(Sam, "Stop."), App.ReplyAsync(Sam, "STOP"));
        await DeliverAsync();

        Assert.Single(answers, a => a.Contains("You're opted out", StringComparison.Ordinal));
        Assert.Single(await ConfirmationsAsync());
        Assert.Single(_receiver.At("/a"), r => r.Type == NotificationTypes.ConsentOptedOut);
        Assert.Equal(3, (await App.LedgerAsync(Channel.Sms, Sam)).Count(e => e.Action == "opted-out"));
        Assert.True(await App.Services.GetRequiredService<ConsentStore>().IsOptedOutAsync(Channel.Sms, Sam, Ct));
    }

    [Fact]
    public async Task Stop_AfterStartAfterStop_IsANewOptOut_AndIsConfirmed()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.ReplyAsync(Sam, "YES");

        var first = await App.ReplyAsync(Sam, "STOP");
        await App.ReplyAsync(Sam, "START");
        var again = await App.ReplyAsync(Sam, "PARAR");
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
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var email = Assert.Single(await ConsentLinks.ConsentEmailsAsync(App, "alex@example.com"));
        var unsubscribe = ConsentLinks.UnsubscribePathIn(email.Body);

        var first = await ConsentLinks.PostFormAsync(App, unsubscribe, ("List-Unsubscribe", "One-Click"));
        var second = await ConsentLinks.PostFormAsync(App, unsubscribe, ("List-Unsubscribe", "One-Click"));
        await DeliverAsync();

        Assert.True(first.IsSuccessStatusCode);
        Assert.True(second.IsSuccessStatusCode);
        Assert.Single(_receiver.At("/a"), r => r.Type == NotificationTypes.ConsentOptedOut);
        var ledger = await App.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Email, "alex@example.com", Ct);
        Assert.Equal(2, ledger.Count(e => e.Action == "opted-out"));
    }

    /// <summary>The "You're opted out" texts the outbox holds: what would have reached the phone.</summary>
    private async Task<List<OutboxMessage>> ConfirmationsAsync() =>
        (await App.Services.GetRequiredService<OutboxSender>().ListAsync(1000, CancellationToken.None))
            .Where(m => m.Kind == MessageKinds.ConsentReply && m.To == Sam && m.Body == ConsentWording.SmsOptedOut)
            .ToList();

    private Task<WebhookDeliveryReport> DeliverAsync() =>
        App.Services.GetRequiredService<WebhookDelivery>().RunAsync(CancellationToken.None);
}

using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Replies;

/// <summary>A relay the provider refuses, or cannot take yet, or whose organiser is gone: GET says why, and the replier is told the truth.</summary>
public sealed class ReplyRelayFailureTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Alex = "+447911123457";
    private ScriptedSender _sender = new(SendResult.Sent("SM0123456789abcdef0123456789abcdef"));
    protected override AppFactory CreateApp() => AppFactory.WithProviders(Azurite, () => _sender);

    [Fact]
    public async Task Relay_RefusedByTheProvider_IsFailedWithItsCode_AndTheReplierIsToldItCouldNotBePassedOn()
    {
        _sender = new ScriptedSender(SendResult.Sent("SM-check-in")) { RelayScript = [SendResult.Permanent("twilio-30005")] };
        var view = await SentToAlexAsync();

        var answer = await ReplyAsync("SM00000000000000000000000000000010", "can you call me");

        Assert.Contains("could not be passed on to Sam", answer, StringComparison.Ordinal);
        var reply = Assert.Single((await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.CheckIn).Replies);
        Assert.Equal((CheckInStatus.Failed, "twilio-30005"), (reply.Relay!.Status, reply.Relay.Reason));
    }

    [Fact]
    public async Task Relay_ProviderBusy_IsRetriedByTheDispatcher_AndTheReplierIsToldItIsBeingPassedOn()
    {
        _sender = new ScriptedSender(SendResult.Sent("SM-check-in")) { RelayScript = [SendResult.Transient("twilio-30001"), SendResult.Sent("SM-relay")] };
        var view = await SentToAlexAsync();

        var answer = await ReplyAsync("SM00000000000000000000000000000011", "can you call me");
        App.Time.Advance(TimeSpan.FromMinutes(1));
        await App.DispatchAsync();

        Assert.Contains("Your reply is being passed on to Sam.", answer, StringComparison.Ordinal);
        Assert.Equal(2, _sender.Relays.Count);
        var relay = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Relay);
        Assert.Equal(CheckInStatus.Sent, relay.Status);
    }

    [Fact]
    public async Task Relay_OrganiserErased_IsNotSent_AndGetSaysTheAddressIsMissing()
    {
        var view = await SentToAlexAsync();
        using var client = App.CreateClient(AppFactory.ClientAKey);
        Assert.True((await client.DeleteAsync("/api/people/%2B447911123456", TestContext.Current.CancellationToken)).IsSuccessStatusCode);
        Assert.True((await client.DeleteAsync("/api/people/sam%40example.com", TestContext.Current.CancellationToken)).IsSuccessStatusCode);

        var answer = await ReplyAsync("SM00000000000000000000000000000012", "can you call me");

        Assert.Contains("could not be passed on to the person who set this up.", answer, StringComparison.Ordinal);
        Assert.Empty(_sender.Relays);
        var relay = (await App.GetEventAsync(view.Id)).CheckIns.Single(c => c.Kind == CheckInKind.Relay);
        Assert.Equal((CheckInStatus.Failed, "recipient-missing"), (relay.Status, relay.Reason));
    }

    private async Task<EventView> SentToAlexAsync()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"] = new System.Text.Json.Nodes.JsonArray
        {
            new System.Text.Json.Nodes.JsonObject { ["to"] = "alex", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = "How are you doing?" },
        };
        var view = await App.RegisterAsync(body);
        await App.GrantAsync(view, "alex", Channel.Sms);
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        Assert.Equal(1, (await App.DispatchAsync()).Sent);
        return view;
    }

    private async Task<string> ReplyAsync(string messageId, string body) =>
        await App.Services.GetRequiredService<InboundSms>().HandleAsync(new IncomingSms(Alex, body, messageId, null), CancellationToken.None) ?? "";
}

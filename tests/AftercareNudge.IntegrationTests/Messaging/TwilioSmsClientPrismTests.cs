using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AftercareNudge.IntegrationTests.Messaging;

/// <summary>
/// The real client, registered as the app registers it, against Prism serving Twilio's own OpenAPI
/// description: a request that breaks the documented contract gets 422, which the client reports as
/// Permanent, so these tests fail on any drift from the spec.
/// </summary>
public sealed class TwilioSmsClientPrismTests(PrismFixture prism)
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private static readonly SmsMessage Message = new("+14155550123", "Dr Lee's clinic: how is your ankle today? Reply 1-5. Ünïcödé ✓ & more", MessageKinds.CheckIn, "ev-1", "ci-1");

    [Fact]
    public async Task Send_WithFrom_IsSentWithSid()
    {
        prism.SkipIfUnavailable();
        await using var services = Register(o => o.From = "+15005550006");

        var result = await services.GetRequiredService<TwilioSmsClient>().SendAsync(Message, TestContext.Current.CancellationToken);

        AssertSent(result);
    }

    [Fact]
    public async Task Send_WithMessagingService_IsSentWithSid()
    {
        prism.SkipIfUnavailable();
        await using var services = Register(o => o.MessagingServiceSid = "MG0123456789abcdef0123456789abcdef");

        var result = await services.GetRequiredService<TwilioSmsClient>().SendAsync(Message, TestContext.Current.CancellationToken);

        AssertSent(result);
    }

    [Fact]
    public async Task Send_WithApiKey_IsSentWithSid()
    {
        prism.SkipIfUnavailable();
        await using var services = Register(o =>
        {
            o.From = "+15005550006";
            o.ApiKeySid = "SK0123456789abcdef0123456789abcdef";
            o.ApiKeySecret = "key-secret";
        });

        var result = await services.GetRequiredService<TwilioSmsClient>().SendAsync(Message, TestContext.Current.CancellationToken);

        AssertSent(result);
    }

    [Fact]
    public async Task Send_MalformedMessagingServiceSid_IsRefusedByTheSpec_AndCaughtAtStartUp()
    {
        // The spec says ^MG[0-9a-fA-F]{32}$: start-up validation says the same, so this never reaches a send.
        prism.SkipIfUnavailable();
        await using var services = Register(o => o.MessagingServiceSid = "MG-not-a-service", expectValid: false);

        var result = await services.GetRequiredService<TwilioSmsClient>().SendAsync(Message, TestContext.Current.CancellationToken);

        Assert.True(result == SendResult.Permanent("twilio-http-422"), $"Expected Prism to reject the malformed MessagingServiceSid with 422, got {result}.\nPrism log:\n{prism.Log}");
        Assert.Contains(services.GetRequiredService<IOptions<TwilioOptions>>().Value.Problems(), p => p.Contains("Twilio:MessagingServiceSid", StringComparison.Ordinal));
    }

    private void AssertSent(SendResult result) =>
        Assert.True(
            result.Outcome == SendOutcome.Sent && result.ProviderMessageId?.StartsWith("SM", StringComparison.Ordinal) == true,
            $"Expected Sent with an SM... sid, got {result}. A 'twilio-http-422' means the request breaks Twilio's description.\nPrism log:\n{prism.Log}");

    private ServiceProvider Register(Action<TwilioOptions> sender, bool expectValid = true)
    {
        var twilio = new TwilioOptions { AccountSid = AccountSid, AuthToken = "token-secret", BaseUrl = prism.TwilioBaseUrl };
        sender(twilio);
        if (expectValid)
        {
            Assert.Empty(twilio.Problems());
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Options.Create(twilio));
        services.AddSingleton(Options.Create(new PublicOptions { BaseUrl = new Uri("https://nudge.example.org") }));
        services.AddTwilioSms();
        return services.BuildServiceProvider();
    }
}

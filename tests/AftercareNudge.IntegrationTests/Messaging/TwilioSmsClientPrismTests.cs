using AftercareNudge.Consent;
using AftercareNudge.Dispatch;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Replies;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NodaTime;

namespace AftercareNudge.IntegrationTests.Messaging;

/// <summary>
/// The real client (Twilio's SDK through the app's HttpClient), registered as the app registers it,
/// against Prism serving Twilio's own OpenAPI description: a request that breaks the documented
/// contract gets 422, which the client reports as Permanent, so these tests fail on any drift from the spec.
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

    [Theory]
    [InlineData(MessageKinds.CheckIn)]
    [InlineData(MessageKinds.ConsentRequest)]
    [InlineData("confirmation")]
    [InlineData(MessageKinds.Fallback)]
    [InlineData(MessageKinds.Notice)]
    [InlineData("missing-consent-notice")]
    [InlineData(MessageKinds.Relay)]
    [InlineData("longest")]
    public async Task Send_EveryKindOfMessageTheAppSends_IsSentWithSid(string kind)
    {
        prism.SkipIfUnavailable();
        await using var services = Register(o => o.From = "+15005550006");

        var result = await services.GetRequiredService<TwilioSmsClient>().SendAsync(AppMessage(kind), TestContext.Current.CancellationToken);

        AssertSent(result);
    }

    [Fact]
    public async Task Send_WithMessageRedaction_IsSentWithSid()
    {
        prism.SkipIfUnavailable();
        await using var services = Register(o =>
        {
            o.MessagingServiceSid = "MG0123456789abcdef0123456789abcdef";
            o.RedactMessageBodies = true;
            o.RedactPhoneNumbers = true;
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

    /// <summary>Each kind of SMS as the app words it and with the ids its status callback carries.</summary>
    private static SmsMessage AppMessage(string kind)
    {
        const string to = "+14155550123";
        const string eventId = "ev_0123456789abcdef";
        const string followUpId = "ci_0123456789abcdef.f1";
        var now = new DateTimeOffset(2025, 6, 1, 18, 0, 0, TimeSpan.Zero);
        var zone = DateTimeZoneProviders.Tzdb["Europe/London"];
        var schedule = ConsentSchedule.Of(Channel.Sms, [now.AddHours(3), now.AddDays(1)], now.AddHours(3), "Europe/London");
        return kind switch
        {
            MessageKinds.CheckIn => new(to, CheckInWording.Sms("Sam", "Home safe? Reply 1-5 & tell me more ✓"), kind, eventId, "ci_0123456789abcdef"),
            MessageKinds.ConsentRequest => new(to, ConsentWording.SmsRequest("Sam", toOrganizer: false, schedule), kind, eventId, null),
            "confirmation" => new(to, ConsentWording.SmsRequest("Sam", toOrganizer: true, schedule), MessageKinds.ConsentRequest, eventId, null),
            MessageKinds.Fallback => new(to, CheckInWording.Sms("Sam", DeliveryNotices.FallbackSmsText("Sam")), kind, eventId, followUpId),
            MessageKinds.Notice => new(to, DeliveryNotices.Sms(new NoticeFacts("Alex", Channel.Sms, CheckInKind.CheckIn, now, "twilio-30003", zone, now)), kind, eventId, followUpId),
            "missing-consent-notice" => new(to, DeliveryNotices.SmsSender + MissingConsentNotices.Sentence("Alex", [Channel.Sms], now.AddHours(2), zone, now), MessageKinds.Notice, eventId, null),
            MessageKinds.Relay => new(to, RelayWording.Sms(new RelayFacts("Alex", "Home now, thanks 😊", now, zone, now)), kind, eventId, followUpId),
            "longest" => new(to, new string('é', 1600), MessageKinds.CheckIn, eventId, "ci_0123456789abcdef"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
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

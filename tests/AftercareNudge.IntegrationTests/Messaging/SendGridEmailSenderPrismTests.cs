using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Email;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Messaging;

/// <summary>
/// The sender, registered as the app registers it, against Prism serving SendGrid's own description
/// of Mail Send: Prism answers 202 only to a request that keeps SendGrid's contract.
/// </summary>
public sealed class SendGridEmailSenderPrismTests(PrismFixture prism)
{
    private static EmailMessage Message() => new(
        To: "patient@example.org",
        ToName: "Alex Patient",
        Subject: "A quick check-in",
        Text: "How are you feeling today? Reply on the page below.",
        Html: "<p>How are you feeling today? <a href=\"https://aftercare.example/c/abc\">Reply here</a>.</p>",
        Kind: MessageKinds.CheckIn,
        EventId: "ev_123",
        CheckInId: "ci_456");

    [Fact]
    public async Task Send_CheckInEmail_IsAcceptedBySendGridContract()
    {
        prism.SkipIfUnavailable();
        using var services = Services("AftercareNudge <care@example.com>");

        var result = await services.GetRequiredService<SendGridEmailSender>().SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.True(result.Outcome == SendOutcome.Sent, $"Expected Sent, got {result}. Prism:\n{prism.Log}");
    }

    [Fact]
    public async Task Send_WithoutOptionalIdsOrNames_IsAcceptedBySendGridContract()
    {
        prism.SkipIfUnavailable();
        using var services = Services("care@example.com");
        var message = Message() with { ToName = null, EventId = null, CheckInId = null };

        var result = await services.GetRequiredService<SendGridEmailSender>().SendAsync(message, TestContext.Current.CancellationToken);

        Assert.True(result.Outcome == SendOutcome.Sent, $"Expected Sent, got {result}. Prism:\n{prism.Log}");
    }

    [Fact]
    public async Task Send_RecipientThatIsNotAnAddress_IsRejectedPermanently()
    {
        prism.SkipIfUnavailable();
        using var services = Services("AftercareNudge <care@example.com>");

        // The description requires personalizations[].to[].email to be an email address.
        var result = await services.GetRequiredService<SendGridEmailSender>().SendAsync(Message() with { To = "not-an-address" }, TestContext.Current.CancellationToken);

        // Prism answers with the documented 400, as SendGrid itself does.
        Assert.True(result == SendResult.Permanent("sendgrid-http-400"), $"Expected Permanent sendgrid-http-400, got {result}. Prism:\n{prism.Log}");
    }

    private ServiceProvider Services(string from)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<SendGridOptions>(o =>
        {
            o.ApiKey = "SG.prism-test-key";
            o.From = from;
            o.BaseUrl = prism.SendGridBaseUrl;
        });
        services.AddSendGridEmail();
        return services.BuildServiceProvider();
    }
}

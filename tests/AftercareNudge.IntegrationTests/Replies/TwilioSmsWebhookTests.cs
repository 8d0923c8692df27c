using System.Net;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Sms;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Replies;

/// <summary><c>POST /api/twilio/sms</c> as Twilio calls it: signed over the public URL, retried, sometimes after its own opt-out handling.</summary>
public sealed class TwilioSmsWebhookTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string AuthToken = AppFactory.TwilioAuthToken;
    private const string Sam = "+447911123456";
    private readonly ScriptedSender _sender = new(SendResult.Sent("SM-check-in"));
    protected override AppFactory CreateApp() => AppFactory.WithProviders(Azurite, () => _sender);

    [Fact]
    public async Task Webhook_SignedOverThePublicUrl_IsHandled_AndAnswersTwiML()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var response = await PostAsync(Form("SM1", "YES"), signed: true);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<Message>AftercareNudge: Thanks", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Webhook_SignedOverTheConfiguredUrlWithItsConnectionOverrides_IsHandled()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var form = Form("SM-overrides", "YES");
        using var request = TwilioWebhook.Request("/api/twilio/sms", form, signedUrl: AppFactory.PublicBaseUrl + "/api/twilio/sms" + TwilioWebhooks.InboundSmsConnectionOverrides);

        var response = await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ConsentState.Granted, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Webhook_UnsignedOrWronglySigned_Is403_AndChangesNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var unsigned = await PostAsync(Form("SM1", "YES"), signed: false);
        var forged = await PostAsync(Form("SM2", "YES"), signed: true, token: "not-the-auth-token");

        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(ConsentState.Pending, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Webhook_SameMessageSidTwice_HasTheEffectOfOnce_AndTheSameAnswer()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var first = await PostAsync(Form("SM-repeated", "YES"), signed: true);
        var retry = await PostAsync(Form("SM-repeated", "YES"), signed: true);

        // Twilio retries only when our first answer did not reach it: the confirmation must still go out.
        var answer = await first.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("<Message>", answer, StringComparison.Ordinal);
        Assert.Equal(answer, await retry.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var ledger = await App.Services.GetRequiredService<ConsentStore>().LedgerAsync(Channel.Sms, Sam, CancellationToken.None);
        Assert.Single(ledger, e => e.Action == "granted");
    }

    [Fact]
    public async Task Webhook_StopAlreadyAnsweredByTwilio_IsRecordedWithoutASecondConfirmation()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var form = Form("SM-stop", "STOP");
        form["OptOutType"] = "STOP";

        var response = await PostAsync(form, signed: true);

        Assert.Equal("<Response></Response>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(ConsentState.OptedOut, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task Webhook_TwilioSaysStop_IsAnOptOut_WhateverTheWords()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var form = Form("SM-arret", "ARRET");
        form["OptOutType"] = "STOP";

        await PostAsync(form, signed: true);

        Assert.Equal(ConsentState.OptedOut, (await App.GetEventAsync(view.Id)).Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task DevSms_WithProvidersConfigured_DoesNotExist()
    {
        var response = await App.CreateClient().PostAsync("/api/dev/sms", new StringContent("{\"from\":\"+447911123456\",\"body\":\"YES\"}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static Dictionary<string, string> Form(string messageSid, string body) => new()
    {
        ["MessageSid"] = messageSid,
        ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
        ["From"] = Sam,
        ["To"] = "+14155550123",
        ["Body"] = body,
        ["NumMedia"] = "0",
        ["NumSegments"] = "1",
    };

    private async Task<HttpResponseMessage> PostAsync(Dictionary<string, string> form, bool signed, string token = AuthToken)
    {
        using var request = signed ? TwilioWebhook.Request("/api/twilio/sms", form, token: token) : TwilioWebhook.Unsigned("/api/twilio/sms", form);

        return await App.CreateClient().SendAsync(request, TestContext.Current.CancellationToken);
    }
}

using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Email;
using AftercareNudge.Messaging.Sms;
using Microsoft.Extensions.Configuration;

namespace AftercareNudge.Tests.Messaging;

/// <summary>Start-up checks of the provider settings: each problem names the setting to fix.</summary>
public sealed class MessagingOptionsTests
{
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";
    private const string MessagingServiceSid = "MG0123456789abcdef0123456789abcdef";

    private static TwilioOptions Twilio() => new() { AccountSid = AccountSid, AuthToken = "token", From = "+15005550006" };

    // ---- TwilioOptions ----

    [Fact]
    public void TwilioProblems_NothingSet_IsOutboxAndFine()
    {
        Assert.Empty(new TwilioOptions().Problems());
    }

    [Fact]
    public void TwilioProblems_CompleteWithAuthToken_IsFine()
    {
        Assert.Empty(Twilio().Problems());
    }

    [Fact]
    public void TwilioProblems_CompleteWithMessagingService_IsFine()
    {
        var options = Twilio();
        options.From = null;
        options.MessagingServiceSid = MessagingServiceSid;

        Assert.Empty(options.Problems());
    }

    [Fact]
    public void TwilioProblems_OtherSettingsWithoutAccountSid_NamesAccountSid()
    {
        var problem = Assert.Single(new TwilioOptions { From = "+15005550006" }.Problems());

        Assert.Contains("Twilio:AccountSid", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TwilioProblems_AccountSidNotAnAccountSid_NamesAccountSid()
    {
        var options = Twilio();
        options.AccountSid = "SK0123456789abcdef0123456789abcdef";

        Assert.Contains(options.Problems(), p => p.Contains("Twilio:AccountSid", StringComparison.Ordinal));
    }

    [Fact]
    public void TwilioProblems_NoCredentials_NamesAuthToken()
    {
        var options = Twilio();
        options.AuthToken = null;

        Assert.Contains(options.Problems(), p => p.StartsWith("Twilio:AuthToken is required when Twilio:AccountSid is set", StringComparison.Ordinal));
    }

    [Fact]
    public void TwilioProblems_ApiKeyWithoutSecret_NamesBothHalves()
    {
        var options = Twilio();
        options.ApiKeySid = "SK0123456789abcdef0123456789abcdef";

        Assert.Contains(options.Problems(), p => p.Contains("Twilio:ApiKeySid and Twilio:ApiKeySecret", StringComparison.Ordinal));
    }

    [Fact]
    public void TwilioProblems_ApiKeyWithoutAuthToken_StillNeedsAuthTokenForWebhooks()
    {
        var options = Twilio();
        options.AuthToken = null;
        options.ApiKeySid = "SK0123456789abcdef0123456789abcdef";
        options.ApiKeySecret = "secret";

        var problem = Assert.Single(options.Problems());
        Assert.Contains("Twilio:AuthToken", problem, StringComparison.Ordinal);
        Assert.Contains("webhook", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TwilioProblems_BothFromAndMessagingService_SaysSetExactlyOne()
    {
        var options = Twilio();
        options.MessagingServiceSid = MessagingServiceSid;

        var problem = Assert.Single(options.Problems());
        Assert.Contains("Twilio:From", problem, StringComparison.Ordinal);
        Assert.Contains("Twilio:MessagingServiceSid", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TwilioProblems_NeitherFromNorMessagingService_SaysSetExactlyOne()
    {
        var options = Twilio();
        options.From = null;

        Assert.Contains(options.Problems(), p => p.Contains("Twilio:From", StringComparison.Ordinal) && p.Contains("Twilio:MessagingServiceSid", StringComparison.Ordinal));
    }

    [Fact]
    public void TwilioProblems_RelativeBaseUrl_NamesBaseUrl()
    {
        var options = Twilio();
        options.BaseUrl = new Uri("/twilio", UriKind.Relative);

        Assert.Contains(options.Problems(), p => p.Contains("Twilio:BaseUrl", StringComparison.Ordinal));
    }

    [Fact]
    public void TwilioRedaction_NotSet_IsOff()
    {
        var options = Bound(new Dictionary<string, string?> { ["Twilio:AccountSid"] = AccountSid });

        Assert.False(options.RedactMessageBodies);
        Assert.False(options.RedactPhoneNumbers);
    }

    [Fact]
    public void TwilioRedaction_Settings_AreReadAndNeedNothingElse()
    {
        var options = Bound(new Dictionary<string, string?>
        {
            ["Twilio:AccountSid"] = AccountSid,
            ["Twilio:AuthToken"] = "token",
            ["Twilio:From"] = "+15005550006",
            ["Twilio:RedactMessageBodies"] = "true",
            ["Twilio:RedactPhoneNumbers"] = "true",
        });

        Assert.True(options.RedactMessageBodies);
        Assert.True(options.RedactPhoneNumbers);
        Assert.Empty(options.Problems());
    }

    private static TwilioOptions Bound(Dictionary<string, string?> settings)
    {
        var options = new TwilioOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(TwilioOptions.Section).Bind(options);
        return options;
    }

    // ---- SendGridOptions ----

    [Fact]
    public void SendGridProblems_NothingSet_IsOutboxAndFine()
    {
        Assert.Empty(new SendGridOptions().Problems());
    }

    [Theory]
    [InlineData("care@example.com")]
    [InlineData("AftercareNudge <care@example.com>")]
    public void SendGridProblems_KeyAndFrom_IsFine(string from)
    {
        Assert.Empty(new SendGridOptions { ApiKey = "SG.key", From = from }.Problems());
    }

    [Fact]
    public void SendGridProblems_OtherSettingsWithoutApiKey_NamesApiKey()
    {
        var problem = Assert.Single(new SendGridOptions { From = "care@example.com" }.Problems());

        Assert.Contains("SendGrid:ApiKey", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SendGridProblems_WebhookKeyWithoutApiKey_NamesApiKey()
    {
        var problem = Assert.Single(new SendGridOptions { EventWebhookPublicKey = "MFkw..." }.Problems());

        Assert.Contains("SendGrid:ApiKey", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SendGridProblems_ApiKeyWithoutFrom_NamesFrom()
    {
        var problem = Assert.Single(new SendGridOptions { ApiKey = "SG.key" }.Problems());

        Assert.Contains("SendGrid:From is required", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SendGridProblems_FromNotAnAddress_NamesFrom()
    {
        var problem = Assert.Single(new SendGridOptions { ApiKey = "SG.key", From = "care at example" }.Problems());

        Assert.Contains("SendGrid:From must be an email address", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SendGridProblems_RelativeBaseUrl_NamesBaseUrl()
    {
        var options = new SendGridOptions { ApiKey = "SG.key", From = "care@example.com", BaseUrl = new Uri("sendgrid", UriKind.Relative) };

        Assert.Contains("SendGrid:BaseUrl", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }

    // ---- DeliveryOptions ----

    [Fact]
    public void DeliveryProblems_NeitherProvider_IsTheOutbox()
    {
        var options = new DeliveryOptions { PublicBaseUrlSet = true };

        Assert.True(options.UsesOutbox);
        Assert.Empty(options.Problems());
    }

    [Fact]
    public void DeliveryProblems_NoPublicBaseUrl_NamesIt()
    {
        var options = new DeliveryOptions();

        Assert.StartsWith("Public:BaseUrl is required", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void DeliveryProblems_OutboxDeployed_IsRefused()
    {
        var options = new DeliveryOptions { Deployed = true, PublicBaseUrlSet = true };

        Assert.Contains("the development outbox is for local runs only", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void DeliveryProblems_BothProvidersAndBaseUrl_IsFine()
    {
        var options = new DeliveryOptions { TwilioConfigured = true, SendGridConfigured = true, PublicBaseUrlSet = true };

        Assert.False(options.UsesOutbox);
        Assert.Empty(options.Problems());
    }

    [Fact]
    public void DeliveryProblems_TwilioWithoutSendGrid_NamesSendGridApiKey()
    {
        var options = new DeliveryOptions { TwilioConfigured = true, PublicBaseUrlSet = true };

        Assert.StartsWith("SendGrid:ApiKey is required", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void DeliveryProblems_SendGridWithoutTwilio_NamesTwilioAccountSid()
    {
        var options = new DeliveryOptions { SendGridConfigured = true, PublicBaseUrlSet = true };

        Assert.StartsWith("Twilio:AccountSid is required", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void DeliveryProblems_ProvidersWithoutBaseUrl_NamesPublicBaseUrl()
    {
        var options = new DeliveryOptions { TwilioConfigured = true, SendGridConfigured = true };

        Assert.StartsWith("Public:BaseUrl is required", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }
}

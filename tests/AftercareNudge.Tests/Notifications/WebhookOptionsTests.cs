using AftercareNudge.Notifications;

namespace AftercareNudge.Tests.Notifications;

public sealed class WebhookOptionsTests
{
    private const string Secret = "a-plain-secret-of-at-least-32-characters";

    private static WebhookOptions With(string? url, string? secret, string client = "main")
    {
        var options = new WebhookOptions();
        options.KnownClients.Add("main");
        options.Configured[client] = (url, secret);
        return options;
    }

    [Theory]
    [InlineData("https://app.example.com/hooks/aftercare")]
    [InlineData("http://127.0.0.1:5005/hooks")]
    [InlineData("http://localhost:5005/hooks")]
    [InlineData("http://[::1]:5005/hooks")]
    public void Problems_HttpsOrLoopbackHttp_AreFine(string url)
    {
        var options = With(url, Secret);

        Assert.Empty(options.Problems());
        Assert.Equal(new Uri(url), options.For("main")!.Url);
    }

    [Fact]
    public void Problems_NoWebhooks_AreNone_AndNoClientHasOne()
    {
        var options = new WebhookOptions();

        Assert.Empty(options.Problems());
        Assert.False(options.Any);
        Assert.Null(options.For("main"));
    }

    [Theory]
    [InlineData("http://app.example.com/hooks")]
    [InlineData("http://10.0.0.5/hooks")]
    [InlineData("ftp://app.example.com/hooks")]
    [InlineData("/hooks")]
    [InlineData("https://user:pass@app.example.com/hooks")]
    public void Problems_NotHttpsOffThisMachine_NamesTheUrlSetting(string url)
    {
        Assert.StartsWith("Api:Webhooks:main:Url must be an absolute https URL", Assert.Single(With(url, Secret).Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_UrlWithoutSecret_AsksForTheSecret()
    {
        Assert.StartsWith("Api:Webhooks:main:Secret is required when Api:Webhooks:main:Url is set", Assert.Single(With("https://app.example.com/h", null).Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_SecretWithoutUrl_AsksForTheUrl()
    {
        Assert.StartsWith("Api:Webhooks:main:Url is required when Api:Webhooks:main:Secret is set", Assert.Single(With(null, Secret).Problems()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short-secret", "must be at least 32 characters")]
    [InlineData("whsec_c2hvcnQ=", "is not Base64 of 24 to 64 bytes")]
    public void Problems_WeakSecret_SaysHowToMakeOne(string secret, string expected)
    {
        var problem = Assert.Single(With("https://app.example.com/h", secret).Problems());

        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_ClientWithoutApiKey_NamesTheMissingKey()
    {
        Assert.StartsWith("Api:Webhooks:other is set but there is no Api:Keys:other", Assert.Single(With("https://app.example.com/h", Secret, "other").Problems()), StringComparison.Ordinal);
    }
}

using AftercareNudge.Hosting;

namespace AftercareNudge.Tests.Hosting;

public sealed class PublicOptionsTests
{
    [Fact]
    public void Problems_Unset_IsFine()
    {
        Assert.Empty(new PublicOptions().Problems());
    }

    [Fact]
    public void Problems_HttpsUrl_IsFine()
    {
        Assert.Empty(new PublicOptions { BaseUrl = new Uri("https://aftercare-nudge.azurewebsites.net") }.Problems());
    }

    [Theory]
    [InlineData("ftp://example.com/")]
    [InlineData("/relative")]
    public void Problems_NotAbsoluteHttp_NamesBaseUrl(string url)
    {
        var options = new PublicOptions { BaseUrl = new Uri(url, UriKind.RelativeOrAbsolute) };

        Assert.StartsWith("Public:BaseUrl must be an absolute http(s) URL", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://example.com", "api/twilio/status", "https://example.com/api/twilio/status")]
    [InlineData("https://example.com/", "/api/twilio/status", "https://example.com/api/twilio/status")]
    [InlineData("https://example.com/app/", "api/consent/abc", "https://example.com/app/api/consent/abc")]
    public void Url_Relative_IsJoinedWithOneSlash(string baseUrl, string relative, string expected)
    {
        Assert.Equal(new Uri(expected), new PublicOptions { BaseUrl = new Uri(baseUrl) }.Url(relative));
    }

    [Fact]
    public void Url_BaseUrlUnset_NamesTheSetting()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new PublicOptions().Url("api/health"));

        Assert.Contains("Public:BaseUrl", error.Message, StringComparison.Ordinal);
    }
}

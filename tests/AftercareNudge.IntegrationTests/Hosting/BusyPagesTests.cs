using System.Net;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>The pages people open from an email answer a busy app (429) or unreachable storage (503) with a calm page, never JSON.</summary>
public sealed class BusyPagesTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Theory]
    [InlineData("GET", "/api/consent/")]
    [InlineData("POST", "/api/consent/")]
    [InlineData("GET", "/api/unsubscribe/")]
    public async Task Pages_OverTheRateLimit_Are429Pages_WithRetryAfter(string method, string path)
    {
        var app = UseApp(new AppFactory(Azurite, new Dictionary<string, string?> { ["RateLimits:PublicPerMinute"] = "1" }));
        var browser = ConsentLinks.Browser(app);
        await browser.SendAsync(new HttpRequestMessage(new HttpMethod(method), path + new string('a', 43)), Ct);

        var response = await browser.SendAsync(new HttpRequestMessage(new HttpMethod(method), path + new string('a', 43)), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        await AssertCalmPageAsync(response, "Please try again in a moment");
    }

    [Theory]
    [InlineData("GET", "/api/consent/")]
    [InlineData("POST", "/api/consent/")]
    [InlineData("GET", "/api/unsubscribe/")]
    [InlineData("POST", "/api/unsubscribe/")]
    public async Task Pages_StorageUnreachable_Are503Pages_WithRetryAfter(string method, string path)
    {
        var app = UseApp(AppFactory.WithUnreachableStorage(Azurite));
        using var request = new HttpRequestMessage(new HttpMethod(method), path + new string('a', 43));
        if (method == "POST")
        {
            request.Content = new FormUrlEncodedContent([new("decision", "agree")]);
        }

        var response = await ConsentLinks.Browser(app).SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
        var html = await AssertCalmPageAsync(response, "Please try again in a moment");
        Assert.Contains("This is on our side, not yours.", html, StringComparison.Ordinal);
    }

    private static async Task<string> AssertCalmPageAsync(HttpResponseMessage response, string title)
    {
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Contains("default-src 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains($"<h1>{title}</h1>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\"status\"", html, StringComparison.Ordinal);
        return html;
    }
}

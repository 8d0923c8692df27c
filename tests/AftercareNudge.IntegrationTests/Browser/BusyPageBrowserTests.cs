using AftercareNudge.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace AftercareNudge.IntegrationTests.Browser;

/// <summary>The pages a person meets when the app cannot answer as asked (429, 503), and the API reference page, in Chromium.</summary>
public sealed class BusyPageBrowserTests(AzuriteFixture azurite, ChromiumFixture chromium) : AppTest(azurite)
{
    [Theory]
    [InlineData(Screen.Phone)]
    [InlineData(Screen.Desktop)]
    public async Task ConsentLink_OverTheRateLimit_IsACalmPageAskingToWait(Screen screen)
    {
        var app = UseApp(new AppFactory(Azurite, new Dictionary<string, string?> { ["RateLimits:PublicPerMinute"] = "1" }));
        await using var context = await BrowserPages.ContextAsync(chromium, app, screen);
        var path = "/api/consent/" + new string('a', 43);
        await BrowserPages.OpenAsync(context, path, 404);

        var page = await BrowserPages.OpenAsync(context, path, 429);

        await BrowserPages.ExpectHeadingAsync(page, "Please try again in a moment");
        Assert.Contains("Nothing was recorded. Please wait a minute and then reload the page", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        await BrowserPages.AssertAccessibleAsync(page);
        await BrowserPages.ScreenshotAsync(page, "too-many-requests", screen);
    }

    [Fact]
    public async Task ConsentLink_StorageUnreachable_IsACalmPageAskingToTryAgain()
    {
        var app = UseApp(AppFactory.WithUnreachableStorage(Azurite));
        await using var context = await BrowserPages.ContextAsync(chromium, app, Screen.Phone);

        var page = await BrowserPages.OpenAsync(context, "/api/consent/" + new string('a', 43), 503);

        await BrowserPages.ExpectHeadingAsync(page, "Please try again in a moment");
        Assert.Contains("This is on our side, not yours.", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        await BrowserPages.AssertAccessibleAsync(page);
        await BrowserPages.ScreenshotAsync(page, "storage-unavailable", Screen.Phone);
    }

    [Theory]
    [InlineData(Screen.Phone)]
    [InlineData(Screen.Desktop)]
    public async Task ApiReference_ListsTheRoutes_Accessibly(Screen screen)
    {
        var app = UseApp(new AppFactory(Azurite));
        await using var context = await BrowserPages.ContextAsync(chromium, app, screen);

        var page = await BrowserPages.OpenAsync(context, "/api/docs");

        await BrowserPages.ExpectHeadingAsync(page, "AftercareNudge API reference");
        Assert.True(await page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "POST /api/events" }).IsVisibleAsync());
        Assert.True(await page.GetByRole(AriaRole.Link, new PageGetByRoleOptions { Name = "openapi.json" }).IsVisibleAsync());
        await BrowserPages.AssertAccessibleAsync(page);
        await BrowserPages.ScreenshotAsync(page, "api-reference", screen);
    }

    /// <summary>Issue 19.11: with the reader's system in dark mode the page sets its own colours, and axe finds the contrast sufficient.</summary>
    [Theory]
    [InlineData(Screen.Phone)]
    [InlineData(Screen.Desktop)]
    public async Task ApiReference_InDarkMode_IsAccessible(Screen screen)
    {
        var app = UseApp(new AppFactory(Azurite));
        await using var context = await BrowserPages.ContextAsync(chromium, app, screen, colorScheme: ColorScheme.Dark);

        var page = await BrowserPages.OpenAsync(context, "/api/docs");

        await BrowserPages.ExpectHeadingAsync(page, "AftercareNudge API reference");
        Assert.True(await page.EvaluateAsync<bool>("() => matchMedia('(prefers-color-scheme: dark)').matches"), "The browser is not in dark mode.");
        await BrowserPages.AssertAccessibleAsync(page);
        await BrowserPages.ScreenshotAsync(page, "api-reference-dark", screen);
    }
}

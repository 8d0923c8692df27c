using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AftercareNudge.IntegrationTests.Browser;

/// <summary>
/// The unsubscribe link as a person meets it, in Chromium at a phone and a desktop size, with and
/// without JavaScript: stop every email, then start again from the same link; and the pages of a link
/// that has expired or was never made.
/// </summary>
public sealed partial class UnsubscribePageBrowserTests(AzuriteFixture azurite, ChromiumFixture chromium) : AppTest(azurite)
{
    private const string Alex = "alex@example.com";

    [Theory]
    [MemberData(nameof(BrowserPages.Passes), MemberType = typeof(BrowserPages))]
    public async Task UnsubscribeLink_Stop_ThenStartAgain_IsRecorded(Screen screen, bool javaScript)
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await using var context = await BrowserPages.ContextAsync(chromium, App, screen, javaScript);
        var link = await UnsubscribeLinkAsync();
        var page = await BrowserPages.OpenAsync(context, link);

        await BrowserPages.ExpectHeadingAsync(page, "Stop emails from AftercareNudge");
        var text = await BrowserPages.VisibleTextAsync(page);
        Assert.Contains(ConsentPages.SubscribedState, text, StringComparison.Ordinal);
        Assert.Contains(UnsubscribeLinks.UnsubscribePageText, text, StringComparison.Ordinal);
        await CheckAsync(page, "unsubscribe", screen, javaScript);

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Stop every email" }).ClickAsync();

        await BrowserPages.ExpectHeadingAsync(page, "You're unsubscribed");
        Assert.Contains("AftercareNudge will send no more emails to this address, from anyone.", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        Assert.True(await OptedOutAsync());
        await CheckAsync(page, "unsubscribed", screen, javaScript);

        // The same link again: the way back in.
        page = await BrowserPages.OpenAsync(context, link);
        await BrowserPages.ExpectHeadingAsync(page, "You're unsubscribed");
        Assert.Contains(ConsentPages.UnsubscribedState, await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        await CheckAsync(page, "unsubscribed-again", screen, javaScript);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Start receiving emails again" }).ClickAsync();

        await BrowserPages.ExpectHeadingAsync(page, "You'll receive emails again");
        Assert.Contains(ConsentPages.SubscribedState, await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        Assert.False(await OptedOutAsync());
        Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "opted-in");
        await CheckAsync(page, "resubscribed", screen, javaScript);
    }

    [Theory]
    [InlineData(Screen.Phone)]
    [InlineData(Screen.Desktop)]
    public async Task Links_ExpiredAndUnknown_SayWhatHappened_AndRecordNothing(Screen screen)
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var consent = await ConsentLinks.OnlyPathAsync(App, Alex);
        App.Time.Advance(TimeSpan.FromDays(15));
        await using var context = await BrowserPages.ContextAsync(chromium, App, screen);

        var expired = await BrowserPages.OpenAsync(context, consent, 410);
        await BrowserPages.ExpectHeadingAsync(expired, "This link has expired");
        Assert.Contains("Nothing was recorded. If you are still wanted for these check-ins, you will be asked again with a new link.", await BrowserPages.VisibleTextAsync(expired), StringComparison.Ordinal);
        await CheckAsync(expired, "link-expired", screen, javaScript: true);

        var unknown = await BrowserPages.OpenAsync(context, "/api/unsubscribe/" + new string('A', 43), 404);
        await BrowserPages.ExpectHeadingAsync(unknown, "This link doesn't work");
        Assert.Contains("try opening it straight from the email. Nothing was changed.", await BrowserPages.VisibleTextAsync(unknown), StringComparison.Ordinal);
        await CheckAsync(unknown, "link-unknown", screen, javaScript: true);

        Assert.DoesNotContain(await App.LedgerAsync(Channel.Email, Alex), e => e.Action is "granted" or "declined" or "opted-out");
    }

    /// <summary>Accessible (where JavaScript runs the check), and a screenshot.</summary>
    private static async Task CheckAsync(IPage page, string name, Screen screen, bool javaScript)
    {
        if (javaScript)
        {
            await BrowserPages.AssertAccessibleAsync(page);
        }

        await BrowserPages.ScreenshotAsync(page, name + (javaScript ? "" : "-nojs"), screen);
    }

    private async Task<string> UnsubscribeLinkAsync()
    {
        return ConsentLinks.UnsubscribePathIn(Assert.Single(await ConsentLinks.ConsentEmailsAsync(App, Alex)).Body);
    }

    private Task<bool> OptedOutAsync() =>
        App.Services.GetRequiredService<ConsentStore>().IsOptedOutAsync(Channel.Email, Alex, CancellationToken.None);
}

using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AftercareNudge.IntegrationTests.Browser;

/// <summary>
/// The consent page as a person meets it: opened from the link in the email the app put in the outbox,
/// in Chromium, at a phone and a desktop size, with and without JavaScript, and once by keyboard alone.
/// What is checked is what they see and what was recorded, read back through the API and the ledger.
/// </summary>
public sealed class ConsentPageBrowserTests(AzuriteFixture azurite, ChromiumFixture chromium) : AppTest(azurite)
{
    private const string Alex = "alex@example.com";
    private const string Plan = "Blankets, water and a quiet hour.\n<b>No phones</b> until morning.";

    [Theory]
    [MemberData(nameof(BrowserPages.Passes), MemberType = typeof(BrowserPages))]
    public async Task ConsentLink_ReadThePlan_SetQuietHours_Agree_IsRecorded(Screen screen, bool javaScript)
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await using var context = await BrowserPages.ContextAsync(chromium, App, screen, javaScript);
        var page = await BrowserPages.OpenAsync(context, await ConsentLinkAsync());

        await BrowserPages.ExpectHeadingAsync(page, "Sam would like to send you check-ins");
        Assert.Equal("Sam would like to send you check-ins · AftercareNudge", await page.TitleAsync());
        var text = await BrowserPages.VisibleTextAsync(page);
        Assert.Contains("Sam would like to send you 1 check-in email around plans you made together", text, StringComparison.Ordinal);
        Assert.True(await page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "The aftercare plan" }).IsVisibleAsync());

        // What the organiser typed is shown as typed: markup in it is text, on two lines.
        Assert.Contains("Blankets, water and a quiet hour.\n<b>No phones</b> until morning.", text, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("main b").CountAsync());
        Assert.Contains("A hug and a glass of water.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Ten minutes alone first.", text, StringComparison.Ordinal);
        if (javaScript)
        {
            await BrowserPages.AssertAccessibleAsync(page);
        }

        await BrowserPages.ScreenshotAsync(page, $"consent{Suffix(javaScript)}", screen);

        await page.GetByLabel("From").FillAsync("22:30");
        await page.GetByLabel("To").FillAsync("07:00");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Agree" }).ClickAsync();

        await BrowserPages.ExpectHeadingAsync(page, "Thank you, you agreed");
        var thanks = await BrowserPages.VisibleTextAsync(page);
        Assert.Contains("You agreed to the plan as written. Sam can now send you the check-in emails and reminders you agreed to.", thanks, StringComparison.Ordinal);
        Assert.Contains("Your quiet hours are 22:30 to 07:00", thanks, StringComparison.Ordinal);
        if (javaScript)
        {
            await BrowserPages.AssertAccessibleAsync(page);
        }

        await BrowserPages.ScreenshotAsync(page, $"consent-agreed{Suffix(javaScript)}", screen);

        var alex = (await App.GetEventAsync(view.Id)).People.Single(p => p.Key == "alex");
        Assert.Equal(ConsentState.Granted, alex.Consent["email"]);
        Assert.True(alex.AgreedToPlan);
        Assert.Equal("22:30-07:00", alex.QuietHours);
        var granted = Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "granted");
        Assert.StartsWith("web:", granted.How, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsentLink_KeyboardOnly_AgreeThenChangeTheAnswerToDecline()
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await using var context = await BrowserPages.ContextAsync(chromium, App, Screen.Desktop);
        var page = await BrowserPages.OpenAsync(context, await ConsentLinkAsync());

        // The first Tab lands in the quiet hours: the hour goes up by one from 21:00.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("input quietFrom", await BrowserPages.FocusedAsync(page));
        await page.Keyboard.PressAsync("ArrowUp");
        var path = await BrowserPages.TabToAsync(page, "button decision=agree");
        Assert.Equal(["input quietFrom", "input quietTo", "button decision=agree"], path);
        Assert.Equal("solid", await BrowserPages.FocusOutlineAsync(page));
        await BrowserPages.ScreenshotAsync(page, "consent-keyboard-focus", Screen.Desktop);
        await page.Keyboard.PressAsync("Enter");

        await BrowserPages.ExpectHeadingAsync(page, "Thank you, you agreed");
        Assert.Contains("Your quiet hours are 22:00 to 08:00", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        Assert.Equal(ConsentState.Granted, await AlexEmailConsentAsync(view.Id));

        // Change your answer: the link back to the page, then Decline, by Space.
        await BrowserPages.TabToAsync(page, "a Change your answer");
        Assert.Equal("solid", await BrowserPages.FocusOutlineAsync(page));
        await page.Keyboard.PressAsync("Enter");
        await page.GetByText("You agreed on 24 November 2026. You can change your answer below.").WaitForAsync();
        await BrowserPages.TabToAsync(page, "button decision=decline");
        await page.Keyboard.PressAsync("Space");
        await BrowserPages.ExpectHeadingAsync(page, "You declined");

        Assert.Contains("You won't get check-in emails from Sam.", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        Assert.Equal(ConsentState.Declined, await AlexEmailConsentAsync(view.Id));
        Assert.Single(await App.LedgerAsync(Channel.Email, Alex), e => e.Action == "declined");
        await BrowserPages.AssertAccessibleAsync(page);
        await BrowserPages.ScreenshotAsync(page, "consent-declined-keyboard", Screen.Desktop);
    }

    [Theory]
    [InlineData(Screen.Phone)]
    [InlineData(Screen.Desktop)]
    public async Task ConsentLink_QuietHoursHalfFilledIn_SaysWhatIsWrong_AndRecordsNothing(Screen screen)
    {
        var view = await App.RegisterAsync(DinnerWithPlan());
        await using var context = await BrowserPages.ContextAsync(chromium, App, screen);
        var page = await BrowserPages.OpenAsync(context, await ConsentLinkAsync());

        await page.GetByLabel("To").FillAsync("");
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Agree" }).ClickAsync();

        await BrowserPages.ExpectHeadingAsync(page, "Please check your quiet hours");
        Assert.Contains("Quiet hours need a start and an end", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        Assert.True(await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Agree" }).IsVisibleAsync());
        Assert.Equal(ConsentState.Pending, await AlexEmailConsentAsync(view.Id));
        await BrowserPages.AssertAccessibleAsync(page);
        await BrowserPages.ScreenshotAsync(page, "consent-quiet-hours-problem", screen);
    }

    private static string Suffix(bool javaScript) => javaScript ? "" : "-nojs";

    /// <summary>The product's example with a plan and both people's needs.</summary>
    private JsonObject DinnerWithPlan()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject
        {
            ["plan"] = Plan,
            ["needs"] = new JsonObject { ["organizer"] = "Ten minutes alone first.", ["alex"] = "A hug and a glass of water." },
        };
        return body;
    }

    private async Task<string> ConsentLinkAsync() => await ConsentLinks.OnlyPathAsync(App, Alex);

    private async Task<ConsentState> AlexEmailConsentAsync(string eventId) =>
        (await App.GetEventAsync(eventId)).People.Single(p => p.Key == "alex").Consent["email"];
}

using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AftercareNudge.IntegrationTests.Browser;

/// <summary>
/// A trusted contact's page as they meet it: opened from the link in their request email, in Chromium,
/// at a phone and a desktop size, with and without JavaScript. Agreeing without saying whether an alert
/// may reach them in their quiet hours shows the page again with what is missing; then they choose, and
/// agree. What is checked is what they see and what was recorded on the event and in the ledger.
/// </summary>
public sealed class ContactPageBrowserTests(AzuriteFixture azurite, ChromiumFixture chromium) : AppTest(azurite)
{
    private const string Jo = "jo@example.com";

    protected override AppFactory CreateApp() => new(Azurite);

    [Theory]
    [MemberData(nameof(BrowserPages.Passes), MemberType = typeof(BrowserPages))]
    public async Task ContactLink_ReadTheAlert_AgreeWithoutTheNightChoice_IsAsked_ThenAgreeIsRecorded(Screen screen, bool javaScript)
    {
        var eventId = await ArmedAsync();
        await using var context = await BrowserPages.ContextAsync(chromium, App, screen, javaScript);
        var page = await BrowserPages.OpenAsync(context, ConsentLinksPath(await RequestBodyAsync()));

        await BrowserPages.ExpectHeadingAsync(page, "Sam chose you as a trusted contact");
        Assert.Equal("Sam chose you as a trusted contact · AftercareNudge", await page.TitleAsync());
        var text = await BrowserPages.VisibleTextAsync(page);
        Assert.Contains("The alert would have the subject \"Sam has not answered a check-in\" and say:", text, StringComparison.Ordinal);
        Assert.Contains("Your quiet hours are 21:00 to 08:00, in your time zone, Etc/UTC.", text, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("input[type=radio]:checked").CountAsync());
        if (javaScript)
        {
            await BrowserPages.AssertAccessibleAsync(page);
        }

        await BrowserPages.ScreenshotAsync(page, $"contact{Suffix(javaScript)}", screen);

        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Agree" }).ClickAsync();
        await BrowserPages.ExpectHeadingAsync(page, "Please choose about your quiet hours");
        Assert.Contains("To agree, please say whether an alert may reach you in your quiet hours. Nothing was recorded.", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        Assert.Null((await ContactAsync(eventId)).AgreedAlerts);
        if (javaScript)
        {
            await BrowserPages.AssertAccessibleAsync(page);
        }

        await BrowserPages.ScreenshotAsync(page, $"contact-night-problem{Suffix(javaScript)}", screen);

        await page.GetByLabel("Yes, an alert may reach me then").CheckAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Agree" }).ClickAsync();

        await BrowserPages.ExpectHeadingAsync(page, "Thank you, you agreed");
        Assert.Contains("An alert may reach you in your quiet hours (21:00 to 08:00).", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        if (javaScript)
        {
            await BrowserPages.AssertAccessibleAsync(page);
        }

        var jo = await ContactAsync(eventId);
        Assert.Equal((true, true), (jo.AgreedAlerts is not null, jo.AlertsInQuietHours));
        var granted = Assert.Single(await App.LedgerAsync(Channel.Email, Jo), e => e.Action == "granted");
        Assert.StartsWith("web:", granted.How, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContactLink_KeyboardOnly_ChooseTheNightAnswer_Agree_ThenChangeTheAnswerToDecline()
    {
        var eventId = await ArmedAsync();
        await using var context = await BrowserPages.ContextAsync(chromium, App, Screen.Desktop);
        var page = await BrowserPages.OpenAsync(context, ConsentLinksPath(await RequestBodyAsync()));

        // The first Tab lands on the quiet-hours question; the arrow chooses its second answer.
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("input night", await BrowserPages.FocusedAsync(page));
        Assert.NotEqual("none", await BrowserPages.FocusOutlineAsync(page));
        await page.Keyboard.PressAsync("ArrowDown");
        Assert.True(await page.GetByLabel("No, it waits until 08:00").IsCheckedAsync());
        var path = await BrowserPages.TabToAsync(page, "button decision=agree");
        Assert.Equal(["button decision=agree"], path);
        Assert.Equal("solid", await BrowserPages.FocusOutlineAsync(page));
        await page.Keyboard.PressAsync("Enter");

        await BrowserPages.ExpectHeadingAsync(page, "Thank you, you agreed");
        Assert.Contains("An alert in your quiet hours (21:00 to 08:00) waits until 08:00.", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        var jo = await ContactAsync(eventId);
        Assert.Equal((true, false), (jo.AgreedAlerts is not null, jo.AlertsInQuietHours));

        // Change your answer: the link back to the page, then Decline, by Space.
        await BrowserPages.TabToAsync(page, "a Change your answer");
        await page.Keyboard.PressAsync("Enter");
        await page.GetByText("You agreed. You can change your answer below.").WaitForAsync();
        await BrowserPages.TabToAsync(page, "button decision=decline");
        await page.Keyboard.PressAsync("Space");
        await BrowserPages.ExpectHeadingAsync(page, "You declined");

        Assert.Contains("You won't be told anything about Sam's check-ins.", await BrowserPages.VisibleTextAsync(page), StringComparison.Ordinal);
        Assert.Null((await ContactAsync(eventId)).AgreedAlerts);
        Assert.Single(await App.LedgerAsync(Channel.Email, Jo), e => e.Action == "declined");
        await BrowserPages.AssertAccessibleAsync(page);
        await BrowserPages.ScreenshotAsync(page, "contact-declined-keyboard", Screen.Desktop);
    }

    private static string Suffix(bool javaScript) => javaScript ? "" : "-nojs";

    private async Task<string> RequestBodyAsync() =>
        Assert.Single(await App.OutboxAsync(MessageKinds.ConsentRequest), m => m.To == Jo).Body;

    private static string ConsentLinksPath(string body)
    {
        const string Base = "https://aftercare.example.org";
        var at = body.IndexOf(Base + "/api/safety/contact/", StringComparison.Ordinal);
        Assert.True(at >= 0, "No trusted contact link in the email body.");
        var end = body.IndexOfAny([' ', '\n', '\r'], at);
        return body[(at + Base.Length)..(end < 0 ? body.Length : end)];
    }

    private async Task<Participant> ContactAsync(string eventId) =>
        (await App.Services.GetRequiredService<EventStore>().GetEventAsync(eventId, Ct))!.Find("jo")!;

    /// <summary>The organiser's own SMS check-in, armed with Jo, a trusted contact with only an email, registered through the API.</summary>
    private async Task<string> ArmedAsync()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["email"] = Jo, ["timeZone"] = "Etc/UTC", ["role"] = "trustedContact" });
        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["grace"] = "PT10M", ["escalateTo"] = new JsonArray("jo"), ["note"] = "at the Crown" };
        return (await App.RegisterAsync(body)).Id;
    }
}

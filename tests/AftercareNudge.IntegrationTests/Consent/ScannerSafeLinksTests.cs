using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>
/// Mail scanners open every link in an email before the person does, and some services have checked
/// people in, or out, that way. No link in any email the app sends acts on a GET: consent,
/// unsubscribe and every other action happen on a POST from the page the link opens.
/// </summary>
public sealed partial class ScannerSafeLinksTests(AzuriteFixture azurite) : AppTest(azurite)
{
    // Check-ins that wait for an answer are still behind this setting (issue 23): their trusted contacts' emails have links too.
    protected override AppFactory CreateApp() => new(Azurite);

    [Fact]
    public async Task EveryLinkInEveryEmail_OpenedWithAPlainGet_ChangesNothing()
    {
        // Registration, with an aftercare plan and its reminder email to Alex: the consent request by email to Alex.
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["aftercare"] = new JsonObject
        {
            ["plan"] = "Blankets, water and a quiet hour.",
            ["reminders"] = new JsonArray { new JsonObject { ["to"] = "alex", ["after"] = "end", ["offset"] = "PT1H" } },
        };
        var view = await App.RegisterAsync(body);
        var asked = await StateAsync(view.Id);
        var openedAsked = await OpenEveryLinkAsync(new HashSet<string>(StringComparer.Ordinal));
        var afterOpeningAsked = await StateAsync(view.Id);

        // Alex agrees, on the page, by POST; the check-in and the reminder go out by email.
        var outbox = await App.OutboxAsync();
        foreach (var email in outbox.Where(m => m.Kind == MessageKinds.ConsentRequest && m.Channel == "email"))
        {
            var agreed = await ConsentLinks.PostFormAsync(App, ConsentLinks.PathIn(email.Body), ("decision", "agree"));
            Assert.Equal(HttpStatusCode.OK, agreed.StatusCode);
        }

        await App.GrantAsync(view, "organizer", Channel.Sms);
        for (var hour = 0; hour < 21; hour++)
        {
            App.Time.Advance(TimeSpan.FromHours(1));
            await App.DispatchAsync();
        }

        var sent = await StateAsync(view.Id);
        var seen = outbox.Select(m => m.Id).ToHashSet(StringComparer.Ordinal);
        var openedSent = await OpenEveryLinkAsync(seen);
        var afterOpeningSent = await StateAsync(view.Id);

        Assert.Contains(openedAsked, path => path.StartsWith("/api/consent/", StringComparison.Ordinal));
        Assert.Equal(asked, afterOpeningAsked);
        Assert.Contains(openedSent, path => path.StartsWith("/api/unsubscribe/", StringComparison.Ordinal));
        Assert.Contains(await App.OutboxAsync(), m => !seen.Contains(m.Id) && m.Kind == MessageKinds.CheckIn && m.Channel == "email");
        Assert.Contains(await App.OutboxAsync(), m => !seen.Contains(m.Id) && m.Kind == MessageKinds.Reminder);
        Assert.Equal(sent, afterOpeningSent);
    }

    /// <summary>A trusted contact with only an email is asked by an email whose link opens their page: opening it agrees to nothing.</summary>
    [Fact]
    public async Task TrustedContactsEmailLink_OpenedWithAPlainGet_ChangesNothing()
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]!.AsArray().RemoveAt(1);
        body["people"]!.AsArray().Add(new JsonObject { ["key"] = "jo", ["name"] = "Jo", ["email"] = "jo@example.com", ["timeZone"] = "Etc/UTC", ["role"] = "trustedContact" });
        body["checkIns"]![0]!["awaitReply"] = new JsonObject { ["within"] = "PT20M", ["escalateTo"] = new JsonArray("jo") };
        var view = await App.RegisterAsync(body);
        var asked = await StateAsync(view.Id);

        var opened = await OpenEveryLinkAsync(new HashSet<string>(StringComparer.Ordinal));

        Assert.Contains(opened, path => path.StartsWith("/api/safety/contact/", StringComparison.Ordinal));
        Assert.Equal(asked, await StateAsync(view.Id));
    }

    /// <summary>
    /// Opens, with a plain GET and no cookie, every link to the app in the text and the HTML of every
    /// email sent but those <paramref name="seen"/>; each answers a page. Returns their paths.
    /// </summary>
    private async Task<List<string>> OpenEveryLinkAsync(IReadOnlySet<string> seen)
    {
        var browser = App.CreateBrowser();
        var paths = new List<string>();
        foreach (var email in (await App.OutboxAsync()).Where(m => m.Channel == "email" && !seen.Contains(m.Id)))
        {
            var html = await browser.GetStringAsync($"/api/dev/outbox/{email.Id}", Ct);
            foreach (var path in LinksIn(email.Body).Concat(LinksIn(WebUtility.HtmlDecode(html))).Distinct(StringComparer.Ordinal))
            {
                var opened = await browser.GetAsync(path, Ct);
                Assert.True(opened.StatusCode is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Gone, $"GET {path}: {opened.StatusCode}");
                paths.Add(path);
            }
        }

        return paths;
    }

    private static IEnumerable<string> LinksIn(string text) =>
        AppLink().Matches(text).Select(m => m.Groups["path"].Value);

    /// <summary>What a GET could change: the event as its client sees it and as stored (a trusted contact's agreement is not in the view), and every consent ledger of its people.</summary>
    private async Task<string> StateAsync(string eventId)
    {
        var state = new StringBuilder(await App.CreateClient(AppFactory.ClientAKey).GetStringAsync($"/api/events/{eventId}", Ct));
        state.Append('\n').AppendJoin('\n', (await App.Services.GetRequiredService<EventStore>().GetEventAsync(eventId, Ct))!.People);
        foreach (var (channel, address) in new[] { (Channel.Email, "alex@example.com"), (Channel.Email, "jo@example.com"), (Channel.Email, "sam@example.com"), (Channel.Sms, "+447911123457"), (Channel.Sms, "+447911123456") })
        {
            foreach (var entry in await App.LedgerAsync(channel, address))
            {
                state.Append('\n').Append(entry);
            }
        }

        return state.ToString();
    }

    [GeneratedRegex(@"https://aftercare\.example\.org(?<path>/[^\s""'<>)]*)")]
    private static partial Regex AppLink();
}

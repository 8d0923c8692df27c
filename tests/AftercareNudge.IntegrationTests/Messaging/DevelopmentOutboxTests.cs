using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Messaging;

/// <summary>
/// Issue 21.9: the development outbox keeps each email's HTML and shows it at a URL its list names, so
/// the consent, reminder and check-in emails can be seen as a person would see them, without SendGrid.
/// </summary>
public sealed class DevelopmentOutboxTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task Outbox_ListsEachEmailsUrl_WhereItsHtmlIsShown_WithoutScripts()
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var client = App.CreateClient();

        var outbox = (await client.GetFromJsonAsync<JsonArray>("/api/dev/outbox", Ct))!.Select(m => m!.AsObject()).ToList();

        var email = Assert.Single(outbox, m => (string?)m["channel"] == "email" && (string?)m["to"] == "alex@example.com");
        Assert.Equal($"{AppFactory.PublicBaseUrl}/api/dev/outbox/{email["id"]}", (string?)email["url"]);
        Assert.All(outbox.Where(m => (string?)m["channel"] == "sms"), m => Assert.Null((string?)m["url"]));
        using var page = await client.GetAsync(new Uri((string)email["url"]!).PathAndQuery, Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("<!doctype html>", html.TrimStart(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(ConsentLinks.PathIn((string)email["body"]!), html, StringComparison.Ordinal);
        var policy = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", string.Join(' ', page.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task CheckInEmail_CanBeSeenAsSent()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "alex", Channel.Email);
        App.Time.Advance(TimeSpan.FromHours(20));
        await App.DispatchAsync();
        var client = App.CreateClient();

        var checkIn = (await client.GetFromJsonAsync<JsonArray>("/api/dev/outbox", Ct))!.Single(m => (string?)m!["kind"] == MessageKinds.CheckIn && (string?)m["channel"] == "email")!;
        var html = await client.GetStringAsync($"/api/dev/outbox/{checkIn["id"]}", Ct);

        Assert.Contains("Morning! Thinking of you after last night.", html, StringComparison.Ordinal);
        Assert.Contains("/api/unsubscribe/", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongHtml_IsKeptWhole()
    {
        var html = "<!doctype html><p>" + string.Concat(Enumerable.Range(0, 12_000).Select(i => $"{i:D5} ")) + "</p>";
        Assert.True(html.Length * sizeof(char) > 64 * 1024 * 2, "The HTML is not longer than two table properties hold (64 KiB each, UTF-16).");
        var outbox = App.Services.GetRequiredService<OutboxSender>();
        await outbox.SendAsync(new EmailMessage("sam@example.com", "Sam", "Long", "Long", html, MessageKinds.Notice, null, null), Ct);
        var id = (await App.OutboxAsync()).Single().Id;

        Assert.Equal(html, await App.CreateClient().GetStringAsync($"/api/dev/outbox/{id}", Ct));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("0000000000000000000-000000000000")]
    [InlineData("not-an-id")]
    public async Task ATextOrAnUnknownId_Is404Problem(string which)
    {
        await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var id = which == "text" ? (await App.OutboxAsync()).First(m => m.Channel == "sms").Id : which;

        using var response = await App.CreateClient().GetAsync($"/api/dev/outbox/{id}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task WithProviders_ThereIsNoOutboxToShow()
    {
        var app = UseApp(AppFactory.WithProviders(Azurite, () => new ScriptedSender()));

        using var response = await app.CreateClient().GetAsync("/api/dev/outbox/0000000000000000000-000000000000", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}

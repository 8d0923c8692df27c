using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Consent;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Consent;

/// <summary>The organiser hears in time that someone has not agreed: one notice, a set time before the first check-in that would not go out.</summary>
public sealed class MissingConsentNoticeTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";

    /// <summary>The product's example with Alex's email at <paramref name="hoursFromNow"/> (09:00 UTC now; the organiser's zone is UTC).</summary>
    private JsonObject Dinner(double hoursFromNow)
    {
        var body = Requests.Dinner(App.Time.GetUtcNow());
        body["checkIns"]![1]!["at"] = Requests.Local(App.Time.GetUtcNow().AddHours(hoursFromNow));
        return body;
    }

    [Fact]
    public async Task Notice_TwoHoursBeforeTheFirstCheckInWithoutConsent_TellsTheOrganizerOnce_WithoutTheEventsWords()
    {
        var view = await App.RegisterAsync(Dinner(8));
        await App.ReplyAsync(Sam, "YES");

        // Alex's email is due at 17:00: the notice goes at 15:00, not a moment before.
        await AdvanceToAsync(App.Time.GetUtcNow().AddHours(6).AddMinutes(-1));
        Assert.Empty(await NoticesAsync());
        await AdvanceToAsync(App.Time.GetUtcNow().AddMinutes(1));
        await AdvanceToAsync(App.Time.GetUtcNow().AddMinutes(5));

        var notice = Assert.Single(await NoticesAsync());
        Assert.Equal(Sam, notice.To);
        Assert.Equal(view.Id, notice.EventId);
        Assert.Equal("AftercareNudge: Alex has not agreed yet to get your check-in emails, so the one at 17:00 will not go out unless they agree before then.", notice.Body);
        foreach (var word in new[] { "Dinner", "date", "Morning" })
        {
            Assert.DoesNotContain(word, notice.Body, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal("sent", await OutcomeAsync(view.Id));
    }

    [Fact]
    public async Task Notice_WhenEveryoneAgreedMeanwhile_IsNotSent_AndSaysWhy()
    {
        var view = await App.RegisterAsync(Dinner(8));
        await App.ReplyAsync(Sam, "YES");
        await App.GrantAsync(view, "alex", Channel.Email);

        await AdvanceToAsync(App.Time.GetUtcNow().AddHours(6));

        Assert.Empty(await NoticesAsync());
        Assert.Equal("everyone-agreed", await OutcomeAsync(view.Id));
    }

    [Fact]
    public async Task Notice_DueInTheOrganizersQuietHours_GoesBeforeTheyBegin()
    {
        // Alex's email at 05:00 tomorrow: two hours before is 03:00, inside Sam's 21:00-08:00, so it is
        // due at 20:54, and the five-minute timer (as the host fires it) sends it at 20:55.
        await App.RegisterAsync(Dinner(20));
        await App.ReplyAsync(Sam, "YES");

        await AdvanceToAsync(new DateTimeOffset(2026, 11, 24, 20, 50, 0, TimeSpan.Zero));
        Assert.Empty(await NoticesAsync());
        await AdvanceToAsync(new DateTimeOffset(2026, 11, 24, 20, 55, 0, TimeSpan.Zero));

        Assert.Equal(
            "AftercareNudge: Alex has not agreed yet to get your check-in emails, so the one at 05:00 on Wed 25 Nov will not go out unless they agree before then.",
            Assert.Single(await NoticesAsync()).Body);
    }

    [Fact]
    public async Task Notice_WithoutTheOrganizersOwnConsent_IsNotSent()
    {
        var view = await App.RegisterAsync(Dinner(8));

        await AdvanceToAsync(App.Time.GetUtcNow().AddHours(6));

        Assert.Empty(await NoticesAsync());
        Assert.Equal("organizer-no-consent", await OutcomeAsync(view.Id));
    }

    [Fact]
    public async Task Patch_MovingTheCheckIn_MovesTheNotice()
    {
        var view = await App.RegisterAsync(Dinner(8));
        await App.ReplyAsync(Sam, "YES");
        var alexs = view.CheckIns[1];

        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/events/{view.Id}")
        {
            Content = JsonContent.Create(
                new JsonObject
                {
                    ["checkIns"] = new JsonArray
                    {
                        new JsonObject { ["id"] = view.CheckIns[0].Id },
                        new JsonObject { ["id"] = alexs.Id, ["at"] = Requests.Local(App.Time.GetUtcNow().AddHours(10)) },
                    },
                },
                options: AppFactory.Json),
        };
        var response = await App.CreateClient(AppFactory.ClientAKey).SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // Was 15:00; the check-in now goes at 19:00, so the notice at 17:00.
        await AdvanceToAsync(App.Time.GetUtcNow().AddHours(6));
        Assert.Empty(await NoticesAsync());
        await AdvanceToAsync(App.Time.GetUtcNow().AddHours(2));
        Assert.Contains("the one at 19:00", Assert.Single(await NoticesAsync()).Body, StringComparison.Ordinal);
    }

    /// <summary>Moves the clock on and fires the timer that sends these notices, as the host would every five minutes.</summary>
    private async Task AdvanceToAsync(DateTimeOffset at)
    {
        App.Time.Advance(at - App.Time.GetUtcNow());
        await App.RunTimerAsync("SendHeldConsentRequests");
    }

    private async Task<IReadOnlyList<OutboxMessage>> NoticesAsync() =>
        (await ConsentLinks.OutboxAsync(App)).Where(m => m.Kind == MessageKinds.Notice).ToList();

    private Task<string?> OutcomeAsync(string eventId) =>
        App.Services.GetRequiredService<MissingConsentNotices>().OutcomeAsync(eventId, "alex", CancellationToken.None);
}

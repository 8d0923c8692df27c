using System.Net;
using System.Net.Http.Json;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Schedule;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary><c>DELETE /api/events/{id}</c>: cancel, idempotently, safe against lost updates and a crash half way.</summary>
public sealed class CancelEventTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task Delete_CancelsTheEventAndEveryPendingCheckIn_AndNothingIsSent()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        await App.GrantAsync(view, "alex", Channel.Email);

        var response = await Client().DeleteAsync($"/api/events/{view.Id}", Ct);
        App.Time.Advance(TimeSpan.FromDays(1));
        await App.DispatchAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(EventStatus.Cancelled, after.Status);
        Assert.All(after.CheckIns, c => Assert.Equal(CheckInStatus.Cancelled, c.Status));
        Assert.Empty(await CheckInsSentAsync());
    }

    [Fact]
    public async Task Delete_Twice_IsTheSameAsOnce()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var first = await Client().DeleteAsync($"/api/events/{view.Id}", Ct);
        var second = await Client().DeleteAsync($"/api/events/{view.Id}", Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var body = await second.Content.ReadFromJsonAsync<EventView>(AppFactory.Json, Ct);
        Assert.Equal(EventStatus.Cancelled, body!.Status);
    }

    [Fact]
    public async Task Delete_WithAStaleIfMatch_Is412_AndWithTheCurrentOne_Cancels()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var read = await Client().GetAsync($"/api/events/{view.Id}", Ct);
        var etag = read.Headers.ETag?.ToString();
        Assert.NotNull(etag);

        using var stale = new HttpRequestMessage(HttpMethod.Delete, $"/api/events/{view.Id}");
        stale.Headers.TryAddWithoutValidation("If-Match", "W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\"");
        var refused = await Client().SendAsync(stale, Ct);
        using var current = new HttpRequestMessage(HttpMethod.Delete, $"/api/events/{view.Id}");
        current.Headers.TryAddWithoutValidation("If-Match", etag);
        var accepted = await Client().SendAsync(current, Ct);

        Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.NotEqual(etag, accepted.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Delete_AnotherClientsEvent_Is404_AndChangesNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));

        var response = await App.CreateClient(AppFactory.ClientBKey).DeleteAsync($"/api/events/{view.Id}", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(EventStatus.AwaitingConsent, (await App.GetEventAsync(view.Id)).Status);
    }

    [Fact]
    public async Task Cancel_InterruptedAfterMarkingTheEvent_StillSendsNothing()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);

        // The app died right after the event's mark, before any check-in was marked.
        var store = App.Services.GetRequiredService<EventStore>();
        var record = (await store.GetEventAsync(view.Id, CancellationToken.None))!;
        await store.UpdateEventAsync(record with { CancelledAt = App.Time.GetUtcNow() }, CancellationToken.None);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        Assert.Empty(await CheckInsSentAsync());
        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(EventStatus.Cancelled, after.Status);
        Assert.Equal(CheckInStatus.Cancelled, after.CheckIns[0].Status);
    }

    [Fact]
    public async Task Delete_AfterACheckInWasSent_LeavesItSent()
    {
        var view = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        await App.GrantAsync(view, "organizer", Channel.Sms);
        App.Time.Advance(TimeSpan.FromHours(5.5));
        await App.DispatchAsync();

        await Client().DeleteAsync($"/api/events/{view.Id}", Ct);

        var after = await App.GetEventAsync(view.Id);
        Assert.Equal(CheckInStatus.Sent, after.CheckIns[0].Status);
        Assert.Equal(CheckInStatus.Cancelled, after.CheckIns[1].Status);
    }

    private HttpClient Client() => App.CreateClient(AppFactory.ClientAKey);

    private async Task<IReadOnlyList<OutboxMessage>> CheckInsSentAsync() =>
        (await App.Services.GetRequiredService<OutboxSender>().ListAsync(1000, CancellationToken.None)).Where(m => m.Kind == MessageKinds.CheckIn).ToList();
}

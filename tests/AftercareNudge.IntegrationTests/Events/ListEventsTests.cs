using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Privacy;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary>
/// <c>GET /api/events</c>: a client's own events in start order, filtered by status, organiser and start,
/// in pages with a continuation token, from an index that follows every registration, move, purge and
/// erasure, and is filled once for events stored before it.
/// </summary>
public sealed class ListEventsTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Sam = "+447911123456";
    private const string Robin = "+447911123458";

    private DateTimeOffset Now => App.Time.GetUtcNow();

    [Fact]
    public async Task List_ShowsOnlyThisClientsEvents_InStartOrder()
    {
        var third = await RegisterAsync(hours: 3);
        var first = await RegisterAsync(hours: 1);
        var second = await RegisterAsync(hours: 2);
        var theirs = await RegisterAsync(hours: 1.5, key: AppFactory.ClientBKey);

        var (status, page) = await ListAsync("");
        var (_, theirPage) = await ListAsync("", AppFactory.ClientBKey);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([first.Id, second.Id, third.Id], page.Events.Select(e => e.Id));
        Assert.Null(page.ContinuationToken);
        Assert.Equal(theirs.Id, Assert.Single(theirPage.Events).Id);

        // Each as GET shows it.
        var shown = page.Events[0];
        Assert.Equal((first.Title, first.Status, first.StartsAtUtc), (shown.Title, shown.Status, shown.StartsAtUtc));
        Assert.Equal(first.CheckIns.Select(c => c.Id), shown.CheckIns.Select(c => c.Id));
        Assert.Equal(AftercareNudge.Consent.ConsentState.Pending, shown.Organizer.Consent["sms"]);
    }

    [Fact]
    public async Task List_PagesThroughEveryEvent_WithAContinuationToken()
    {
        var ids = new List<string>();
        for (var i = 1; i <= 5; i++)
        {
            ids.Add((await RegisterAsync(hours: i)).Id);
        }

        var pages = await AllPagesAsync("pageSize=2");

        Assert.Equal([2, 2, 1], pages.Select(p => p.Events.Count));
        Assert.Equal(ids, pages.SelectMany(p => p.Events).Select(e => e.Id));
        Assert.All(pages[..^1], p => Assert.NotNull(p.ContinuationToken));
        Assert.Null(pages[^1].ContinuationToken);
    }

    [Fact]
    public async Task List_ByStatus_ShowsOnlyEventsWithThatStatus()
    {
        // Consent is per organiser: Robin's agreement schedules Robin's event only.
        var waiting = await RegisterAsync(hours: 1);
        var scheduled = await RegisterAsync(hours: 2, phone: Robin, email: null);
        await App.GrantAsync(scheduled, "organizer", Channel.Sms);
        var cancelled = await RegisterAsync(hours: 3);
        Assert.Equal(HttpStatusCode.OK, (await Client().DeleteAsync($"/api/events/{cancelled.Id}", Ct)).StatusCode);

        Assert.Equal([waiting.Id], await IdsAsync("status=awaiting-consent"));
        Assert.Equal([scheduled.Id], await IdsAsync("status=scheduled"));
        Assert.Equal([cancelled.Id], await IdsAsync("status=cancelled"));
        Assert.Empty(await IdsAsync("status=completed"));

        // Once nothing is left to send, the event is completed if something was sent, ended if nothing was.
        App.Time.Advance(TimeSpan.FromHours(8));
        await App.DispatchAsync();
        Assert.Equal([scheduled.Id], await IdsAsync("status=completed"));
        Assert.Equal([waiting.Id], await IdsAsync("status=ended"));
    }

    [Fact]
    public async Task List_ByOrganizerPhoneOrEmail_ShowsOnlyThatOrganisersEvents()
    {
        var sams = await RegisterAsync(hours: 1);
        var robins = await RegisterAsync(hours: 2, phone: Robin, email: "robin@example.com");
        var robinsToo = await RegisterAsync(hours: 3, phone: Robin, email: null);

        Assert.Equal([sams.Id], await IdsAsync("organizerPhone=" + Uri.EscapeDataString(Sam)));
        Assert.Equal([robins.Id, robinsToo.Id], await IdsAsync("organizerPhone=" + Uri.EscapeDataString(Robin)));
        Assert.Equal([robins.Id], await IdsAsync("organizerEmail=" + Uri.EscapeDataString("Robin@Example.com")));
        Assert.Equal([robins.Id], await IdsAsync($"organizerPhone={Uri.EscapeDataString(Robin)}&organizerEmail=robin%40example.com"));
        Assert.Empty(await IdsAsync("organizerEmail=nobody%40example.com"));
    }

    [Fact]
    public async Task List_StartsAfter_ShowsOnlyEventsThatStartLater()
    {
        var first = await RegisterAsync(hours: 1);
        var second = await RegisterAsync(hours: 2);
        var third = await RegisterAsync(hours: 3);

        Assert.Equal([second.Id, third.Id], await IdsAsync("startsAfter=" + Uri.EscapeDataString(first.StartsAtUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal([third.Id], await IdsAsync("startsAfter=" + Uri.EscapeDataString(second.StartsAtUtc.AddMinutes(1).ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-dd'T'HH:mmzzz", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Equal([first.Id, second.Id, third.Id], await IdsAsync("startsAfter=2000-01-01T00:00:00Z"));
    }

    [Fact]
    public async Task Patch_MovingAnEvent_MovesItInTheList_AndLeavesNoRowBehind()
    {
        var first = await RegisterAsync(hours: 1);
        var second = await RegisterAsync(hours: 2);

        var moved = await Client().PatchAsJsonAsync(
            $"/api/events/{first.Id}",
            new JsonObject { ["startsAt"] = Requests.Local(Now.AddHours(3)), ["endsAt"] = Requests.Local(Now.AddHours(4)) },
            AppFactory.Json,
            Ct);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        Assert.Equal([second.Id, first.Id], await IdsAsync(""));
        Assert.Equal(2, (await IndexRowsAsync()).Count);
    }

    [Fact]
    public async Task List_ACancelledEvent_IsListedUntilItsContentIsPurged()
    {
        var cancelled = await RegisterAsync(hours: 1);
        var other = await RegisterAsync(hours: 2);
        Assert.Equal(HttpStatusCode.OK, (await Client().DeleteAsync($"/api/events/{cancelled.Id}", Ct)).StatusCode);
        var listed = (await ListAsync("")).Page.Events;
        Assert.Equal([cancelled.Id, other.Id], listed.Select(e => e.Id));
        Assert.Equal(EventStatus.Cancelled, listed[0].Status);

        App.Time.Advance(TimeSpan.FromDays(31));
        await App.DispatchAsync();
        App.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(2, (await App.Services.GetRequiredService<EventPurge>().RunAsync(Ct)).Purged);

        Assert.Empty(await IdsAsync(""));
        Assert.Empty(await IndexRowsAsync());
        Assert.True((await App.GetEventAsync(cancelled.Id)).Purged);
    }

    [Fact]
    public async Task List_EventsStoredBeforeTheIndex_AreFoundOnTheFirstList()
    {
        var first = await RegisterAsync(hours: 1);
        var second = await RegisterAsync(hours: 2);
        var theirs = await RegisterAsync(hours: 1.5, key: AppFactory.ClientBKey);
        var index = App.Services.GetRequiredService<ClientEventIndex>();
        var store = App.Services.GetRequiredService<EventStore>();

        // As every event stored before the index existed: no row.
        foreach (var id in new[] { first.Id, second.Id, theirs.Id })
        {
            await index.RemoveAsync((await store.GetEventAsync(id, Ct))!, Ct);
        }

        Assert.Empty(await IndexRowsAsync());

        Assert.Equal([first.Id, second.Id], await IdsAsync(""));
        Assert.Equal([theirs.Id], (await ListAsync("", AppFactory.ClientBKey)).Page.Events.Select(e => e.Id));
        Assert.True(await index.IsBackfilledAsync("clientA", Ct));
        Assert.Equal(2, (await IndexRowsAsync()).Count);
    }

    [Fact]
    public async Task List_ARowWithoutAnEvent_IsSkipped_AndDeletedOnceItCannotBeAWriteInProgress()
    {
        var real = await RegisterAsync(hours: 2);
        var record = (await App.Services.GetRequiredService<EventStore>().GetEventAsync(real.Id, Ct))!;
        var index = App.Services.GetRequiredService<ClientEventIndex>();

        // A registration that died after its index row: the event was never written.
        await index.AddAsync(record with { Id = Ids.New(Ids.EventPrefix), StartsAtUtc = record.StartsAtUtc.AddHours(-1) }, Ct);

        Assert.Equal([real.Id], await IdsAsync(""));
        Assert.Equal(2, (await IndexRowsAsync()).Count);

        App.Time.Advance(ClientEventIndex.StaleAfter + TimeSpan.FromMinutes(1));
        Assert.Equal([real.Id], await IdsAsync(""));
        Assert.Single(await IndexRowsAsync());
    }

    [Fact]
    public async Task List_WithAFilterThatMatchesFew_ReadsABoundedNumberOfEventsPerPage()
    {
        for (var i = 1; i <= 4; i++)
        {
            await RegisterAsync(hours: i);
        }

        var cancelled = await RegisterAsync(hours: 5);
        await Client().DeleteAsync($"/api/events/{cancelled.Id}", Ct);

        // A page of one reads at most two events: the pages before the match are empty, with a token.
        var pages = await AllPagesAsync("status=cancelled&pageSize=1");

        Assert.Equal([0, 0, 1], pages.Select(p => p.Events.Count));
        Assert.Equal(cancelled.Id, pages[^1].Events.Single().Id);
    }

    [Fact]
    public async Task Erase_TheOrganiser_LeavesNoKeyOfTheirsInTheIndex_AndTheirAddressFindsNothing()
    {
        var sams = await RegisterAsync(hours: 1);
        var robins = await RegisterAsync(hours: 2, phone: Robin, email: "robin@example.com");

        Assert.Equal(HttpStatusCode.OK, (await Client().DeleteAsync("/api/people/%2B447911123456", Ct)).StatusCode);

        Assert.Empty(await IdsAsync("organizerPhone=" + Uri.EscapeDataString(Sam)));
        Assert.Equal([sams.Id], await IdsAsync("organizerEmail=sam%40example.com"));
        Assert.Equal([sams.Id, robins.Id], await IdsAsync(""));
        var rows = await IndexRowsAsync();
        var samsRow = rows.Single(r => r.GetString("EventId") == sams.Id);
        Assert.Null(samsRow.GetString("OrganizerSms"));
        Assert.NotNull(samsRow.GetString("OrganizerEmail"));
        Assert.NotNull(rows.Single(r => r.GetString("EventId") == robins.Id).GetString("OrganizerSms"));
        Assert.All(rows, r => Assert.DoesNotContain(r.Select(p => p.Value).OfType<string>(), v => v.Contains("+44", StringComparison.Ordinal) || v.Contains('@', StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("status=planned", "status")]
    [InlineData("status=awaiting-consent&status=scheduled", "status")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=101", "pageSize")]
    [InlineData("pageSize=ten", "pageSize")]
    [InlineData("startsAfter=tomorrow", "startsAfter")]
    [InlineData("startsAfter=2026-12-05T19:00", "startsAfter")]
    [InlineData("organizerPhone=07911123456", "organizerPhone")]
    [InlineData("organizerEmail=not-an-address", "organizerEmail")]
    [InlineData("continuationToken=bm90LWEtdG9rZW4", "continuationToken")]
    [InlineData("continuationToken=%25%25", "continuationToken")]
    [InlineData("satus=cancelled", "satus")]
    public async Task List_WithABadQuery_Is400NamingTheParameter(string query, string field)
    {
        var response = await Client().GetAsync("/api/events?" + query, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!["errors"]!.AsObject();
        Assert.Equal([field], errors.Select(e => e.Key));
    }

    [Fact]
    public async Task List_WithoutAKey_Is401()
    {
        var response = await App.CreateClient().GetAsync("/api/events", Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private HttpClient Client(string key = AppFactory.ClientAKey) => App.CreateClient(key);

    /// <summary>An event starting <paramref name="hours"/> from now, an hour long, with one text to the organiser after it.</summary>
    private async Task<EventView> RegisterAsync(double hours, string key = AppFactory.ClientAKey, string phone = Sam, string? email = "sam@example.com")
    {
        var body = Requests.Dinner(Now);
        body["startsAt"] = Requests.Local(Now.AddHours(hours));
        body["endsAt"] = Requests.Local(Now.AddHours(hours + 1));
        body["organizer"] = new JsonObject { ["name"] = "Sam", ["phone"] = phone, ["email"] = email };
        body["checkIns"] = new JsonArray
        {
            new JsonObject { ["to"] = "organizer", ["channel"] = "sms", ["after"] = "end", ["offset"] = "PT30M", ["message"] = "How are you doing?" },
        };
        var response = await Client(key).PostAsJsonAsync("/api/events", body, AppFactory.Json, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return await AppFactory.ReadEventAsync(response);
    }

    private async Task<(HttpStatusCode Status, EventList Page)> ListAsync(string query, string key = AppFactory.ClientAKey)
    {
        var response = await Client(key).GetAsync("/api/events?" + query, Ct);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<EventList>(AppFactory.Json, Ct))!);
    }

    /// <summary>Every page, following the tokens.</summary>
    private async Task<List<EventList>> AllPagesAsync(string query)
    {
        var pages = new List<EventList>();
        string? token = null;
        do
        {
            var (_, page) = await ListAsync(token is null ? query : $"{query}&continuationToken={Uri.EscapeDataString(token)}");
            pages.Add(page);
            token = page.ContinuationToken;
            Assert.True(pages.Count < 20, "The pages never end.");
        }
        while (token is not null);

        return pages;
    }

    private async Task<List<string>> IdsAsync(string query) =>
        (await AllPagesAsync(query)).SelectMany(p => p.Events).Select(e => e.Id).ToList();

    private async Task<List<TableEntity>> IndexRowsAsync()
    {
        var table = await App.Services.GetRequiredService<AppTables>().GetAsync(AppTables.ClientEvents, Ct);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"clientA"} and RowKey lt {"~"}"), cancellationToken: Ct))
        {
            rows.Add(row);
        }

        return rows;
    }
}

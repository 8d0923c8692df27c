using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AftercareNudge.Events;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging;
using AftercareNudge.Security;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace AftercareNudge.IntegrationTests.Events;

/// <summary><c>Idempotency-Key</c> on <c>POST /api/events</c>: a retry within a day answers the first result and sends nothing again.</summary>
public sealed class IdempotencyKeyTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task Register_SameKeySameBody_AnswersTheFirstEvent_AndSendsNothingAgain()
    {
        var body = Dinner();
        var first = await PostAsync(body, "key-1");
        var requestsAfterFirst = await ConsentRequestsAsync();

        var repeat = await PostAsync(body, "key-1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.Equal(first.Headers.Location, repeat.Headers.Location);
        Assert.Equal("true", Assert.Single(repeat.Headers.GetValues("Idempotent-Replayed")));
        var firstView = await AppFactory.ReadEventAsync(first);
        var repeatView = await AppFactory.ReadEventAsync(repeat);
        Assert.Equal(firstView.Id, repeatView.Id);
        Assert.Equal(firstView.CheckIns.Select(c => c.Id), repeatView.CheckIns.Select(c => c.Id));
        Assert.Equal(2, requestsAfterFirst);
        Assert.Equal(requestsAfterFirst, await ConsentRequestsAsync());
    }

    [Fact]
    public async Task Register_SameKeySameJsonReformatted_IsTheSameRequest()
    {
        var body = Dinner();
        var first = await PostAsync(body, "key-reformatted");
        var reordered = new JsonObject(body.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));

        var repeat = await PostRawAsync(reordered.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), "key-reformatted");

        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.Equal((await AppFactory.ReadEventAsync(first)).Id, (await AppFactory.ReadEventAsync(repeat)).Id);
    }

    [Fact]
    public async Task Register_SameKeyDifferentBody_Is422ProblemSayingSo_AndRegistersNothing()
    {
        await PostAsync(Dinner(), "key-2");
        var other = Dinner();
        other["title"] = "Something else";

        var refused = await PostAsync(other, "key-2");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("This Idempotency-Key was used with a different body.", (string?)problem!["title"]);
        Assert.Equal("This key was first used with another body.", (string?)problem["errors"]![IdempotencyKeys.HeaderName]![0]);
        Assert.Equal(2, await ConsentRequestsAsync());
    }

    [Fact]
    public async Task Register_SameKeyWhileTheFirstIsInFlight_Is409ProblemSayingToRetry()
    {
        var body = Dinner();
        await ClaimAsync(body, "key-busy", "ev_0123456789abcdef01234567");

        var busy = await PostAsync(body, "key-busy");

        Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
        Assert.NotNull(busy.Headers.RetryAfter);
        var problem = await busy.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("A request with this Idempotency-Key is still being handled.", (string?)problem!["title"]);
        Assert.Contains("Retry", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(0, await ConsentRequestsAsync());
    }

    [Fact]
    public async Task Register_ClaimOfAnAttemptThatDied_IsTakenOverAfterAMinute_UnderTheSameEventId()
    {
        var body = Dinner();
        await ClaimAsync(body, "key-died", "ev_0123456789abcdef01234567");
        App.Time.Advance(TimeSpan.FromSeconds(61));

        var retry = await PostAsync(body, "key-died");
        var again = await PostAsync(body, "key-died");

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("/api/events/ev_0123456789abcdef01234567", retry.Headers.Location?.ToString());
        Assert.Equal("/api/events/ev_0123456789abcdef01234567", again.Headers.Location?.ToString());
        Assert.Equal(2, await ConsentRequestsAsync());
    }

    [Fact]
    public async Task Register_AttemptThatDiedAfterWritingTheEvent_IsAnsweredWithThatEvent_NotASecondOne()
    {
        var body = Dinner();
        const string eventId = "ev_00000000000000000000dead";
        await ClaimAsync(body, "key-half-done", eventId);
        var (planned, _) = App.Services.GetRequiredService<EventValidator>().Validate(body.Deserialize<RegisterEventRequest>(AppFactory.Json)!);
        await using (var scope = App.Services.CreateAsyncScope())
        {
            // The first attempt got this far, then its process died before recording the key as done.
            await scope.ServiceProvider.GetRequiredService<EventService>().RegisterAsync(new ApiClient("clientA"), planned!, Ct, eventId);
        }

        App.Time.Advance(TimeSpan.FromMinutes(2));
        var retry = await PostAsync(body, "key-half-done");

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal($"/api/events/{eventId}", retry.Headers.Location?.ToString());
        Assert.Equal(2, await ConsentRequestsAsync());
    }

    [Fact]
    public async Task Register_TwoRequestsWithOneKeyAtOnce_RegisterOneEvent()
    {
        var body = Dinner();

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => PostAsync(body, "key-race")));

        var created = answers.Where(a => a.StatusCode == HttpStatusCode.Created).ToList();
        Assert.NotEmpty(created);
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, a.StatusCode.ToString()));
        Assert.Single(created.Select(a => a.Headers.Location).Distinct());
        Assert.Equal(2, await ConsentRequestsAsync());
    }

    [Fact]
    public async Task Register_SameKeyAfter24Hours_IsANewRequest()
    {
        var body = Dinner();
        var first = await PostAsync(body, "key-old");
        App.Time.Advance(TimeSpan.FromHours(24));

        var later = await PostAsync(body, "key-old");

        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        Assert.NotEqual(first.Headers.Location, later.Headers.Location);
        Assert.False(later.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Register_SameKeyFromAnotherClient_IsThatClientsOwnKey()
    {
        var body = Dinner();
        var a = await PostAsync(body, "shared-key");

        var b = await App.CreateClient(AppFactory.ClientBKey).SendAsync(Request(body.ToJsonString(), "shared-key"), Ct);

        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.NotEqual(a.Headers.Location, b.Headers.Location);
    }

    [Fact]
    public async Task Register_InvalidBodyWithAKey_Is400_AndDoesNotUseUpTheKey()
    {
        var invalid = Dinner();
        invalid["kind"] = "picnic";
        var refused = await PostAsync(invalid, "key-fixed-later");

        var fixedBody = await PostAsync(Dinner(), "key-fixed-later");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, fixedBody.StatusCode);
    }

    [Theory]
    [InlineData("has a space")]
    [InlineData("tab\there")]
    public async Task Register_MalformedKey_Is400NamingTheHeader(string key)
    {
        var response = await PostAsync(Dinner(), key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("The Idempotency-Key header is not valid.", (string?)problem!["title"]);
        Assert.Contains("visible ASCII", (string?)problem["errors"]![IdempotencyKeys.HeaderName]![0], StringComparison.Ordinal);
        Assert.Equal(0, await ConsentRequestsAsync());
    }

    /// <summary>Not ASCII at all: the host's server refuses the header before the app sees it (as Kestrel does).</summary>
    [Fact]
    public async Task Register_NonAsciiKey_IsRefused_AndRegistersNothing()
    {
        var response = await PostAsync(Dinner(), "ключ");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, await ConsentRequestsAsync());
    }

    [Fact]
    public async Task Register_KeyOf256Characters_Is400_AndOf255IsAccepted()
    {
        var tooLong = await PostAsync(Dinner(), new string('k', 256));
        var longest = await PostAsync(Dinner(), new string('k', 255));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
    }

    [Fact]
    public async Task Register_WithoutAKey_TwiceIsTwoEvents()
    {
        var body = Dinner();

        var first = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);
        var second = await App.CreateClient(AppFactory.ClientAKey).PostAsJsonAsync("/api/events", body, Ct);

        Assert.NotEqual(first.Headers.Location, second.Headers.Location);
    }

    [Fact]
    public async Task RemoveExpired_RemovesKeysFirstUsedMoreThanADayAgo_AndKeepsNewerOnes()
    {
        await PostAsync(Dinner(), "key-to-expire");
        App.Time.Advance(TimeSpan.FromHours(23));
        await PostAsync(Dinner(), "key-to-keep");
        App.Time.Advance(TimeSpan.FromHours(2));

        var removed = await App.Services.GetRequiredService<IdempotencyKeys>().RemoveExpiredAsync(Ct);

        Assert.Equal(1, removed);
        var table = await App.Services.GetRequiredService<AftercareNudge.Storage.AppTables>().GetAsync(AftercareNudge.Storage.AppTables.IdempotencyKeys, Ct);
        Assert.Single(table.Query<TableEntity>(cancellationToken: Ct));
    }

    /// <summary>The dinner, three days out, so that a day later it is still valid.</summary>
    private JsonObject Dinner() => Requests.Dinner(App.Time.GetUtcNow().AddDays(3));

    private Task<HttpResponseMessage> PostAsync(JsonObject body, string key) => PostRawAsync(body.ToJsonString(), key);

    private Task<HttpResponseMessage> PostRawAsync(string json, string key) =>
        App.CreateClient(AppFactory.ClientAKey).SendAsync(Request(json, key), Ct);

    private static HttpRequestMessage Request(string json, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/events") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation(IdempotencyKeys.HeaderName, key);
        return request;
    }

    /// <summary>A claim as a first request makes it just before it registers.</summary>
    private async Task ClaimAsync(JsonObject body, string key, string eventId)
    {
        var keys = App.Services.GetRequiredService<IdempotencyKeys>();
        var hash = IdempotencyKeys.BodyHash(Encoding.UTF8.GetBytes(body.ToJsonString()));
        var claim = await keys.ClaimAsync("clientA", key, hash, new IdempotencyLookup(IdempotencyState.Free, null, null), eventId, Ct);
        Assert.NotNull(claim);
    }

    private async Task<int> ConsentRequestsAsync() =>
        (await ConsentLinks.OutboxAsync(App)).Count(m => m.Kind == MessageKinds.ConsentRequest);
}

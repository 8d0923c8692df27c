using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace FunctionsLocalHost.Tests;

/// <summary>One local host with the sample worker for all the HTTP tests (they only read).</summary>
public sealed class SampleWorkerFixture(AzuriteQueues azurite) : IAsyncLifetime
{
    public SampleWorkerHost Sample { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Sample = await SampleWorkerHost.StartAsync(azurite, timers: false);

    public ValueTask DisposeAsync() => Sample.DisposeAsync();
}

/// <summary>HTTP functions through the local host, as the real host serves them.</summary>
public sealed class HttpTriggerTests(SampleWorkerFixture fixture) : IClassFixture<SampleWorkerFixture>
{
    private readonly SampleWorkerHost _sample = fixture.Sample;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Request_ReachesTheFunction_WithRouteValueQueryHeaderAndBody_AndItsAnswerComesBack()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/things/42?q=hello") { Content = new StringContent("the body") };
        request.Headers.Add("X-Sample", "a header");

        using var response = await _sample.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var echo = await response.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal((42, "hello", "a header", "the body"), ((int)echo!["id"]!, (string?)echo["q"], (string?)echo["header"], (string?)echo["body"]));
        Assert.Contains("Echo ran for thing 42", _sample.Log, StringComparison.Ordinal); // the worker's own log line, printed by the host
    }

    [Theory]
    [InlineData("POST", "/api/things/not-a-number")] // the route's int constraint
    [InlineData("GET", "/api/things/42")] // a method the function does not take: 404, as the host answers
    [InlineData("GET", "/things/42")] // without the route prefix
    [InlineData("GET", "/api/nothing/here")]
    public async Task Request_ThatNoFunctionMatches_Is404(string method, string path)
    {
        using var response = await _sample.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>
    /// What the server refuses as it reads the request (as the Functions host's own Kestrel, or Azure's
    /// front end, does) never reaches a function, and the local host adds no body of its own: a client
    /// meets the same bare status here as in Azure, not an answer richer than Azure's.
    /// </summary>
    [Theory]
    [InlineData("an encoded NUL in the path", 400, 7001)]
    [InlineData("a header value that is not ASCII", 400, 7002)]
    [InlineData("a request line over 8 KiB", 414, 7003)]
    [InlineData("headers over 32 KiB in all", 431, 7004)]
    public async Task Request_TheServerRefusesAsItReadsIt_IsItsBareStatus_AndNoFunctionRuns(string what, int status, int id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, what switch
        {
            "an encoded NUL in the path" => $"/api/things/{id}%00",
            "a request line over 8 KiB" => $"/api/things/{id}?q=" + new string('a', 8 * 1024),
            _ => $"/api/things/{id}",
        })
        { Content = new StringContent("the body") };
        if (what == "a header value that is not ASCII")
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", "clé-0123456789");
        }
        else if (what == "headers over 32 KiB in all")
        {
            request.Headers.TryAddWithoutValidation("X-Sample", new string('h', 33 * 1024));
        }

        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8 }) { BaseAddress = _sample.Host.BaseAddress };
        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.DoesNotContain($"Echo ran for thing {id}", _sample.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/greet", "hello you")]
    [InlineData("/api/greet/kit", "hello kit")]
    public async Task OptionalRouteValue_BindsWhenGiven(string path, string expected)
    {
        Assert.Equal(expected, await _sample.Http.GetStringAsync(path, Ct));
    }

    /// <summary>Under the prefix <c>api</c> no function serves <c>/</c>, and the sample leaves the home page on: the host's page, as in Azure.</summary>
    [Fact]
    public async Task Root_WhereNoFunctionRuns_IsTheHostsPage_WhileTheHomepageIsOn()
    {
        using var response = await _sample.Http.GetAsync("/", Ct);

        Assert.Equal((HttpStatusCode.OK, "text/html"), (response.StatusCode, response.Content.Headers.ContentType?.MediaType));
        Assert.Equal(HttpTriggers.HomepageText, await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("/api/Blank", HttpTriggers.Pattern(new HostSettings("api", TimeSpan.FromMinutes(1)), _sample.Host.Functions.Http.Single(f => f.Name == "Blank")));
    }

    [Fact]
    public async Task FunctionThatThrows_Is500()
    {
        using var response = await _sample.Http.GetAsync("/api/fails", Ct);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Function Fails failed", _sample.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionPastItsTimeout_IsCancelled_And500()
    {
        var started = TimeProvider.System.GetTimestamp();

        using var response = await _sample.Http.GetAsync("/api/slow", Ct);

        // host.json says 3 s; the function would take 30.
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(20));
        Assert.Contains("ran past the function timeout", _sample.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminRoute_ForAFunctionThatIsNotATimer_Is404()
    {
        using var response = await _sample.Http.PostAsJsonAsync("/admin/functions/Echo", new { input = "" }, Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void Functions_AreThoseTheWorkerReported()
    {
        Assert.Equal(["Blank", "Echo", "Fails", "Greet", "Home", "Slow"], _sample.Host.Functions.Http.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["POST"], _sample.Host.Functions.Http.Single(f => f.Name == "Echo").Methods);
        Assert.Equal("Tick", Assert.Single(_sample.Host.Functions.Timers).Name);
    }
}

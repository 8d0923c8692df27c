using System.Net;

namespace FunctionsLocalHost.Tests;

/// <summary>
/// An app at the site's root: host.json's route prefix empty, as the real host serves it. A route with an
/// optional parameter matches <c>/</c>; a route of <c>""</c> is the function's name, never the root; and
/// where no function runs at <c>/</c> the host answers its home page, or 204 with
/// <c>AzureWebJobsDisableHomepage</c> set to <c>true</c>.
/// </summary>
public sealed class RootRouteTests(AzuriteQueues azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EmptyPrefix_WithTheHomepageOff_RunsTheRootRoute_And204WhereNoFunctionRuns()
    {
        await using var sample = await SampleWorkerHost.StartAsync(
            azurite,
            timers: false,
            settings: values => values["AzureWebJobsDisableHomepage"] = "true",
            appDirectory: SampleWorkerHost.AppDirectoryWithRoutePrefix(""));

        Assert.Equal("the home function", await sample.Http.GetStringAsync("/", Ct));
        Assert.Equal("the home function", await sample.Http.GetStringAsync("/?q=1", Ct));
        Assert.Equal("hello kit", await sample.Http.GetStringAsync("/greet/kit", Ct));

        // A route of "" is served at the function's name: POST / finds no function, and the home page is off.
        Assert.Equal("/Blank", HttpTriggers.Pattern(new HostSettings("", TimeSpan.FromMinutes(1)), sample.Host.Functions.Http.Single(f => f.Name == "Blank")));
        using var post = await sample.Http.PostAsync(new Uri("/", UriKind.Relative), new StringContent(""), Ct);
        Assert.Equal((HttpStatusCode.NoContent, ""), (post.StatusCode, await post.Content.ReadAsStringAsync(Ct)));

        // Only the root: elsewhere, what no function serves is still a 404.
        using var elsewhere = await sample.Http.GetAsync("/nothing/here", Ct);
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        using var notEmpty = await sample.Http.GetAsync("/api", Ct);
        Assert.Equal(HttpStatusCode.NotFound, notEmpty.StatusCode);
    }

    [Fact]
    public async Task EmptyPrefix_WithTheHomepageOn_AnswersTheHostsPage_WhereNoFunctionRuns()
    {
        await using var sample = await SampleWorkerHost.StartAsync(azurite, timers: false, appDirectory: SampleWorkerHost.AppDirectoryWithRoutePrefix(""));

        using var post = await sample.Http.PostAsync(new Uri("/", UriKind.Relative), new StringContent(""), Ct);

        Assert.Equal((HttpStatusCode.OK, "text/html"), (post.StatusCode, post.Content.Headers.ContentType?.MediaType));
        Assert.Equal(HttpTriggers.HomepageText, await post.Content.ReadAsStringAsync(Ct));
        Assert.Equal("the home function", await sample.Http.GetStringAsync("/", Ct));
    }
}

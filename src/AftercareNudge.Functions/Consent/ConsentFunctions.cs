using AftercareNudge.Hosting;
using AftercareNudge.Messaging.Outbox;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Consent;

/// <summary>The pages a person opens from a message: consent and unsubscribe links.</summary>
[Tags("Consent")]
public sealed class ConsentPageFunctions(ConsentPages pages)
{
    [Function("ShowConsentPage")]
    [PersonPage]
    [RateLimited(RateLimits.Limited.Public)]
    [LinkPage]
    public Task<ContentHttpResult> ShowConsentPage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/consent/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) =>
        pages.ShowConsentAsync(token, request.HttpContext, cancellationToken);

    [Function("DecideConsent")]
    [PersonPage]
    [RateLimited(RateLimits.Limited.Public)]
    [Accepts(typeof(ConsentDecisionForm), AcceptsAttribute.Form)]
    [LinkPage]
    [ProducesPage(StatusCodes.Status400BadRequest, Description = "No decision (or quiet hours) could be read from the form: the page again.")]
    [ProducesPage(StatusCodes.Status409Conflict, Description = "The plan changed since the page was shown: nothing was recorded.")]
    public Task<ContentHttpResult> DecideConsent(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/consent/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) =>
        pages.DecideAsync(token, request.HttpContext, cancellationToken);

    [Function("ShowUnsubscribePage")]
    [PersonPage]
    [RateLimited(RateLimits.Limited.Public)]
    [LinkPage]
    public Task<ContentHttpResult> ShowUnsubscribePage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/unsubscribe/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) =>
        pages.ShowUnsubscribeAsync(token, request.HttpContext, cancellationToken);

    [Function("Unsubscribe")]
    [PersonPage]
    // RFC 8058 one-click unsubscribes come from mail providers' servers, many people's from one
    // address: an opt-out must not wait behind a page's limit.
    [RateLimited(RateLimits.Limited.Webhook)]
    [Accepts(typeof(UnsubscribeForm), AcceptsAttribute.Form, IsOptional = true)]
    [LinkPage]
    public Task<ContentHttpResult> Unsubscribe(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "api/unsubscribe/{token}")] HttpRequest request,
        string token,
        CancellationToken cancellationToken) =>
        pages.UnsubscribeAsync(token, request.HttpContext, cancellationToken);
}

/// <summary>The development routes: only while the outbox stands in for the providers.</summary>
[Tags("Development")]
public sealed class DevelopmentFunctions(OutboxSender outbox, IOptions<PublicOptions> publicOptions)
{
    private const int DefaultTake = 100;
    private const int MaxTake = 1000;

    [Function("ListDevOutbox")]
    [RateLimited(RateLimits.Limited.None)]
    [DevelopmentOutboxOnly]
    [ReadsQuery("take", "How many messages to list, newest first (a number outside the range is taken as its nearest end).", Integer = true, Minimum = 1, Maximum = MaxTake, Default = DefaultTake)]
    public async Task<Ok<IReadOnlyList<OutboxMessage>>> ListDevOutbox(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/dev/outbox")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var take = int.TryParse(request.Query["take"], System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : DefaultTake;
        var messages = await outbox.ListAsync(Math.Clamp(take, 1, MaxTake), cancellationToken);
        return TypedResults.Ok<IReadOnlyList<OutboxMessage>>([.. messages.Select(m => m.Channel == "email" ? m with { Url = OutboxHtml.Url(publicOptions.Value, m.Id) } : m)]);
    }

    [Function("ShowDevOutboxEmail")]
    [RateLimited(RateLimits.Limited.None)]
    [DevelopmentOutboxOnly]
    [ProducesPage(StatusCodes.Status200OK, Description = "The email's HTML, as it would have been sent (scripts blocked).")]
    [ProducesProblem(StatusCodes.Status404NotFound, Description = "The outbox holds no email with this id (a text has no HTML).")]
    public async Task<Results<ContentHttpResult, ProblemHttpResult>> ShowDevOutboxEmail(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OutboxHtml.Route)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        await outbox.FindHtmlAsync(id, cancellationToken) is { } html
            ? OutboxHtml.Show(request.HttpContext, html)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such email.", detail: "The outbox holds no email with this id; GET /api/dev/outbox lists each email's url.");
}

public sealed class ConsentTimerFunctions(ConsentRequests requests, MissingConsentNotices notices, ILogger<ConsentTimerFunctions> logger)
{
    /// <summary>Every five minutes: held consent requests, then the organisers' missing-consent notices that are due.</summary>
    [Function("SendHeldConsentRequests")]
    public async Task SendHeldConsentRequests([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var tried = await requests.SendHeldAsync(cancellationToken);
        var dealtWith = await notices.SendDueAsync(cancellationToken);
        TimerLog.Ran(logger, "SendHeldConsentRequests", timer.IsPastDue, $"held consent requests tried: {tried}; missing-consent notices dealt with: {dealtWith}");
    }
}

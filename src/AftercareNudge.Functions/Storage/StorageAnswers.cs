using AftercareNudge.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Storage;

/// <summary>
/// Each HTTP invocation gives storage <see cref="StorageOptions.RequestBudget"/> (8 s) in all, so that a storage
/// that hangs is a 503 within 10 s, not a wait for every retry; storage unreachable, hanging or
/// throttling is a 503 with <c>Retry-After</c> (a calm page for a person's pages). It runs just inside
/// <see cref="ErrorAnswers"/>, which answers everything else. Timers keep the storage client's full
/// retries and leave their failures to the host.
/// </summary>
internal sealed class StorageAnswers(IOptions<StorageOptions> options, ILogger<StorageAnswers> logger) : IFunctionsWorkerMiddleware, IDeclaresAnswers
{
    public static IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function) =>
    [
        BusyPages.IsPage(function)
            ? DeclaredAnswer.Page(StatusCodes.Status503ServiceUnavailable, "Storage is unavailable: a page asking to try again shortly.", retryAfter: true)
            : DeclaredAnswer.Problem(StatusCodes.Status503ServiceUnavailable, "Storage is unavailable; nothing was wrong with the request. Try again shortly.", retryAfter: true),
    ];

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = HttpInvocations.Request(context);
        try
        {
            using (StorageBudget.Begin(options.Value.RequestBudget))
            {
                await next(context);
            }
        }
        catch (Exception e) when (!http.Response.HasStarted && StorageFailures.IsOutage(e))
        {
            http.Response.Clear();
            StorageLog.Unavailable(logger, e);
            http.Response.Headers.RetryAfter = "30";
            FunctionAnswers.Answer(context, BusyPages.IsPage(context)
                ? BusyPages.Unavailable(http)
                : TypedResults.Problem(
                    title: "Storage is unavailable.",
                    detail: "Nothing was wrong with the request. Try again shortly.",
                    statusCode: StatusCodes.Status503ServiceUnavailable));
        }
    }
}

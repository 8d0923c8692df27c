using Azure;
using Microsoft.AspNetCore.Diagnostics;

namespace AftercareNudge.Storage;

/// <summary>
/// When Table Storage cannot be reached or is throttling, a caller gets 503 problem details with
/// Retry-After, not a 500: nothing they sent was wrong, and trying again later is the right move.
/// </summary>
internal sealed class StorageUnavailableHandler(IProblemDetailsService problems, ILogger<StorageUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var storageFailure = exception switch
        {
            RequestFailedException e => e.Status is 0 or 408 or 429 or >= 500,
            AggregateException e => e.InnerExceptions.All(i => i is RequestFailedException { Status: 0 or >= 500 }),
            _ => false,
        };
        if (!storageFailure)
        {
            return false;
        }

        StorageLog.Unavailable(logger, exception);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "30";
        if (Consent.BusyPages.IsPage(httpContext.Request))
        {
            await Consent.BusyPages.Unavailable(httpContext).ExecuteAsync(httpContext);
            return true;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage is unavailable.",
                Detail = "Nothing was wrong with the request. Try again shortly.",
            },
        });
    }
}

/// <summary>Storage log messages (event ids 600-619).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Error, Message = "Table Storage is unavailable")]
    public static partial void Unavailable(ILogger logger, Exception exception);
}

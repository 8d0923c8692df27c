using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AftercareNudge.Hosting;

/// <summary>What worker middleware answers instead of the function: the invocation's result, which the worker writes.</summary>
internal static class FunctionAnswers
{
    public static void Answer(FunctionContext context, IResult result) => context.GetInvocationResult().Value = result;

    /// <summary>An answer written by code of its own (headers, a page) when no typed result fits.</summary>
    public static IResult Of(Func<HttpContext, Task> write) => new Written(write);

    private sealed class Written(Func<HttpContext, Task> write) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => write(httpContext);
    }
}

/// <summary>
/// Which invocations the HTTP middleware handles: an HTTP-triggered function's. <c>Program.cs</c> selects
/// that middleware once with <c>UseWhen</c>, so each can take the request as given (<see cref="Request"/>).
/// </summary>
public static class HttpInvocations
{
    public static bool Are(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.FunctionDefinition.InputBindings.Values.Any(b => string.Equals(b.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The request of an invocation <see cref="Are"/> selected.</summary>
    public static HttpContext Request(FunctionContext context) =>
        context.GetHttpContext() ?? throw new InvalidOperationException($"{context.FunctionDefinition.Name} is not an HTTP function: HTTP middleware is selected with UseWhen(HttpInvocations.Are).");
}

/// <summary>Every line written during an invocation carries its id: the host's, for HTTP and timers alike.</summary>
internal sealed class InvocationLogScope(ILogger<InvocationLogScope> logger) : IFunctionsWorkerMiddleware, IDeclaresAnswers
{
    public static IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function) => [];

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        using (LogScopes.Invocation(logger, context.InvocationId))
        {
            await next(context);
        }
    }
}

/// <summary>
/// Nothing a caller sends is a 500, and nothing the app fails at is a bare one. What a function throws
/// is answered here (storage trouble just inside, by Storage's own middleware): a request ASP.NET Core
/// could not read is the 4xx it is; anything else is a 500 problem, logged. A bare error status (no
/// body) becomes problem details. HTTP only: timers' failures are left to the host, which logs them and
/// runs the timer again on schedule.
/// </summary>
internal sealed partial class ErrorAnswers(ILogger<ErrorAnswers> logger) : IFunctionsWorkerMiddleware, IDeclaresAnswers
{
    public static IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function) =>
    [
        DeclaredAnswer.Problem(StatusCodes.Status500InternalServerError, "Something went wrong on our side; the failure is logged."),
    ];

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = HttpInvocations.Request(context);
        try
        {
            await next(context);
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            http.Response.Clear();
            FunctionAnswers.Answer(context, Answer(http, e, context.FunctionDefinition.Name));
            return;
        }

        if (context.GetInvocationResult().Value is IStatusCodeHttpResult { StatusCode: >= 400 and var status } bare
            and not IValueHttpResult and not IContentTypeHttpResult)
        {
            FunctionAnswers.Answer(context, TypedResults.Problem(statusCode: status));
        }
    }

    private IResult Answer(HttpContext http, Exception exception, string function)
    {
        switch (exception)
        {
            case BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge }:
                return RequestLimits.TooLarge();
            case BadHttpRequestException e:
                return TypedResults.Problem(title: "The request could not be read.", statusCode: e.StatusCode is >= 400 and < 500 ? e.StatusCode : StatusCodes.Status400BadRequest);
            case InvalidDataException:
                return TypedResults.Problem(title: "The request's form could not be read.", statusCode: StatusCodes.Status400BadRequest);
            case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                return TypedResults.Problem(title: "The request was cancelled.", statusCode: 499);
            case OperationCanceledException:
                // The host cancelled the invocation (it is stopping, or the function ran past its time):
                // nothing the caller sent was wrong, and trying again later is the right move.
                Cancelled(logger, function);
                http.Response.Headers.RetryAfter = "30";
                return TypedResults.Problem(title: "The service is restarting.", detail: "Nothing was wrong with the request. Try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable);
            default:
                Failed(logger, exception, function);
                return TypedResults.Problem(title: "Something went wrong on our side.", detail: "The failure is logged. Try again later.", statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    [LoggerMessage(EventId = 102, Level = LogLevel.Error, Message = "Function {FunctionName} failed")]
    private static partial void Failed(ILogger logger, Exception exception, string functionName);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Function {FunctionName} was cancelled by the host")]
    private static partial void Cancelled(ILogger logger, string functionName);
}

/// <summary>
/// Bodies are bounded for every function (<see cref="RequestLimits.MaxRequestBytes"/>): a larger one is
/// 413 problem details, refused by its <c>Content-Length</c> before a byte is read, or by the server when
/// a chunked body grows past it.
/// </summary>
internal sealed class RequestSizeLimit : IFunctionsWorkerMiddleware, IDeclaresAnswers
{
    public static IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function) =>
        [DeclaredAnswer.Problem(StatusCodes.Status413PayloadTooLarge, $"The body is larger than {RequestLimits.MaxRequestBytes:N0} bytes.")];

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = HttpInvocations.Request(context);
        if (http.Request.ContentLength > RequestLimits.MaxRequestBytes)
        {
            FunctionAnswers.Answer(context, RequestLimits.TooLarge());
            return Task.CompletedTask;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = RequestLimits.MaxRequestBytes;
        }

        return next(context);
    }
}

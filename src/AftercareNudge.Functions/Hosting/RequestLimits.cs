using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace AftercareNudge.Hosting;

/// <summary>
/// Nothing a caller sends is a 500. Bodies are bounded for every route (<see cref="MaxRequestBytes"/>:
/// room for SendGrid's largest signed batch; the JSON API routes hold theirs to 64 KiB): a larger one is
/// 413 problem details, refused by its <c>Content-Length</c> before a byte is read, or by Kestrel when a
/// chunked body grows past it. What ASP.NET Core itself refuses while reading a request (a body cut
/// short, a form it cannot parse, JSON a minimal-API parameter cannot bind) is a 4xx problem too.
/// </summary>
public static class RequestLimits
{
    public const long MaxRequestBytes = 1024 * 1024 + 64 * 1024;

    public static IServiceCollection AddRequestLimits(this IServiceCollection services)
    {
        services.AddExceptionHandler<BadRequestHandler>();
        return services;
    }

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.ContentLength > MaxRequestBytes)
        {
            await TooLarge().ExecuteAsync(http);
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = MaxRequestBytes;
        }

        await next(http);
    });

    internal static IResult TooLarge() => TypedResults.Problem(
        title: "The request body is too large.",
        detail: $"Bodies are limited to {MaxRequestBytes:N0} bytes.",
        statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>Exceptions that say the request was bad, not the app: answered as the 4xx they are.</summary>
    private sealed class BadRequestHandler : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var result = exception switch
            {
                BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => TooLarge(),
                BadHttpRequestException e => TypedResults.Problem(title: "The request could not be read.", statusCode: e.StatusCode is >= 400 and < 500 ? e.StatusCode : StatusCodes.Status400BadRequest),
                InvalidDataException => TypedResults.Problem(title: "The request's form could not be read.", statusCode: StatusCodes.Status400BadRequest),
                _ => null,
            };
            if (result is null || httpContext.Response.HasStarted)
            {
                return false;
            }

            await result.ExecuteAsync(httpContext);
            return true;
        }
    }
}

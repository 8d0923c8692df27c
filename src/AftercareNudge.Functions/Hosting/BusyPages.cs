using System.Globalization;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Hosting;

/// <summary>
/// The consent and unsubscribe pages are opened by people, in a browser, from an email: when the app
/// is too busy (429) or its storage is unreachable (503) they get a short, calm page in the pages' own
/// layout and headers, with <c>Retry-After</c>, never problem JSON. The RFC 8058 one-click POST, which a
/// mail provider's server makes, gets the same page: any 4xx/5xx tells it to try again.
/// </summary>
public static class BusyPages
{
    /// <summary>Whether the function serves a person's page (<see cref="PersonPageAttribute"/>).</summary>
    public static bool IsPage(FunctionContext context) => FunctionMethods.Has<PersonPageAttribute>(context);

    /// <inheritdoc cref="IsPage(FunctionContext)"/>
    public static bool IsPage(DescribedFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return function.Has<PersonPageAttribute>();
    }

    public static IResult TooManyRequests(HttpContext http, int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Pages.ShowNotice(
            http,
            StatusCodes.Status429TooManyRequests,
            new NoticePageModel(
                "Please try again in a moment",
                [
                    "This page has been asked for many times in the last minute, so we are pausing for a little while.",
                    $"Nothing was recorded. Please wait {Wait(retryAfterSeconds)} and then reload the page or open the link in your email again.",
                ]));
    }

    public static IResult Unavailable(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.RetryAfter = "30";
        return Pages.ShowNotice(
            http,
            StatusCodes.Status503ServiceUnavailable,
            new NoticePageModel(
                "Please try again in a moment",
                [
                    "We cannot reach our records just now. This is on our side, not yours.",
                    "If you pressed a button, your answer may not have been recorded: please wait half a minute and then reload the page or open the link in your email again.",
                ]));
    }

    private static string Wait(int seconds) => seconds <= 60 ? "a minute" : $"{(seconds + 59) / 60} minutes";
}

using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using AftercareNudge.Hosting;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Security;

/// <summary>
/// <c>RateLimits__*</c>: requests per minute. Management routes are limited per client (its API key),
/// the public pages per caller IP, the provider webhooks per caller IP too but far more generously:
/// Twilio and SendGrid post from a few addresses, and a lost status callback costs more than a busy
/// minute.
/// </summary>
public sealed class RateLimitOptions
{
    public int ClientPerMinute { get; set; } = 120;

    public int PublicPerMinute { get; set; } = 30;

    public int WebhookPerMinute { get; set; } = 3000;

    public IEnumerable<string> Problems()
    {
        foreach (var (name, value) in new[] { ("ClientPerMinute", ClientPerMinute), ("PublicPerMinute", PublicPerMinute), ("WebhookPerMinute", WebhookPerMinute) })
        {
            if (value < 1)
            {
                yield return $"RateLimits:{name} must be at least 1 (requests per minute).";
            }
        }
    }
}

/// <summary>
/// Abuse limits: each HTTP function declares which it counts against (<see cref="RateLimitedAttribute"/>,
/// read by <see cref="RateLimitCheck"/> and by the OpenAPI document), and this says against whom each
/// counts. A caller over its limit gets 429 problem details with <c>Retry-After</c> (a page for the
/// browser's pages). Liveness, the API's own document, the timers and the development routes are not
/// limited: the development routes exist only on a developer's machine (the outbox), where a
/// walk-through's polling of the outbox must not use up the consent page's minute.
/// </summary>
public static class RateLimits
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    internal static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddValidatedOptions<RateLimitOptions>((o, c) => c.GetSection("RateLimits").Bind(o), o => o.Problems());
        services.AddSingleton<RequestLimiter>();
        return services;
    }

    public enum Limited
    {
        None,
        Management,
        Webhook,
        Public,
    }

    /// <summary>A request and the limit its function declares (<see cref="RateLimitedAttribute"/>).</summary>
    internal readonly record struct LimitedRequest(HttpContext Http, Limited Limit);

    /// <summary>What a function declares; none declared is a mistake the tests catch, and counts as no limit.</summary>
    internal static Limited Of(System.Reflection.MethodInfo function) =>
        System.Reflection.CustomAttributeExtensions.GetCustomAttribute<RateLimitedAttribute>(function)?.Limit ?? Limited.None;

    /// <summary>The partition a request counts against, and its limit; none for a function that declares none.</summary>
    internal static RateLimitPartition<string> Partition(HttpContext http, Limited limited, RateLimitOptions options, ApiKeyOptions keys)
    {
        switch (limited)
        {
            case Limited.Management:
                var client = ApiKeyExtensions.FindClient(keys, http.Request.Headers[ApiKeyExtensions.HeaderName].ToString());

                // Without a valid key the request is refused anyway; it still counts, against its address.
                return client is null
                    ? Fixed("unauthenticated:" + CallerAddress(http), options.PublicPerMinute)
                    : Fixed("client:" + client.Id, options.ClientPerMinute);
            case Limited.Webhook:
                return Fixed("webhook:" + CallerAddress(http), options.WebhookPerMinute);
            case Limited.Public:
                return Fixed("public:" + CallerAddress(http), options.PublicPerMinute);
            default:
                return RateLimitPartition.GetNoLimiter("unlimited");
        }
    }

    private static RateLimitPartition<string> Fixed(string key, int perMinute) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = perMinute,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        });

    /// <summary>
    /// Who is calling. Under the Functions host every request arrives from the host on loopback, with the
    /// caller in <c>X-Forwarded-For</c>: the last address there is the one Azure's front end added (anything
    /// before it the caller could have written). Run alone, the connection's own address.
    /// </summary>
    internal static string CallerAddress(HttpContext http)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (remote is null || IPAddress.IsLoopback(remote))
        {
            var forwarded = http.Request.Headers["X-Forwarded-For"].ToString();
            var last = forwarded.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            if (last is not null && IPEndPoint.TryParse(last, out var endpoint))
            {
                return endpoint.Address.ToString();
            }
        }

        return remote?.ToString() ?? "unknown";
    }

    /// <summary>The app's one limiter: every instance of the app keeps its own count.</summary>
    internal sealed class RequestLimiter(IOptions<RateLimitOptions> options, IOptions<ApiKeyOptions> keys) : IDisposable
    {
        public PartitionedRateLimiter<LimitedRequest> Limiter { get; } =
            PartitionedRateLimiter.Create<LimitedRequest, string>(r => Partition(r.Http, r.Limit, options.Value, keys.Value));

        public void Dispose() => Limiter.Dispose();
    }

    internal static async Task RejectAsync(HttpContext http, Limited limited, RateLimitLease lease, bool page, ILogger logger)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        RateLimitLog.Rejected(logger, limited);
        if (page)
        {
            await BusyPages.TooManyRequests(http, seconds).ExecuteAsync(http);
            return;
        }

        await TypedResults.Problem(
            title: "Too many requests.",
            detail: $"Slow down: try again in {seconds} seconds.",
            statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(http);
    }
}

/// <summary>Rate limit log messages (event ids 900-909): which kind of route, never who, nor the path (it may hold a link token).</summary>
internal static partial class RateLimitLog
{
    [LoggerMessage(EventId = 900, Level = LogLevel.Warning, Message = "Rate limit reached on a {Routes} route")]
    public static partial void Rejected(ILogger logger, RateLimits.Limited routes);
}

/// <summary>Every HTTP function's request counts against the limit its function declares; over it, 429.</summary>
internal sealed class RateLimitCheck(RateLimits.RequestLimiter limiter, ILogger<RateLimitCheck> logger) : IFunctionsWorkerMiddleware, IDeclaresAnswers
{
    public static IEnumerable<DeclaredAnswer> AnswersFor(DescribedFunction function) =>
        RateLimits.Of(function.Method) == RateLimits.Limited.None ? []
        : BusyPages.IsPage(function) ? [DeclaredAnswer.Page(StatusCodes.Status429TooManyRequests, "Too many requests in the last minute: a page asking to wait.", retryAfter: true)]
        : [DeclaredAnswer.Problem(StatusCodes.Status429TooManyRequests, "Too many requests in the last minute: wait as long as Retry-After says.", retryAfter: true)];

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = HttpInvocations.Request(context);
        var limited = FunctionMethods.Get<RateLimitedAttribute>(context)?.Limit ?? RateLimits.Limited.None;
        var lease = limiter.Limiter.AttemptAcquire(new RateLimits.LimitedRequest(http, limited));
        if (!lease.IsAcquired)
        {
            var page = BusyPages.IsPage(context);
            FunctionAnswers.Answer(context, FunctionAnswers.Of(async h =>
            {
                using (lease)
                {
                    await RateLimits.RejectAsync(h, limited, lease, page, logger);
                }
            }));
            return Task.CompletedTask;
        }

        lease.Dispose();
        return next(context);
    }
}

/// <summary>
/// Which rate limit a function's requests count against (see <see cref="RateLimits"/>):
/// every HTTP function says so, <see cref="RateLimits.Limited.None"/> included.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RateLimitedAttribute(RateLimits.Limited limit) : Attribute
{
    public RateLimits.Limited Limit { get; } = limit;
}

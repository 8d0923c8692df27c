using System.Text.Json;
using FunctionsLocalHost.Rpc;

namespace FunctionsLocalHost;

/// <summary>
/// HTTP functions as the host serves them: each function's route template (constraints included) under
/// host.json's route prefix, for its methods, matched by ASP.NET Core routing (no match: 404). A matched
/// request becomes an invocation (route values and query in its trigger metadata) and is forwarded
/// unchanged to the worker's own web server, which answers it; the answer is passed back once the
/// invocation has finished, and is a 500 if the invocation failed or timed out.
/// </summary>
public sealed partial class HttpTriggers(Invocations invocations, HttpClient worker, Uri workerUri, ILogger<HttpTriggers> logger)
{
    /// <summary>Headers that belong to one connection, never forwarded.</summary>
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
    };

    public static string Pattern(HostSettings settings, HttpFunction function)
    {
        var route = function.Route.Trim('/');
        return "/" + (settings.RoutePrefix.Length == 0 ? route : settings.RoutePrefix + "/" + route);
    }

    /// <summary>
    /// The host answers a path that no function serves for that method with 404, not ASP.NET Core
    /// routing's 405 (Azure/azure-functions-host#10098).
    /// </summary>
    public static Task NotFoundForOtherMethods(HttpContext http, RequestDelegate next)
    {
        if (http.GetEndpoint()?.DisplayName == "405 HTTP Method Not Supported")
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        return next(http);
    }

    /// <summary>
    /// At <c>/</c>, when no function runs there (none matches the path and method), the real host answers
    /// its own home page, or 204 No Content when the app setting <c>AzureWebJobsDisableHomepage</c> is
    /// <c>true</c> (HomepageMiddleware in azure-functions-host), whatever the method. This host answers
    /// the same 204, and in place of Azure's home page a short page of its own saying that it runs.
    /// </summary>
    public static Func<HttpContext, RequestDelegate, Task> Homepage(bool disabled) => (http, next) =>
    {
        if (http.Request.Path.Value != "/" || http.GetEndpoint()?.Metadata.GetMetadata<HttpFunction>() is not null)
        {
            return next(http);
        }

        if (disabled)
        {
            http.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/html; charset=utf-8";
        return http.Response.WriteAsync(HomepageText, http.RequestAborted);
    };

    /// <summary>Whether the app settings turn the home page off, read as the real host reads them: <c>true</c> in any case.</summary>
    public static bool HomepageDisabled(AppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return string.Equals(settings["AzureWebJobsDisableHomepage"], bool.TrueString, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What this host shows where Azure shows its home page.</summary>
    public const string HomepageText =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Functions host</title></head>"
        + "<body><p>The local Functions host is running. No function serves this page; in Azure the Functions host "
        + "shows its home page here unless the app setting AzureWebJobsDisableHomepage is true.</p></body></html>";

    public void Map(IEndpointRouteBuilder endpoints, HostSettings settings, IEnumerable<HttpFunction> functions)
    {
        foreach (var function in functions)
        {
            var pattern = Pattern(settings, function);
            var endpoint = function.Methods.Count == 0
                ? endpoints.Map(pattern, http => HandleAsync(http, function))
                : endpoints.MapMethods(pattern, function.Methods, http => HandleAsync(http, function));
            endpoint.WithDisplayName(function.Name).WithMetadata(function);
        }
    }

    private async Task HandleAsync(HttpContext http, HttpFunction function)
    {
        var invocationId = Invocations.NewId();
        var request = new InvocationRequest { InvocationId = invocationId, FunctionId = function.Id };
        request.InputData.Add(new ParameterBinding { Name = function.TriggerParameter, Data = new TypedData { Http = new RpcHttp() } });
        foreach (var (name, value) in http.Request.RouteValues)
        {
            if (value is not null)
            {
                request.TriggerMetadata[name] = new TypedData { String = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) };
            }
        }

        request.TriggerMetadata["Query"] = new TypedData { Json = JsonSerializer.Serialize(http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString())) };

        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var invocation = invocations.InvokeAsync(request, http.RequestAborted);
        var body = await ReadBodyAsync(http.Request, http.RequestAborted);
        var forwarded = ForwardAsync(http, invocationId, body, forwarding.Token);

        var outcome = await invocation;
        if (!outcome.Succeeded)
        {
            await forwarding.CancelAsync();
            Log.Failed(logger, function.Name, invocationId, outcome.Error ?? "no reason given");
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            _ = forwarded.ContinueWith(t => { if (t.IsCompletedSuccessfully) { t.Result?.Dispose(); } }, TaskScheduler.Default);
            return;
        }

        using var response = await forwarded;
        if (response is null)
        {
            http.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        http.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(header.Key))
            {
                http.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>
    /// The request as it came, to the worker's server, with the invocation id. The worker's server may not
    /// listen yet when the stream is up, so a refused connection is tried again (as the real host's proxy does).
    /// </summary>
    private async Task<HttpResponseMessage?> ForwardAsync(HttpContext http, string invocationId, byte[] body, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            using var message = new HttpRequestMessage(new HttpMethod(http.Request.Method), new Uri(workerUri, http.Request.Path + http.Request.QueryString));
            message.Content = new ByteArrayContent(body);
            foreach (var (name, values) in http.Request.Headers)
            {
                if (HopByHop.Contains(name))
                {
                    continue;
                }

                if (!message.Headers.TryAddWithoutValidation(name, values.ToArray()))
                {
                    message.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
                }
            }

            message.Headers.Host = http.Request.Host.Value;
            message.Headers.TryAddWithoutValidation("x-ms-invocation-id", invocationId);
            if (http.Connection.RemoteIpAddress is { } caller)
            {
                message.Headers.TryAddWithoutValidation("X-Forwarded-For", caller.ToString());
            }

            try
            {
                // The whole answer is read before the invocation's outcome is known: the worker finishes
                // writing it before it reports the invocation, and a failed invocation must become a 500.
                return await worker.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && attempt < 10)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                Log.ForwardFailed(logger, invocationId, e.Message);
                return null;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Error, "Function {Function} failed (invocation {InvocationId}): {Reason}")]
        public static partial void Failed(ILogger logger, string function, string invocationId, string reason);

        [LoggerMessage(21, LogLevel.Warning, "The worker did not answer invocation {InvocationId}'s request: {Reason}")]
        public static partial void ForwardFailed(ILogger logger, string invocationId, string reason);
    }
}

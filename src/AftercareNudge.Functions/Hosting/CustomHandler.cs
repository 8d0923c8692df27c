namespace AftercareNudge.Hosting;

/// <summary>
/// The Azure Functions custom-handler contract. Under the Functions host the app listens on
/// 127.0.0.1:<c>FUNCTIONS_CUSTOMHANDLER_PORT</c>, the host owns the timers and forwards HTTP requests
/// as they are. Run alone, it listens on 127.0.0.1:7071 (or <c>--urls</c> / <c>ASPNETCORE_URLS</c>) and
/// fires its own timers.
/// </summary>
internal static class CustomHandler
{
    public const string PortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";
    public const string DefaultLocalUrl = "http://127.0.0.1:7071";

    public static bool IsUnderFunctionsHost(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration[PortVariable]);

    public static WebApplicationBuilder UseFunctionsHostingModel(this WebApplicationBuilder builder)
    {
        if (builder.Environment.EnvironmentName != "Testing")
        {
            builder.Configuration.AddLocalSettings(builder.Environment.ContentRootPath);
        }

        var port = builder.Configuration[PortVariable];
        if (!string.IsNullOrEmpty(port))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultLocalUrl);
        }

        builder.Services.AddTimerFunctions(runInProcess: !IsUnderFunctionsHost(builder.Configuration));
        return builder;
    }

    /// <summary>The host polls <c>GET /</c> until it answers; answer at once, whatever else is starting.</summary>
    public static void MapFunctionsHostingModel(this WebApplication app)
    {
        app.MapGet("/", () => TypedResults.Ok(new { service = "AftercareNudge" })).ExcludeFromDescription();
        app.MapTimerFunctions();
    }
}

using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using OpenTelemetry;
using OpenTelemetry.Resources;

namespace AftercareNudge.Hosting;

/// <summary>
/// Where the logs go and what every line carries. Always the Functions host (the worker's logs go to it
/// over its connection), with scopes: the invocation id (see <see cref="InvocationLogScope"/>), and the
/// event / check-in ids of the operation in hand. With <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set, Application Insights too,
/// authenticated with the app's managed identity when <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>
/// says <c>Authorization=AAD</c>.
/// </summary>
internal static class Telemetry
{
    public const string ConnectionStringVariable = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringVariable = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>The name of the exporter's options (<c>IOptionsMonitor&lt;AzureMonitorExporterOptions&gt;.Get(ExporterName)</c>).</summary>
    public const string ExporterName = "AftercareNudge";

    /// <summary>
    /// Framework categories whose lines carry the request path (consent and unsubscribe links hold
    /// their token there), held to a level where they say nothing, whatever level the rest is at.
    /// </summary>
    internal static readonly (string Category, LogLevel Level)[] PathCarryingCategories =
    [
        // "Request starting GET /api/consent/{token}", and a RequestPath scope around every line of the request.
        ("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None),

        // Debug: "1 candidate(s) found for the request path '/api/consent/{token}'".
        ("Microsoft.AspNetCore.Routing.Matching", LogLevel.Information),
    ];

    internal static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder)
    {
        foreach (var (category, level) in PathCarryingCategories)
        {
            builder.Logging.AddFilter(category, level);
        }

        var connectionString = builder.Configuration[ConnectionStringVariable];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            builder.AddApplicationInsights(connectionString, ReadAuthentication(builder.Configuration[AuthenticationStringVariable]));
        }

        return builder;
    }

    private static void AddApplicationInsights(this IHostApplicationBuilder builder, string connectionString, TelemetryAuthentication? authentication)
    {
        // The exporter also reports on itself (SDK statistics, to Microsoft and to the resource, looking
        // up the VM metadata service for them): this app's telemetry is its own logs and nothing else.
        // The exporter reads these switches from the environment only; an operator's own value stands.
        foreach (var variable in (string[])["APPLICATIONINSIGHTS_STATSBEAT_DISABLED", "APPLICATIONINSIGHTS_SDKSTATS_DISABLED"])
        {
            if (Environment.GetEnvironmentVariable(variable) is null)
            {
                Environment.SetEnvironmentVariable(variable, "true");
            }
        }

        builder.Services.AddOptions<AzureMonitorExporterOptions>(ExporterName).Configure(o =>
        {
            o.ConnectionString = connectionString;
            o.Credential = authentication?.Credential();

            // Live Metrics needs the trace pipeline, which this app does not send: logs only.
            o.EnableLiveMetrics = false;
        });

        // The worker's own telemetry package: it tells the host that the worker sends its telemetry
        // itself, so the host does not send the same log lines again (and names the app's resource).
        builder.Services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .ConfigureResource(r => r.AddService(builder.Configuration["WEBSITE_SITE_NAME"] ?? "AftercareNudge"))
            .WithLogging(
                logging => logging.AddAzureMonitorLogExporter(name: ExporterName),
                options =>
                {
                    options.IncludeScopes = true;
                    options.IncludeFormattedMessage = true;
                });
    }

    /// <summary>
    /// Reads <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>: unset means the connection string's key
    /// alone; <c>Authorization=AAD</c> (optionally <c>;ClientId=…</c> for a user-assigned identity)
    /// means Microsoft Entra ID. Anything else stops the start, rather than sending nothing.
    /// </summary>
    internal static TelemetryAuthentication? ReadAuthentication(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        string? authorization = null;
        string? clientId = null;
        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length == 2 && pair[0].Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                authorization = pair[1];
            }
            else if (pair.Length == 2 && pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase) && pair[1].Length > 0)
            {
                clientId = pair[1];
            }
        }

        return string.Equals(authorization, "AAD", StringComparison.OrdinalIgnoreCase)
            ? new TelemetryAuthentication(clientId)
            : throw new InvalidOperationException(
                $"{AuthenticationStringVariable} must be 'Authorization=AAD' (with ';ClientId=<client id>' for a user-assigned identity), or not set at all to use the connection string's key.");
    }
}

/// <summary>Microsoft Entra ID authentication for Application Insights: the app's managed identity (or, locally, whoever is signed in).</summary>
/// <param name="ClientId">A user-assigned identity's client id; null for the system-assigned one.</param>
internal sealed record TelemetryAuthentication(string? ClientId)
{
    public TokenCredential Credential() =>
        new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = ClientId });
}

/// <summary>Logging scopes: every line inside one carries its values as structured properties.</summary>
internal static class LogScopes
{
    private static readonly Func<ILogger, string, IDisposable?> InvocationScope =
        LoggerMessage.DefineScope<string>("Invocation {InvocationId}");

    private static readonly Func<ILogger, string, IDisposable?> EventScope =
        LoggerMessage.DefineScope<string>("Event {EventId}");

    private static readonly Func<ILogger, string, string, IDisposable?> CheckInScope =
        LoggerMessage.DefineScope<string, string>("Check-in {EventId}/{CheckInId}");

    public static IDisposable? Invocation(ILogger logger, string invocationId) => InvocationScope(logger, invocationId);

    public static IDisposable? Event(ILogger logger, string eventId) => EventScope(logger, eventId);

    public static IDisposable? CheckIn(ILogger logger, string eventId, string checkInId) => CheckInScope(logger, eventId, checkInId);
}

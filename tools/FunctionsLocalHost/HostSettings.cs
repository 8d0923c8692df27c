using System.Text.Json;

namespace FunctionsLocalHost;

/// <summary>What this host reads from the app's host.json: the HTTP route prefix and the function timeout.</summary>
public sealed record HostSettings(string RoutePrefix, TimeSpan FunctionTimeout)
{
    /// <summary>The real host's default on Flex Consumption when host.json sets none.</summary>
    public static readonly TimeSpan DefaultFunctionTimeout = TimeSpan.FromMinutes(30);

    public static HostSettings Read(string appDirectory)
    {
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"There is no host.json in {appDirectory}: point the local host at the app's build or publish folder.");
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = json.RootElement;
        var prefix = "api";
        if (root.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("http", out var http) && http.TryGetProperty("routePrefix", out var routePrefix))
        {
            prefix = routePrefix.GetString() ?? "";
        }

        var timeout = DefaultFunctionTimeout;
        if (root.TryGetProperty("functionTimeout", out var value) && value.GetString() is { } text)
        {
            timeout = TimeSpan.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        }

        return new HostSettings(prefix.Trim('/'), timeout);
    }
}

using System.Globalization;
using System.Text.Json;

namespace FunctionsLocalHost;

/// <summary>What this host reads from the app's host.json: the HTTP route prefix, the function timeout and the queue settings.</summary>
public sealed record HostSettings(string RoutePrefix, TimeSpan FunctionTimeout)
{
    /// <summary>The real host's default on Flex Consumption when host.json sets none.</summary>
    public static readonly TimeSpan DefaultFunctionTimeout = TimeSpan.FromMinutes(30);

    /// <summary>host.json's <c>extensions.queues</c>, with the queue extension's defaults for what it leaves out.</summary>
    public QueueSettings Queues { get; init; } = new();

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
        if (Section(root, "extensions") is { } extensions && Section(extensions, "http") is { } http && http.TryGetProperty("routePrefix", out var routePrefix))
        {
            prefix = routePrefix.GetString() ?? "";
        }

        var timeout = DefaultFunctionTimeout;
        if (root.TryGetProperty("functionTimeout", out var value) && value.GetString() is { } text)
        {
            timeout = TimeSpan.Parse(text, CultureInfo.InvariantCulture);
        }

        var queues = Section(root, "extensions") is { } e && Section(e, "queues") is { } q ? QueueSettings.Read(q) : new QueueSettings();
        return new HostSettings(prefix.Trim('/'), timeout) { Queues = queues };
    }

    private static JsonElement? Section(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var found) && found.ValueKind == JsonValueKind.Object ? found : null;
}

/// <summary>
/// host.json's <c>extensions.queues</c>. The defaults and limits are the queue extension's own
/// (QueuesOptions and QueuePollingIntervals in Microsoft.Azure.WebJobs.Extensions.Storage.Queues).
/// </summary>
public sealed record QueueSettings
{
    /// <summary>The shortest wait between polls of an empty queue; the back-off starts here.</summary>
    public static readonly TimeSpan MinimumPollingInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Messages fetched at once (1-32).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>A new batch is fetched once no more than this many are in flight (default: half a batch per processor).</summary>
    public int NewBatchThreshold { get; init; } = 16 / 2 * Environment.ProcessorCount;

    /// <summary>The longest wait between polls of a queue that stays empty.</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a message that failed stays hidden before it is tried again.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>Tries before a message moves to the poison queue.</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>Whether message bodies are base64 on the wire (the default) or plain text (<c>none</c>).</summary>
    public bool Base64 { get; init; } = true;

    internal static QueueSettings Read(JsonElement queues)
    {
        var settings = new QueueSettings();
        var batchSize = Int(queues, "batchSize") ?? settings.BatchSize;
        if (batchSize is < 1 or > 32)
        {
            throw new InvalidOperationException($"host.json extensions.queues.batchSize is {batchSize}: it must be between 1 and 32.");
        }

        var threshold = Int(queues, "newBatchThreshold") ?? batchSize / 2 * Environment.ProcessorCount;
        var maxPolling = Time(queues, "maxPollingInterval") ?? settings.MaxPollingInterval;
        if (maxPolling < MinimumPollingInterval)
        {
            throw new InvalidOperationException($"host.json extensions.queues.maxPollingInterval is {maxPolling}: it must not be less than {MinimumPollingInterval}.");
        }

        var maxDequeueCount = Int(queues, "maxDequeueCount") ?? settings.MaxDequeueCount;
        if (maxDequeueCount < 1 || threshold < 0)
        {
            throw new InvalidOperationException("host.json extensions.queues: maxDequeueCount must be at least 1 and newBatchThreshold not negative.");
        }

        var encoding = queues.TryGetProperty("messageEncoding", out var e) ? e.GetString() : null;
        if (encoding is not null && !encoding.Equals("base64", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"host.json extensions.queues.messageEncoding is '{encoding}': it must be 'base64' or 'none'.");
        }

        return new QueueSettings
        {
            BatchSize = batchSize,
            NewBatchThreshold = threshold,
            MaxPollingInterval = maxPolling,
            VisibilityTimeout = Time(queues, "visibilityTimeout") ?? settings.VisibilityTimeout,
            MaxDequeueCount = maxDequeueCount,
            Base64 = encoding is null || encoding.Equals("base64", StringComparison.OrdinalIgnoreCase),
        };
    }

    private static int? Int(JsonElement section, string name) =>
        section.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.Number ? value.GetInt32() : int.Parse(value.GetString()!, CultureInfo.InvariantCulture) : null;

    private static TimeSpan? Time(JsonElement section, string name) =>
        section.TryGetProperty(name, out var value) && value.GetString() is { } text ? TimeSpan.Parse(text, CultureInfo.InvariantCulture) : null;
}

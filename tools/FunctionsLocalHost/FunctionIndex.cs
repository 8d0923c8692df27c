using System.Text.Json;
using FunctionsLocalHost.Rpc;

namespace FunctionsLocalHost;

/// <summary>An HTTP-triggered function: its route template (without the prefix; none or empty: its name), methods (empty: any) and trigger parameter.</summary>
public sealed record HttpFunction(string Name, string Id, string Route, IReadOnlyList<string> Methods, string TriggerParameter);

/// <summary>A timer-triggered function: its schedule (six-field NCRONTAB or a TimeSpan) and trigger parameter.</summary>
public sealed record TimerFunction(string Name, string Id, string Schedule, string TriggerParameter, bool RunOnStartup);

/// <summary>
/// A queue-triggered function: its queue name as declared (it may hold <c>%setting%</c> expressions), the
/// name of the setting that holds its storage connection (none: AzureWebJobsStorage) and trigger parameter.
/// </summary>
public sealed record QueueFunction(string Name, string Id, string QueueName, string? Connection, string TriggerParameter);

/// <summary>The functions the worker reported, by trigger. Other triggers are listed and never fired.</summary>
public sealed record FunctionIndex(IReadOnlyList<HttpFunction> Http, IReadOnlyList<TimerFunction> Timers, IReadOnlyList<QueueFunction> Queues, IReadOnlyList<string> Unsupported)
{
    public static FunctionIndex From(IEnumerable<RpcFunctionMetadata> functions)
    {
        var http = new List<HttpFunction>();
        var timers = new List<TimerFunction>();
        var queues = new List<QueueFunction>();
        var unsupported = new List<string>();
        foreach (var function in functions)
        {
            var trigger = function.RawBindings
                .Select(raw => JsonDocument.Parse(raw).RootElement)
                .FirstOrDefault(b => Text(b, "type") is { } type && type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));
            switch (trigger.ValueKind == JsonValueKind.Object ? Text(trigger, "type")?.ToLowerInvariant() : null)
            {
                case "httptrigger":
                    var methods = trigger.TryGetProperty("methods", out var m) && m.ValueKind == JsonValueKind.Array
                        ? m.EnumerateArray().Select(x => x.GetString()!.ToUpperInvariant()).ToList()
                        : [];
                    // An empty route is the function's name, as the real host maps it (WebScriptHostHttpRoutesManager):
                    // a route of "" never serves the root.
                    var route = Text(trigger, "route") is { Length: > 0 } declared ? declared : function.Name;
                    http.Add(new HttpFunction(function.Name, function.FunctionId, route, methods, Text(trigger, "name")!));
                    break;
                case "timertrigger":
                    var runOnStartup = trigger.TryGetProperty("runOnStartup", out var r) && r.ValueKind == JsonValueKind.True;
                    timers.Add(new TimerFunction(function.Name, function.FunctionId, Text(trigger, "schedule")!, Text(trigger, "name")!, runOnStartup));
                    break;
                case "queuetrigger":
                    queues.Add(new QueueFunction(function.Name, function.FunctionId, Text(trigger, "queueName")!, Text(trigger, "connection"), Text(trigger, "name")!));
                    break;
                default:
                    unsupported.Add(function.Name);
                    break;
            }
        }

        return new FunctionIndex(http, timers, queues, unsupported);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

using System.Text.Json;
using System.Text.Json.Serialization;
using Cronos;

namespace AftercareNudge.Hosting;

/// <summary>A timer-triggered function: its name is its folder (and <c>function.json</c>) next to the executable.</summary>
public interface ITimerFunction
{
    string Name { get; }

    /// <summary>Runs once. Returns log lines for the host: counts and ids only, never personal data.</summary>
    Task<IReadOnlyList<string>> RunAsync(TimerInfo timer, CancellationToken cancellationToken);
}

/// <summary>What the host says about one firing (the <c>timer</c> binding's data).</summary>
public sealed record TimerInfo(bool IsPastDue, TimerScheduleStatus? ScheduleStatus);

public sealed record TimerScheduleStatus(DateTimeOffset? Last, DateTimeOffset? Next, DateTimeOffset? LastUpdated);

/// <summary>The custom handler's answer to an invocation; the host reads these exact property names.</summary>
internal sealed record InvocationResult(
    [property: JsonPropertyName("Outputs")] Dictionary<string, object?> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue")] object? ReturnValue);

internal static class TimerFunctions
{
    private static readonly JsonSerializerOptions PayloadJson = new() { PropertyNameCaseInsensitive = true };

    public static IServiceCollection AddTimerFunctions(this IServiceCollection services, bool runInProcess)
    {
        if (runInProcess)
        {
            services.AddHostedService<InProcessTimerScheduler>();
        }

        return services;
    }

    /// <summary>The host fires a timer as <c>POST /{FunctionName}</c> with its invocation payload.</summary>
    public static void MapTimerFunctions(this WebApplication app)
    {
        foreach (var function in app.Services.GetServices<ITimerFunction>())
        {
            var name = function.Name;
            app.MapPost("/" + name, async (HttpRequest request, IEnumerable<ITimerFunction> functions, CancellationToken cancellationToken) =>
            {
                var timer = await ReadTimerInfoAsync(request, cancellationToken);
                var logs = await functions.Single(f => f.Name == name).RunAsync(timer, cancellationToken);
                return TypedResults.Json(new InvocationResult([], logs, null), contentType: "application/json");
            }).ExcludeFromDescription();
        }
    }

    /// <summary>Reads <c>{ "Data": { "timer": {...} }, "Metadata": {...} }</c>; a missing or odd payload is a plain firing.</summary>
    internal static async Task<TimerInfo> ReadTimerInfoAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && TryGetProperty(document.RootElement, "Data", out var data)
                && data.ValueKind == JsonValueKind.Object)
            {
                foreach (var binding in data.EnumerateObject())
                {
                    if (binding.Value.ValueKind == JsonValueKind.Object)
                    {
                        return ReadTimer(binding.Value);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // The host always sends JSON; anything else still means "run now".
        }

        return new TimerInfo(false, null);
    }

    /// <summary>Each part on its own, so that a schedule status the host wrote oddly does not lose <c>IsPastDue</c>.</summary>
    private static TimerInfo ReadTimer(JsonElement timer)
    {
        var isPastDue = TryGetProperty(timer, "IsPastDue", out var pastDue) && pastDue.ValueKind == JsonValueKind.True;
        TimerScheduleStatus? status = null;
        if (TryGetProperty(timer, "ScheduleStatus", out var statusElement) && statusElement.ValueKind == JsonValueKind.Object)
        {
            try
            {
                status = statusElement.Deserialize<TimerScheduleStatus>(PayloadJson);
            }
            catch (JsonException)
            {
                // Informational only: the dispatcher finds everything due whatever the host says.
            }
        }

        return new TimerInfo(isPastDue, status);
    }

    /// <summary>The six-field NCRONTAB schedule written in <c>{name}/function.json</c> next to the executable.</summary>
    internal static (CronExpression Schedule, string Text, bool RunOnStartup) ReadSchedule(string name, string baseDirectory)
    {
        var path = Path.Combine(baseDirectory, name, "function.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (var binding in document.RootElement.GetProperty("bindings").EnumerateArray())
        {
            if (binding.GetProperty("type").GetString() == "timerTrigger")
            {
                var text = binding.GetProperty("schedule").GetString() ?? "";
                var runOnStartup = binding.TryGetProperty("runOnStartup", out var r) && r.ValueKind == JsonValueKind.True;
                return (CronExpression.Parse(text, CronFormat.IncludeSeconds), text, runOnStartup);
            }
        }

        throw new InvalidOperationException($"{path} has no timerTrigger binding.");
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }
}

/// <summary>
/// Fires the timer functions when no Functions host does (<c>dotnet run</c>), on the schedules in
/// their <c>function.json</c>, in UTC as on Flex Consumption. A run that overruns the next occurrence
/// skips it, as the host does.
/// </summary>
internal sealed class InProcessTimerScheduler(
    IEnumerable<ITimerFunction> functions,
    TimeProvider time,
    IConfiguration configuration,
    ILogger<InProcessTimerScheduler> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Hosting:InProcessTimers", true))
        {
            return Task.CompletedTask;
        }

        return Task.WhenAll(functions.Select(f => RunOnScheduleAsync(f, stoppingToken)));
    }

    private async Task RunOnScheduleAsync(ITimerFunction function, CancellationToken stoppingToken)
    {
        var (schedule, text, runOnStartup) = TimerFunctions.ReadSchedule(function.Name, AppContext.BaseDirectory);
        HostingLog.Scheduled(logger, function.Name, text);
        DateTimeOffset? last = null;
        if (runOnStartup)
        {
            last = await FireAsync(function, last, stoppingToken);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var next = schedule.GetNextOccurrence(time.GetUtcNow(), TimeZoneInfo.Utc);
            if (next is null)
            {
                return;
            }

            var delay = next.Value - time.GetUtcNow();
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            last = await FireAsync(function, last, stoppingToken);
        }
    }

    private async Task<DateTimeOffset> FireAsync(ITimerFunction function, DateTimeOffset? last, CancellationToken stoppingToken)
    {
        var now = time.GetUtcNow();
        using var invocation = LogScopes.Invocation(logger, Guid.NewGuid().ToString());
        try
        {
            await function.RunAsync(new TimerInfo(false, new TimerScheduleStatus(last, null, now)), stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A failed run is not retried, as under the host: the next run finds whatever is still due.
            HostingLog.RunFailed(logger, e, function.Name);
        }

        return now;
    }
}

/// <summary>Hosting log messages (event ids 100-119).</summary>
internal static partial class HostingLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Timer function {FunctionName} runs in-process on schedule {Schedule} (UTC)")]
    public static partial void Scheduled(ILogger logger, string functionName, string schedule);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Timer function {FunctionName} failed")]
    public static partial void RunFailed(ILogger logger, Exception exception, string functionName);
}

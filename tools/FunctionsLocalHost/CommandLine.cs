using System.Globalization;
using System.Text.Json;

namespace FunctionsLocalHost;

internal sealed record CommandLine(string AppDirectory, int Port, bool Timers, string? StateDirectory, string? SettingsFile)
{
    public static CommandLine? Parse(string[] args)
    {
        string? app = null, state = null, settings = null;
        var port = 7071;
        var timers = true;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--app" when i + 1 < args.Length:
                    app = args[++i];
                    break;
                case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out port):
                    i++;
                    break;
                case "--state" when i + 1 < args.Length:
                    state = args[++i];
                    break;
                case "--settings" when i + 1 < args.Length:
                    settings = args[++i];
                    break;
                case "--no-timers":
                    timers = false;
                    break;
                default:
                    return null;
            }
        }

        return app is null ? null : new CommandLine(app, port, timers, state, settings);
    }
}

/// <summary>A local.settings.json's <c>Values</c>, for the settings the environment does not already give (as <c>func start</c> reads it).</summary>
internal static class LocalSettings
{
    public static IReadOnlyDictionary<string, string?> Read(string? path)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (path is null || !File.Exists(path))
        {
            return values;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("Values", out var found) && found.ValueKind == JsonValueKind.Object)
        {
            foreach (var value in found.EnumerateObject())
            {
                if (Environment.GetEnvironmentVariable(value.Name) is null)
                {
                    values[value.Name] = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : value.Value.GetRawText();
                }
            }
        }

        return values;
    }
}

using System.Text.Json;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace AftercareNudge.Hosting;

/// <summary>
/// Reads <c>local.settings.json</c> <c>Values</c> the way Azure Functions Core Tools does: each value
/// acts as an environment variable that is not already set (<c>Twilio__From</c> is <c>Twilio:From</c>).
/// </summary>
internal static class LocalSettings
{
    public const string FileName = "local.settings.json";

    public static void AddLocalSettings(this ConfigurationManager configuration, string contentRoot)
    {
        var path = Path.Combine(contentRoot, FileName);
        if (!File.Exists(path))
        {
            return;
        }

        var values = Read(path);
        var source = new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = values };

        // The values act as environment variables that are not set: above appsettings.json and user
        // secrets, below the real environment variables (and the command line), as under Core Tools.
        var index = configuration.Sources.ToList().FindLastIndex(s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        if (index < 0)
        {
            configuration.Sources.Add(source);
        }
        else
        {
            configuration.Sources.Insert(index, source);
        }
    }

    internal static Dictionary<string, string?> Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (document.RootElement.TryGetProperty("Values", out var section) && section.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in section.EnumerateObject())
            {
                values[property.Name.Replace("__", ":", StringComparison.Ordinal)] = property.Value.ValueKind == JsonValueKind.String
                    ? property.Value.GetString()
                    : property.Value.GetRawText();
            }
        }

        return values;
    }
}

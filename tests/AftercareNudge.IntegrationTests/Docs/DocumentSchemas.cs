using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace AftercareNudge.IntegrationTests.Docs;

/// <summary>The OpenAPI document as the contract a client builds on: its operations, and its schemas checked with a JSON Schema validator.</summary>
internal sealed class DocumentSchemas(JsonNode document)
{
    public JsonNode Document { get; } = document;

    /// <summary>Every operation: its method (upper case), path and object.</summary>
    public IEnumerable<(string Method, string Path, JsonObject Operation)> Operations() =>
        Document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (o.Key.ToUpperInvariant(), p.Key, o.Value!.AsObject())));

    public JsonObject Operation(string method, string path) =>
        Operations().SingleOrDefault(o => o.Method == method && o.Path == path).Operation ?? throw new Xunit.Sdk.XunitException($"{method} {path} is not in the document.");

    public static JsonObject? Answer(JsonObject operation, int status) => operation["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?.AsObject();

    /// <summary>What a schema found in the document says about an instance: null if valid, otherwise the failures.</summary>
    public string? Problems(JsonNode schema, JsonNode? instance)
    {
        // OpenAPI 3.1 schemas are JSON Schema 2020-12; the components become $defs of one schema.
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = ToDefs(Document["components"]!["schemas"]!.DeepClone()),
            ["allOf"] = new JsonArray(ToDefs(schema.DeepClone())),
        };
        var built = JsonSchema.FromText(root.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        using var json = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var results = built.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return results.IsValid
            ? null
            : string.Join("\n", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key}: {e.Value}")));
    }

    private static JsonNode? ToDefs(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["$ref"]?.GetValue<string>() is { } reference)
                {
                    o["$ref"] = reference.Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
                }

                foreach (var (_, value) in o.ToList())
                {
                    ToDefs(value);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    ToDefs(item);
                }

                break;
        }

        return node;
    }
}

using System.Reflection;
using System.Text.Json.Nodes;
using AftercareNudge.Notifications;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AftercareNudge.Docs;

/// <summary>
/// What the app posts to a client's own webhook (docs/client-webhooks.md), in the document's
/// <c>webhooks</c>: one signed notification whose <c>type</c> is one of <see cref="NotificationTypes"/>.
/// </summary>
internal static class ClientWebhookSchemas
{
    public const string Name = "notification";

    /// <summary>Every notification type, from the constants themselves, so that a new type is in the document at once.</summary>
    public static IReadOnlyList<string> Types { get; } =
        [.. typeof(NotificationTypes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!)];

    public static Task Describe(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        var body = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "One notification, signed with the client's secret as Standard Webhooks says (webhook-id, webhook-timestamp, webhook-signature).",
            Required = new HashSet<string>(["id", "type", "createdAt", "data"], StringComparer.Ordinal),
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
            {
                ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The notification's id (ntf_ and 32 hex digits): the same fact told again has the same id." },
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What happened.", Enum = [.. Types.Select(t => (JsonNode)JsonValue.Create(t))] },
                ["createdAt"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time", Description = "When it was recorded (UTC)." },
                ["data"] = new OpenApiSchema { Type = JsonSchemaType.Object, Description = "Ids and the person's key in the event (eventId, personKey, channel, and per type checkInId, kind, status, reason, text); never an address." },
            },
        };
        var operation = new OpenApiOperation
        {
            OperationId = "ClientNotification",
            Summary = "A notification to the client's webhook",
            Description = "Posted to the URL configured for the client (Api__Webhooks__<client>__Url), retried with backoff until it answers 2xx.",
            Security = [],
            RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = "The notification.",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = body } },
            },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = "Any 2xx: received." },
                ["400"] = new OpenApiResponse { Description = "Any other answer: tried again later." },
            },
        };
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>(StringComparer.Ordinal);
        document.Webhooks[Name] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Post] = operation } };
        return Task.CompletedTask;
    }
}

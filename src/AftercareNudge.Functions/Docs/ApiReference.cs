using System.Net;
using System.Text;
using AftercareNudge.Hosting;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Azure.Functions.Worker;
using Microsoft.OpenApi;

namespace AftercareNudge.Docs;

/// <summary>
/// The public API described: the OpenAPI document at <c>/api/openapi.json</c>, generated from the
/// endpoints themselves, and a readable reference page at <c>/api/docs</c> rendered from that same
/// document on the server (no scripts, nothing loaded from elsewhere). What each route is for is
/// written once, here, in <see cref="Summaries"/>.
/// </summary>
public static class ApiReference
{
    public const string DocumentRoute = "/api/openapi.json";
    public const string PageRoute = "/api/docs";
    public const string ApiKeyScheme = "apiKey";
    internal const string DocumentName = "v1";

    /// <summary>What each route does, in the words of the product's contract.</summary>
    internal static readonly IReadOnlyDictionary<(string Method, string Path), (string Summary, string Description)> Summaries =
        new Dictionary<(string, string), (string, string)>
        {
            [("POST", "api/events")] = ("Register a planned event", "Validates the whole event (every bad field is named), stores it, and asks everyone for consent at once. 201 with Location and ETag, and warnings for SMS texts that name the event. With Idempotency-Key, a repeat within 24 hours answers the first event (422 with another body, 409 while the first is in flight); without one, a retry registers a second event."),
            [("GET", "api/events/{id}")] = ("Read an event", "The event, its people with consent per channel, its check-ins and reminders with status and reason. Another client's event is 404."),
            [("PATCH", "api/events/{id}")] = ("Move or edit an event", "Moves the event (relative check-ins follow) or edits its check-ins. If-Match with the event's ETag; 412 when stale."),
            [("DELETE", "api/events/{id}")] = ("Cancel an event", "Cancels the event and every pending check-in. Idempotent; If-Match with the event's ETag, 412 when stale."),
            [("DELETE", "api/people/{address}")] = ("Erase an address", "Erases what this client's data holds about a phone number (E.164, '+' as %2B) or email address: its events are anonymised, what was pending to it cancelled, its consents, links and ledger lines for this client's organisers deleted. An opt-out is kept. 200 with counts per kind; idempotent."),
            [("POST", "api/twilio/sms")] = ("Twilio inbound SMS webhook", "Signed by Twilio. YES, NO, the STOP family, START, HELP, and replies to check-ins (kept, passed on to the organiser, acknowledged once per conversation). Answers TwiML."),
            [("POST", "api/twilio/status")] = ("Twilio delivery status callback", "Signed by Twilio. Records sent, delivered, undelivered and failed; never backwards."),
            [("POST", "api/sendgrid/events")] = ("SendGrid event webhook", "Signed by SendGrid (ECDSA). Unsubscribes, spam reports, bounces and deliveries."),
            [("GET", "api/consent/{token}")] = ("Consent page", "For the recipient's browser: who asks, what and how often, the aftercare plan; Agree / Decline. Changes nothing."),
            [("POST", "api/consent/{token}")] = ("Record a consent decision", "The consent page's form: Agree or Decline, and optional quiet hours."),
            [("GET", "api/unsubscribe/{token}")] = ("Unsubscribe page", "Whether the address gets emails now; a Stop button, or once unsubscribed a way back in. Changes nothing."),
            [("POST", "api/unsubscribe/{token}")] = ("Unsubscribe (RFC 8058 one-click)", "Opts the address out of every email, from everyone. No cookies, no redirect. Only the page's own form with action=resubscribe opts it back in."),
            [("GET", "api/health")] = ("Health", "Liveness and whether storage answers. No secrets."),
            [("GET", "api/dev/outbox")] = ("Development outbox", "Only without provider credentials: what would have been sent, newest first."),
            [("POST", "api/dev/sms")] = ("Play an inbound SMS (development)", "Only without provider credentials: the Twilio webhook's code path, minus the signature."),
            [("GET", "api/openapi.json")] = ("This API's OpenAPI document", "OpenAPI 3.1, generated from the functions and their contract types: what this page shows, for building a client."),
            [("GET", "api/docs")] = ("This API's reference page", "Every route with its parameters, body and answers, as one plain page."),
        };

    public static IServiceCollection AddApiReference(this IServiceCollection services)
    {
        services.AddSingleton<FunctionEndpoints>();

        // What ASP.NET Core's API explorer (and so the OpenAPI generator) reads: the functions, described.
        // Requests are routed by the host and the worker's own endpoints, never by this.
        services.AddSingleton<EndpointDataSource>(sp => sp.GetRequiredService<FunctionEndpoints>());
        services.AddOpenApi(DocumentName, options =>
        {
            // The public API only: not the Functions host's timer calls or its liveness probe.
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "AftercareNudge",
                    Version = "1",
                    Description = "Check-in messages people agreed to before a vulnerable moment, sent at the agreed times, stopped by one word. "
                        + "Management routes need a client's API key in X-Api-Key. Errors are RFC 9457 problem details.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = Security.ApiKeyExtensions.HeaderName,
                    Description = "A client's API key (Api__Keys__<client>).",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var method = context.Description.HttpMethod ?? "";
                var path = (context.Description.RelativePath ?? "").TrimEnd('/');
                if (Summaries.TryGetValue((method, path), out var text))
                {
                    operation.Summary = text.Summary;
                    operation.Description = text.Description.Length == 0 ? null : text.Description;
                }

                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Hosting.RequiresApiKeyAttribute>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] });
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer(ContractTransformers.DescribeAnswers);
            options.AddSchemaTransformer(ContractTransformers.RequireWhatIsSent);
        });
        return services;
    }

    /// <summary><c>GET /api/openapi.json</c>: the document, as OpenAPI 3.1 JSON.</summary>
    internal static async Task<ContentHttpResult> DocumentAsync(IOpenApiDocumentProvider documents, CancellationToken cancellationToken)
    {
        var document = await documents.GetOpenApiDocumentAsync(cancellationToken);
        using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(text));
        return TypedResults.Content(text.ToString(), "application/json; charset=utf-8");
    }

    /// <summary><c>GET /api/docs</c>: every route of the document with its parameters, body and answers, as one plain page.</summary>
    internal static async Task<ContentHttpResult> PageAsync(HttpContext http, IOpenApiDocumentProvider documents, CancellationToken cancellationToken)
    {
        var document = await documents.GetOpenApiDocumentAsync(cancellationToken);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>AftercareNudge API reference</title>\n<style>").Append(Css).Append("</style>\n</head>\n<body>\n<main>\n")
            .Append("<h1>AftercareNudge API reference</h1>\n")
            .Append("<p>").Append(Encode(document.Info?.Description ?? "")).Append("</p>\n")
            .Append("<p>The same, machine-readable: <a href=\"openapi.json\">openapi.json</a> (OpenAPI ").Append(Encode(document.Info?.Version ?? "")).Append(").</p>\n");

        foreach (var (path, item) in (document.Paths ?? new OpenApiPaths()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                var name = method.Method.ToUpperInvariant();
                html.Append("<section>\n<h2><span class=\"method\">").Append(name).Append("</span> <code>").Append(Encode(path)).Append("</code></h2>\n");
                if (operation.Summary is { } summary)
                {
                    html.Append("<p><strong>").Append(Encode(summary)).Append("</strong></p>\n");
                }

                if (operation.Description is { } description)
                {
                    html.Append("<p>").Append(Encode(description)).Append("</p>\n");
                }

                if (operation.Security is { Count: > 0 })
                {
                    html.Append("<p class=\"small\">Needs a client API key in <code>").Append(Security.ApiKeyExtensions.HeaderName).Append("</code>.</p>\n");
                }

                if (operation.Parameters is { Count: > 0 } parameters)
                {
                    html.Append("<h3>Parameters</h3>\n<ul>\n");
                    foreach (var parameter in parameters)
                    {
                        html.Append("<li><code>").Append(Encode(parameter.Name ?? "")).Append("</code> (").Append(Encode(parameter.In?.ToString().ToLowerInvariant() ?? ""))
                            .Append(parameter.Required ? ", required" : "").Append(")</li>\n");
                    }

                    html.Append("</ul>\n");
                }

                if (operation.RequestBody?.Content is { Count: > 0 } body)
                {
                    html.Append("<h3>Body</h3>\n<ul>\n");
                    foreach (var (type, media) in body)
                    {
                        html.Append("<li><code>").Append(Encode(type)).Append("</code>").Append(SchemaName(media.Schema)).Append("</li>\n");
                    }

                    html.Append("</ul>\n");
                }

                if (operation.Responses is { Count: > 0 } responses)
                {
                    html.Append("<h3>Answers</h3>\n<ul>\n");
                    foreach (var (status, response) in responses.OrderBy(r => r.Key, StringComparer.Ordinal))
                    {
                        var types = string.Join(", ", (response.Content ?? new Dictionary<string, OpenApiMediaType>()).Select(c => c.Key + SchemaName(c.Value.Schema, plain: true)));
                        var headers = string.Join(", ", response.Headers?.Keys ?? []);
                        html.Append("<li><code>").Append(Encode(status)).Append("</code> ").Append(Encode(response.Description ?? ""))
                            .Append(types.Length > 0 ? " — " + Encode(types) : "")
                            .Append(headers.Length > 0 ? "; headers: " + Encode(headers) : "").Append("</li>\n");
                    }

                    html.Append("</ul>\n");
                }

                html.Append("</section>\n");
            }
        }

        html.Append("</main>\n</body>\n</html>\n");
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
        return TypedResults.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static string SchemaName(IOpenApiSchema? schema, bool plain = false)
    {
        var name = schema is OpenApiSchemaReference reference ? reference.Reference.Id : null;
        return name is null ? "" : plain ? $" ({name})" : $" (<code>{Encode(name)}</code>)";
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    private const string Css =
        ":root{color-scheme:light dark}body{margin:0;font:1rem/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}"
        + "main{max-width:48rem;margin:0 auto;padding:2rem 1.25rem 3rem}h1{font-size:1.75rem}h2{font-size:1.125rem;margin:0 0 .5rem}"
        + "h3{font-size:.9375rem;margin:.75rem 0 .25rem}section{border-top:1px solid #8884;padding:1rem 0}"
        + ".method{display:inline-block;min-width:4.5rem;font-family:ui-monospace,monospace}code{font-family:ui-monospace,monospace;overflow-wrap:anywhere}"
        + ".small{font-size:.9375rem;opacity:.8}ul{margin:0;padding-left:1.25rem}";
}

public sealed class ApiReferenceFunctions([FromKeyedServices(ApiReference.DocumentName)] IOpenApiDocumentProvider documents)
{
    [Function("GetOpenApiDocument")]
    [RateLimited(RateLimits.Limited.None)]
    [ProducesContent(StatusCodes.Status200OK, "application/json", typeof(System.Text.Json.Nodes.JsonObject), Description = "The OpenAPI 3.1 document.")]
    public Task<ContentHttpResult> GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiReference.DocumentAsync(documents, cancellationToken);

    [Function("ShowApiReference")]
    [RateLimited(RateLimits.Limited.None)]
    [ProducesPage(StatusCodes.Status200OK, Description = "The reference page.")]
    public Task<ContentHttpResult> ShowApiReference(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiReference.PageAsync(request.HttpContext, documents, cancellationToken);
}

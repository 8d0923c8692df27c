using AftercareNudge.Hosting;
using AftercareNudge.Messaging;
using AftercareNudge.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
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
    public const string OperatorKeyScheme = "operatorKey";

    /// <summary>The version of the OpenAPI specification the document is written in (<see cref="DocumentAsync"/>).</summary>
    public const string SpecVersion = "3.1";
    internal const string DocumentName = "v1";

    /// <summary>The operations' tags (declared with <c>[Tags]</c> on each function class), and what each groups.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Events"] = "A client's planned events: register, read, change and cancel them (API key).",
        ["Privacy"] = "Erasing what a client's data holds about a person (API key).",
        ["Consent"] = "The pages a person opens from an email: consent, a trusted contact's agreement, and unsubscribe.",
        ["Webhooks"] = "What Twilio and SendGrid post: texts people send, delivery reports, email events. Signed by the provider.",
        ["Development"] = "Only while the development outbox stands in for Twilio and SendGrid (no provider credentials): what was sent (each email as HTML too), and a stand-in for an inbound text.",
        ["Health"] = "Whether the app is up and reaches its storage.",
        ["Reference"] = "This API's description: the OpenAPI document and the reference page.",
    };

    /// <summary>What each route does, in the words of the product's contract.</summary>
    internal static readonly IReadOnlyDictionary<(string Method, string Path), (string Summary, string Description)> Summaries =
        new Dictionary<(string, string), (string, string)>
        {
            [("POST", "api/events")] = ("Register a planned event", "Validates the whole event (every bad field is named), stores it, and asks everyone for consent at once. 201 with Location and ETag, and warnings for SMS texts that name the event or run past 10 segments. With Idempotency-Key, a repeat within 24 hours answers the first event (422 with another body, 409 while the first is in flight); without one, a retry registers a second event."),
            [("GET", "api/events")] = ("List events", "This client's events in start order, each as GET /api/events/{id} shows it, until their content is purged (cancelled ones too). Filters: status, organizerPhone, organizerEmail, startsAfter. Pages of pageSize (1 to 100, default 20); a page's continuationToken, sent back with the same filters, gives the next. A page may be short, or empty, and still have a token: each request reads at most 10 × pageSize index rows and 2 × pageSize events."),
            [("GET", "api/events/{id}")] = ("Read an event", "The event, its people with consent per channel, its check-ins and reminders with status and reason. Another client's event is 404."),
            [("PATCH", "api/events/{id}")] = ("Move or edit an event", "Moves the event (relative check-ins follow) or edits its check-ins. If-Match with the event's ETag; 412 when stale."),
            [("DELETE", "api/events/{id}")] = ("Cancel an event", "Cancels the event and every pending check-in. Idempotent; If-Match with the event's ETag, 412 when stale."),
            [("DELETE", "api/people/{address}")] = ("Erase an address", "Erases what this client's data holds about a phone number (E.164, '+' as %2B) or email address: its events are anonymised, what was pending to it cancelled, its consents, links and ledger lines for this client's organisers deleted. Nothing of another client's is touched or counted, and what belongs to no client (an opt-out, the texts the number sent) is the operator's to erase. 200 with counts per kind; idempotent."),
            [("DELETE", "api/operator/people/{address}")] = ("Erase an address everywhere (operator)", "For whoever runs the service, with Api:OperatorKey in X-Operator-Key: every client's erasure, then what belongs to no client (the records of the texts the number sent, its reply acknowledgement window, its daily consent request slots). The opt-out is kept unless optOut=erase. 200 with counts per client and of the rest; idempotent."),
            [("POST", "api/twilio/sms")] = ("Twilio inbound SMS webhook", "Signed by Twilio. YES, NO, the STOP family, START, HELP, and replies to check-ins (kept, passed on to the organiser, acknowledged once per conversation). Answers TwiML."),
            [("POST", "api/twilio/status")] = ("Twilio delivery status callback", "Signed by Twilio. Records sent, delivered, undelivered and failed; never backwards."),
            [("POST", "api/sendgrid/events")] = ("SendGrid event webhook", "Signed by SendGrid (ECDSA). Unsubscribes, spam reports, bounces and deliveries."),
            [("GET", "api/consent/{token}")] = ("Consent page", "For the recipient's browser: who asks, what and how often, the aftercare plan; Agree / Decline. Changes nothing."),
            [("POST", "api/consent/{token}")] = ("Record a consent decision", "The consent page's form: Agree or Decline, and optional quiet hours."),
            [("GET", "api/safety/contact/{token}")] = ("Trusted contact page", "For a trusted contact's browser: who chose them, word for word the alert and the all-clear they could get, from when; Agree / Decline. Changes nothing."),
            [("POST", "api/safety/contact/{token}")] = ("Record a trusted contact's decision", "The trusted contact page's form: Agree, with whether an alert may reach them in their quiet hours (required), or Decline."),
            [("GET", "api/unsubscribe/{token}")] = ("Unsubscribe page", "Whether the address gets emails now; a Stop button, or once unsubscribed a way back in. Changes nothing."),
            [("POST", "api/unsubscribe/{token}")] = ("Unsubscribe (RFC 8058 one-click)", "Opts the address out of every email, from everyone. No cookies, no redirect. Only the page's own form with action=resubscribe opts it back in."),
            [("GET", "api/health")] = ("Health", "Liveness and whether storage answers. No secrets."),
            [("GET", "api/dev/outbox")] = ("Development outbox", "Only without provider credentials: what would have been sent, newest first; each email with the url of its HTML."),
            [("GET", "api/dev/outbox/{id}")] = ("An email of the development outbox", "Only without provider credentials: the email's HTML as it would have been sent, to open in a browser (no scripts run)."),
            [("POST", "api/dev/sms")] = ("Play an inbound SMS (development)", "Only without provider credentials: the Twilio webhook's code path, minus the signature."),
            [("GET", "api/openapi.json")] = ("This API's OpenAPI document", "OpenAPI 3.1, generated from the functions and their contract types: what this page shows, for building a client."),
            [("GET", "api/docs")] = ("This API's reference page", "Every route with its parameters, body and answers, as one plain page."),
        };

    /// <summary>The API's OpenAPI document and reference page, described from the functions (see <see cref="DocsExtensions.AddDocs"/>).</summary>
    internal static IServiceCollection Register(IServiceCollection services)
    {
        services.AddSingleton<FunctionEndpoints>();

        // What ASP.NET Core's API explorer (and so the OpenAPI generator) reads: the functions, described.
        // Requests are routed by the host and the worker's own endpoints, never by this.
        services.AddSingleton<EndpointDataSource>(sp => sp.GetRequiredService<FunctionEndpoints>());
        services.AddOpenApi(DocumentName, options =>
        {
            // The public API only: not the Functions host's timer calls or its liveness probe.
            options.ShouldInclude = description => description.RelativePath?.StartsWith(FunctionEndpoints.ApiRoot, StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, context, _) =>
            {
                // Where clients call: the app's public address, which the paths (with their /api) follow.
                // Not the worker's own listener, which the generator would name and nothing outside the host reaches.
                var publicBaseUrl = context.ApplicationServices.GetRequiredService<IOptions<PublicOptions>>().Value.BaseUrl;
                document.Servers = publicBaseUrl is null ? [] : [new OpenApiServer { Url = publicBaseUrl.AbsoluteUri.TrimEnd('/'), Description = "This app (Public:BaseUrl)." }];
                foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
                {
                    tag.Description = Tags.TryGetValue(tag.Name ?? "", out var description)
                        ? description
                        : throw new InvalidOperationException($"The tag {tag.Name} has no description in ApiReference.Tags.");
                }

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
                document.Components.SecuritySchemes[OperatorKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = Security.ApiKeyExtensions.OperatorHeaderName,
                    Description = "The operator's key (Api__OperatorKey), for what belongs to no client.",
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

                // Every operation says what it needs: the API key, or nothing (security: []) for the public ones.
                operation.Security = context.Description.ActionDescriptor.EndpointMetadata.OfType<Hosting.RequiresApiKeyAttribute>().Any()
                    ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = [] }]
                    : [];

                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<Hosting.RequiresOperatorKeyAttribute>().Any())
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OperatorKeyScheme, context.Document)] = [] });
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer(ContractTransformers.DescribeAnswers);
            options.AddSchemaTransformer(ContractTransformers.RequireWhatIsSent);
            options.AddDocumentTransformer(RequestSchemas.Describe);
            options.AddDocumentTransformer(ClientWebhookSchemas.Describe);
        });

        // The development routes are in the document only where they exist: while the outbox stands in for the providers.
        services.AddOptions<OpenApiOptions>(DocumentName).Configure<IOptions<DeliveryOptions>>((options, delivery) =>
        {
            var include = options.ShouldInclude;
            options.ShouldInclude = description => include(description)
                && (delivery.Value.UsesOutbox || !description.ActionDescriptor.EndpointMetadata.OfType<DevelopmentOutboxOnlyAttribute>().Any());
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

    /// <summary><c>GET /api/docs</c>: every route of the document with its parameters, body and answers, as one plain page (<c>ApiReferencePage</c>).</summary>
    internal static async Task<ContentHttpResult> PageAsync(HttpContext http, IOpenApiDocumentProvider documents, CancellationToken cancellationToken)
    {
        var document = await documents.GetOpenApiDocumentAsync(cancellationToken);
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in (document.Paths ?? new OpenApiPaths()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                operations.Add(new ApiOperation(
                    method.Method.ToUpperInvariant(),
                    path,
                    operation.Summary,
                    operation.Description,
                    operation.Security is { Count: > 0 },
                    [.. (operation.Parameters ?? []).Select(p => new ApiParameter(p.Name ?? "", p.In?.ToString().ToLowerInvariant() ?? "", p.Required))],
                    [.. (operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>()).Select(c => new ApiBody(c.Key, SchemaName(c.Value.Schema)))],
                    [.. (operation.Responses ?? []).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new ApiAnswer(
                        r.Key,
                        r.Value.Description ?? "",
                        string.Join(", ", (r.Value.Content ?? new Dictionary<string, OpenApiMediaType>()).Select(c => c.Key + (SchemaName(c.Value.Schema) is { } name ? $" ({name})" : ""))),
                        string.Join(", ", r.Value.Headers?.Keys ?? [])))]));
            }
        }

        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'";
        var model = new ApiReferenceModel(document.Info?.Description ?? "", SpecVersion, document.Info?.Version ?? "", operations);
        return TypedResults.Content(HtmlTemplates.Render<ApiReferencePage>(model), "text/html; charset=utf-8");
    }

    private static string? SchemaName(IOpenApiSchema? schema) => schema is OpenApiSchemaReference reference ? reference.Reference.Id : null;
}

/// <summary>What <c>ApiReferencePage</c> shows, read from the OpenAPI document: <paramref name="SpecVersion"/> is OpenAPI's, <paramref name="Version"/> the API's own (<c>info.version</c>).</summary>
public sealed record ApiReferenceModel(string Description, string SpecVersion, string Version, IReadOnlyList<ApiOperation> Operations);

/// <summary>One operation: its method and path, what it is for, whether it needs an API key, what it reads and answers.</summary>
public sealed record ApiOperation(
    string Method,
    string Path,
    string? Summary,
    string? Description,
    bool NeedsApiKey,
    IReadOnlyList<ApiParameter> Parameters,
    IReadOnlyList<ApiBody> Body,
    IReadOnlyList<ApiAnswer> Answers);

public sealed record ApiParameter(string Name, string In, bool Required);

public sealed record ApiBody(string MediaType, string? Schema);

/// <summary>An answer: its status, description, media types (with schema names) and headers, each list comma-separated.</summary>
public sealed record ApiAnswer(string Status, string Description, string Types, string Headers);

[Tags("Reference")]
public sealed class ApiReferenceFunctions([FromKeyedServices(ApiReference.DocumentName)] IOpenApiDocumentProvider documents)
{
    [Function("GetOpenApiDocument")]
    [RateLimited(RateLimits.Limited.None)]
    [ProducesContent(StatusCodes.Status200OK, "application/json", typeof(System.Text.Json.Nodes.JsonObject), Description = "The OpenAPI 3.1 document.")]
    public Task<ContentHttpResult> GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/openapi.json")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiReference.DocumentAsync(documents, cancellationToken);

    [Function("ShowApiReference")]
    [RateLimited(RateLimits.Limited.None)]
    [ProducesPage(StatusCodes.Status200OK, Description = "The reference page.")]
    public Task<ContentHttpResult> ShowApiReference(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "api/docs")] HttpRequest request,
        CancellationToken cancellationToken) =>
        ApiReference.PageAsync(request.HttpContext, documents, cancellationToken);
}

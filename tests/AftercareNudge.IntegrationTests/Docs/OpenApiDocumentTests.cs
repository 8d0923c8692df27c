using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using AftercareNudge.Docs;
using AftercareNudge.Events;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Docs;

/// <summary>
/// The OpenAPI document is a contract a client can be built from: every HTTP function is in it and
/// every operation in it is served, bodies and answers have the schemas of the contract types, and the
/// app's real answers match them.
/// </summary>
public sealed class OpenApiDocumentTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string ProblemJson = "application/problem+json";

    [Fact]
    public async Task Document_HasEveryHttpFunction_AndNothingElse()
    {
        var document = await DocumentAsync();

        var functions = FunctionEndpoints.HttpFunctions()
            .SelectMany(f => f.Methods.Select(m => $"{m} /{f.Pattern} {f.Name}"))
            .Order(StringComparer.Ordinal);
        var operations = document.Operations()
            .Select(o => $"{o.Method} {o.Path} {(string?)o.Operation["operationId"]}")
            .Order(StringComparer.Ordinal);
        Assert.Equal(functions, operations);
        Assert.Contains(FunctionMethods.All(), f => f.Name == "DispatchDueCheckIns");
    }

    [Fact]
    public async Task EveryDocumentedOperation_IsServedByAFunction()
    {
        var document = await DocumentAsync();
        var client = App.CreateBrowser();

        // The host's own 404, for a path no function serves, has no body; a function's 404 is a page or problem details.
        var unserved = await client.GetAsync("/api/no-such-route", Ct);
        Assert.Equal((HttpStatusCode.NotFound, ""), (unserved.StatusCode, await unserved.Content.ReadAsStringAsync(Ct)));

        foreach (var (method, path, _) in document.Operations())
        {
            var url = string.Join('/', path.Split('/').Select(s => s.StartsWith('{') ? "not-a-real-one" : s));
            var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url), Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);

            Assert.False(response.StatusCode == HttpStatusCode.NotFound && body.Length == 0, $"{method} {path} is documented but no function serves it.");
        }
    }

    [Fact]
    public async Task RequestBodies_HaveTheSchemasOfTheContractTypes()
    {
        var document = await DocumentAsync();

        Assert.Equal("#/components/schemas/RegisterEventRequest", BodyRef(document, "POST", "/api/events", "application/json"));
        Assert.Equal("#/components/schemas/PatchEventRequest", BodyRef(document, "PATCH", "/api/events/{id}", "application/json"));
        Assert.Equal("#/components/schemas/DevSmsRequest", BodyRef(document, "POST", "/api/dev/sms", "application/json"));
        Assert.Equal("#/components/schemas/TwilioSmsForm", BodyRef(document, "POST", "/api/twilio/sms", "application/x-www-form-urlencoded"));
        Assert.Equal("#/components/schemas/TwilioStatusForm", BodyRef(document, "POST", "/api/twilio/status", "application/x-www-form-urlencoded"));
        var sendGrid = document.Operation("POST", "/api/sendgrid/events")["requestBody"]!["content"]!["application/json"]!["schema"]!;
        Assert.Equal(("array", "#/components/schemas/SendGridEvent"), ((string?)sendGrid["type"], (string?)sendGrid["items"]!["$ref"]));

        var schemas = document.Document["components"]!["schemas"]!;
        Assert.Equal(
            ["title", "kind", "timeZone", "startsAt", "endsAt", "organizer", "people", "checkIns", "aftercare"],
            schemas["RegisterEventRequest"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["From", "Body", "MessageSid", "OptOutType"], schemas["TwilioSmsForm"]!["properties"]!.AsObject().Select(p => p.Key));
        Assert.Contains("sg_event_id", schemas["SendGridEvent"]!["properties"]!.AsObject().Select(p => p.Key));

        // The JSON reader takes any field missing, but the validator does not: the schemas require what it requires.
        Assert.Equal(["title", "kind", "timeZone", "startsAt", "endsAt", "organizer", "checkIns"], Required(schemas["RegisterEventRequest"]!));
        Assert.Equal(["to", "channel", "message"], Required(schemas["CheckInRequest"]!));
        Assert.Equal(["From", "Body", "MessageSid"], Required(schemas["TwilioSmsForm"]!));

        // The pages' forms too: the consent decision, and the unsubscribe page's (which acts on any body, or none).
        Assert.Equal("#/components/schemas/ConsentDecisionForm", BodyRef(document, "POST", "/api/consent/{token}", "application/x-www-form-urlencoded"));
        Assert.Equal(["decision"], Required(schemas["ConsentDecisionForm"]!));
        var unsubscribe = document.Operation("POST", "/api/unsubscribe/{token}")["requestBody"]!;
        Assert.Equal("#/components/schemas/UnsubscribeForm", (string?)unsubscribe["content"]!["application/x-www-form-urlencoded"]!["schema"]!["$ref"]);
        Assert.NotEqual(true, (bool?)unsubscribe["required"]);
        Assert.Equal(["List-Unsubscribe", "action"], schemas["UnsubscribeForm"]!["properties"]!.AsObject().Select(p => p.Key));
    }

    /// <summary>
    /// Issue 19.3: the request schemas say what the validator accepts (required fields, enums, forms,
    /// lengths, a description for every field), so that a client generated from them cannot send what is
    /// refused; and the same schemas, read as JSON Schema, take a valid registration and refuse the rest.
    /// </summary>
    [Fact]
    public async Task RequestSchemas_SayWhatTheServerAccepts()
    {
        var document = await DocumentAsync();
        var schemas = document.Document["components"]!["schemas"]!;

        Assert.Equal(["name"], Required(schemas["PersonRequest"]!));
        // Quiet hours are read in two forms: the object, and the one string a GET answers.
        var quietHours = schemas["QuietHoursRequest"]!["oneOf"]!.AsArray();
        Assert.Equal(["from", "to"], Required(quietHours[0]!));
        Assert.Matches((string)quietHours[1]!["pattern"]!, "22:00-07:30");
        Assert.DoesNotMatch((string)quietHours[1]!["pattern"]!, "22:00");
        Assert.NotNull((string?)quietHours[0]!["properties"]!["from"]!["pattern"]);
        Assert.Equal(["key"], Required(schemas["RegisterEventRequest"]!["properties"]!["people"]!["items"]!["allOf"]![1]!));
        Assert.Empty(Required(schemas["AftercareRequest"]!));
        Assert.Empty(Required(schemas["PatchEventRequest"]!));
        Assert.Equal([.. EventValidator.Kinds], Enum(schemas["RegisterEventRequest"]!["properties"]!["kind"]!));
        Assert.Equal(["sms", "email"], Enum(schemas["CheckInRequest"]!["properties"]!["channel"]!));
        Assert.Equal(["start", "end"], Enum(schemas["CheckInRequest"]!["properties"]!["after"]!));
        Assert.Equal(["sms", "email"], Enum(schemas["PersonRequest"]!["properties"]!["repliesBy"]!));
        Assert.Equal("email", (string?)schemas["PersonRequest"]!["properties"]!["email"]!["format"]);
        Assert.Equal(EventValidator.MaxTitleLength, (int?)schemas["RegisterEventRequest"]!["properties"]!["title"]!["maxLength"]);
        Assert.Equal(EventValidator.MaxCheckIns, (int?)schemas["RegisterEventRequest"]!["properties"]!["checkIns"]!["maxItems"]);
        Assert.Equal(EventValidator.MaxMessageLength, (int?)schemas["CheckInRequest"]!["properties"]!["message"]!["maxLength"]);
        foreach (var schema in new[] { "CheckInRequest", "PatchCheckInRequest" })
        {
            // Each channel's cap, stated: the schema's maxLength is the larger, email's.
            var message = schemas[schema]!["properties"]!["message"]!;
            Assert.Equal(5000, (int?)message["maxLength"]);
            Assert.Contains("1,600 by SMS", (string?)message["description"], StringComparison.Ordinal);
            Assert.Contains("5,000 by email", (string?)message["description"], StringComparison.Ordinal);
        }
        foreach (var (schema, property) in new[] { ("PersonRequest", "phone"), ("RegisterEventRequest", "startsAt"), ("CheckInRequest", "at"), ("CheckInRequest", "offset") })
        {
            Assert.NotNull((string?)schemas[schema]!["properties"]![property]!["pattern"]);
        }

        foreach (var name in new[] { "RegisterEventRequest", "PatchEventRequest", "PatchCheckInRequest", "PatchAftercareRequest", "PersonRequest", "CheckInRequest", "AftercareRequest", "ReminderRequest", "DevSmsRequest" })
        {
            Assert.False(string.IsNullOrEmpty((string?)schemas[name]!["description"]), $"{name} has no description.");
            foreach (var (field, schema) in schemas[name]!["properties"]!.AsObject())
            {
                Assert.False(string.IsNullOrEmpty((string?)schema!["description"]), $"{name}.{field} has no description.");
                Assert.DoesNotContain("\"null\"", schema.ToJsonString(), StringComparison.Ordinal);
            }
        }

        // As JSON Schema: what the tests register, and the registration docs/api.md shows, are valid; the rest is refused.
        var registration = schemas["RegisterEventRequest"]!;
        Assert.Null(document.Problems(registration, Requests.Dinner(App.Time.GetUtcNow())));
        Assert.Null(document.Problems(registration, await DocumentedRegistrationAsync()));
        Assert.False(string.IsNullOrEmpty((string?)schemas["QuietHoursRequest"]!["description"]));
        foreach (var form in new JsonNode[] { JsonValue.Create("22:00-07:30"), new JsonObject { ["from"] = "22:00", ["to"] = "07:30" } })
        {
            var quiet = Requests.Dinner(App.Time.GetUtcNow());
            quiet["organizer"]!["quietHours"] = form.DeepClone();
            Assert.Null(document.Problems(registration, quiet));
        }

        Assert.Null(document.Problems(schemas["PatchEventRequest"]!, JsonNode.Parse("""{ "startsAt": "2026-12-05T20:00", "checkIns": [{ "id": "ci_1" }, { "to": "organizer", "channel": "email", "after": "end", "offset": "PT2H", "message": "Still okay?" }] }""")));
        foreach (var (what, change) in new (string, Action<JsonObject>)[]
        {
            ("no title", r => r.Remove("title")),
            ("kind dinner", r => r["kind"] = "dinner"),
            ("channel fax", r => r["checkIns"]![0]!["channel"] = "fax"),
            ("a check-in without to", r => r["checkIns"]![0]!.AsObject().Remove("to")),
            ("a check-in with both at and after", r => r["checkIns"]![0]!["at"] = "2026-12-06T10:00"),
            ("a check-in with neither at nor after", r => r["checkIns"]![1]!.AsObject().Remove("at")),
            ("no check-ins", r => r["checkIns"] = new JsonArray()),
            ("a person without a key", r => r["people"]![0]!.AsObject().Remove("key")),
            ("an organiser with no phone and no email", r => r["organizer"] = new JsonObject { ["name"] = "Sam" }),
            ("a phone that is not E.164", r => r["organizer"]!["phone"] = "07911 123456"),
            ("an offset that is no duration", r => r["checkIns"]![0]!["offset"] = "30 minutes"),
        })
        {
            var invalid = Requests.Dinner(App.Time.GetUtcNow());
            change(invalid);
            Assert.True(document.Problems(registration, invalid) is not null, $"The RegisterEventRequest schema accepts a registration with {what}.");
        }

        Assert.NotNull(document.Problems(registration, new JsonObject()));
        Assert.NotNull(document.Problems(schemas["PatchEventRequest"]!, JsonNode.Parse("""{ "title": "Renamed" }""")));
    }

    /// <summary>Issue 23: the notifications a client's webhook receives are in the document's webhooks, every type in the enum.</summary>
    [Fact]
    public async Task ClientWebhook_ListsEveryNotificationType()
    {
        var document = await DocumentAsync();

        var body = document.Document["webhooks"]!["notification"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!;
        var types = body["properties"]!["type"]!["enum"]!.AsArray().Select(t => (string)t!).ToList();
        Assert.Subset(
            types.ToHashSet(),
            new HashSet<string> { "checkin.sent", "reply.received", "checkin.answered", "checkin.missed", "escalation.sent", "escalation.cleared", "escalation.failed", "escalation.contact-left" });
        Assert.Equal(17, types.Count);
    }

    /// <summary>Issue 19.8: every operation is grouped under a tag in words that the document describes, not under a C# class name.</summary>
    [Fact]
    public async Task Operations_AreTaggedInWords_EachTagDescribed()
    {
        var document = await DocumentAsync();

        var tags = document.Document["tags"]!.AsArray().ToDictionary(t => (string)t!["name"]!, t => (string?)t!["description"]);
        foreach (var (method, path, operation) in document.Operations())
        {
            var tag = Assert.Single(operation["tags"]!.AsArray().Select(t => (string)t!));
            Assert.True(tags.ContainsKey(tag), $"{method} {path}: its tag {tag} is not in the document's tags.");
            Assert.DoesNotContain("Functions", tag, StringComparison.Ordinal);
        }

        Assert.All(tags, t => Assert.False(string.IsNullOrEmpty(t.Value), $"The tag {t.Key} has no description."));
        Assert.Equal("Events", (string?)document.Operation("POST", "/api/events")["tags"]![0]);
        Assert.Equal("Webhooks", (string?)document.Operation("POST", "/api/twilio/status")["tags"]![0]);
        Assert.Equal("Consent", (string?)document.Operation("GET", "/api/consent/{token}")["tags"]![0]);
        Assert.Equal("Development", (string?)document.Operation("GET", "/api/dev/outbox")["tags"]![0]);
    }

    /// <summary>Issue 19.8: every operation declares its security (security: [] where nothing is needed), and every parameter is described.</summary>
    [Fact]
    public async Task EveryOperation_DeclaresItsSecurity_AndDescribesItsParameters()
    {
        var document = await DocumentAsync();

        var policies = FunctionEndpoints.HttpFunctions().ToDictionary(f => f.Name, f => f.Method);
        foreach (var (method, path, operation) in document.Operations())
        {
            var security = operation["security"]?.AsArray();
            Assert.True(security is not null, $"{method} {path} declares no security (a public one needs security: []).");
            var needsKey = policies[(string)operation["operationId"]!].GetCustomAttribute<RequiresApiKeyAttribute>() is not null;
            var needsOperatorKey = policies[(string)operation["operationId"]!].GetCustomAttribute<RequiresOperatorKeyAttribute>() is not null;
            Assert.Equal(needsKey ? new[] { "apiKey" } : needsOperatorKey ? ["operatorKey"] : [], security.SelectMany(r => r!.AsObject().Select(s => s.Key)));
            foreach (var parameter in operation["parameters"]?.AsArray() ?? [])
            {
                Assert.False(string.IsNullOrEmpty((string?)parameter!["description"]) && (string?)parameter["in"] != "path", $"{method} {path}: the parameter {parameter["name"]} has no description.");
            }
        }

        var take = Parameter(document.Operation("GET", "/api/dev/outbox"), "take");
        Assert.Equal(("query", "integer", 1, 1000, 100), ((string?)take["in"], (string?)take["schema"]!["type"], (int?)take["schema"]!["minimum"], (int?)take["schema"]!["maximum"], (int?)take["schema"]!["default"]));
        Assert.Equal("query", (string?)Parameter(document.Operation("POST", "/api/twilio/status"), "eventId")["in"]);
        Assert.Equal("query", (string?)Parameter(document.Operation("POST", "/api/twilio/status"), "checkInId")["in"]);
        foreach (var (path, header) in new[]
        {
            ("/api/twilio/sms", "X-Twilio-Signature"),
            ("/api/twilio/status", "X-Twilio-Signature"),
            ("/api/sendgrid/events", "X-Twilio-Email-Event-Webhook-Signature"),
            ("/api/sendgrid/events", "X-Twilio-Email-Event-Webhook-Timestamp"),
        })
        {
            var signature = Parameter(document.Operation("POST", path), header);
            Assert.Equal(("header", true), ((string?)signature["in"], (bool?)signature["required"]));
        }
    }

    /// <summary>Issue 19.8: the development routes are in the document only where they exist (the outbox), not where they answer 404.</summary>
    [Fact]
    public async Task DevelopmentRoutes_AreDocumentedOnlyWhereTheyExist()
    {
        UseApp(AppFactory.WithProviders(Azurite, () => new ScriptedSender()));
        var document = await DocumentAsync();

        Assert.DoesNotContain(document.Operations(), o => o.Path.StartsWith("/api/dev/", StringComparison.Ordinal));
        Assert.Contains(document.Operations(), o => o.Path == "/api/twilio/sms");
        Assert.DoesNotContain(document.Document["tags"]!.AsArray(), t => (string?)t!["name"] == "Development");
        Assert.Null(document.Document["components"]!["schemas"]!["DevSmsRequest"]);
        Assert.Equal(HttpStatusCode.NotFound, (await App.CreateClient().GetAsync("/api/dev/outbox", Ct)).StatusCode);
    }

    /// <summary>Issue 19.1: the document sends clients to the app's public address (Public:BaseUrl), not to the worker's own listener.</summary>
    [Fact]
    public async Task Document_NamesThePublicBaseUrl_AsItsOnlyServer()
    {
        var document = await DocumentAsync();

        var server = Assert.Single(document.Document["servers"]!.AsArray());
        Assert.Equal(AppFactory.PublicBaseUrl, (string?)server!["url"]);
        Assert.All(document.Operations(), o => Assert.StartsWith("/api/", o.Path, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FieldsAnAnswerLeavesOut_AreNotRequired()
    {
        var document = await DocumentAsync();
        var schemas = document.Document["components"]!["schemas"]!.AsObject();

        var checkIn = Required(schemas["CheckInView"]!);
        Assert.DoesNotContain("reason", checkIn);
        Assert.DoesNotContain("sentAt", checkIn);
        Assert.DoesNotContain("relatesTo", checkIn);
        Assert.DoesNotContain("waitsUntil", checkIn);
        Assert.Contains("dueAt", checkIn);
        Assert.Contains("replies", checkIn);

        // Every property any answer type leaves out when null is optional in its schema; one always written, even as null, is required.
        var types = typeof(FunctionEndpoints).Assembly.GetTypes().Where(t => schemas.ContainsKey(t.Name)).ToList();
        foreach (var type in types)
        {
            var required = Required(schemas[type.Name]!);
            foreach (var property in type.GetProperties().Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>()?.Condition == JsonIgnoreCondition.WhenWritingNull))
            {
                Assert.DoesNotContain(JsonNamingPolicy.CamelCase.ConvertName(property.Name), required);
            }
        }

        Assert.Contains(types, t => t.Name == "RelayView");
        Assert.Contains("phone", Required(schemas["PersonView"]!));
    }

    [Fact]
    public async Task Answers_AreDocumentedWhereTheyAreGiven()
    {
        var document = await DocumentAsync();

        var register = document.Operation("POST", "/api/events");
        Assert.Equal(["ETag", "Idempotent-Replayed", "Location"], Headers(register, 201));
        Assert.Equal("#/components/schemas/HttpValidationProblemDetails", AnswerRef(register, 400, ProblemJson));
        Assert.NotNull(document.Document["components"]!["schemas"]!["HttpValidationProblemDetails"]!["properties"]!["errors"]);
        foreach (var status in new[] { 401, 409, 413, 415, 422, 429, 500, 503 })
        {
            Assert.NotNull(AnswerRef(register, status, ProblemJson));
        }

        Assert.Equal(["Retry-After"], Headers(register, 409));
        Assert.Equal(["Retry-After"], Headers(register, 429));
        Assert.Equal(["Retry-After"], Headers(register, 503));
        Assert.Equal(["Idempotency-Key"], register["parameters"]!.AsArray().Select(p => (string?)p!["name"]));

        // The list's query parameters and its answer, as a generated client needs them.
        var list = document.Operation("GET", "/api/events");
        Assert.Equal(["status", "organizerPhone", "organizerEmail", "startsAfter", "pageSize", "continuationToken"], list["parameters"]!.AsArray().Select(p => (string?)p!["name"]));
        Assert.All(list["parameters"]!.AsArray(), p => Assert.Equal(("query", (bool?)null), ((string?)p!["in"], (bool?)p["required"])));
        Assert.Equal(["awaiting-consent", "scheduled", "cancelled", "completed", "ended"], list["parameters"]![0]!["schema"]!["enum"]!.AsArray().Select(v => (string?)v));
        Assert.Equal(("integer", 1, 100), ((string?)list["parameters"]![4]!["schema"]!["type"], (int?)list["parameters"]![4]!["schema"]!["minimum"], (int?)list["parameters"]![4]!["schema"]!["maximum"]));
        Assert.Equal("#/components/schemas/EventList", AnswerRef(list, 200, "application/json"));
        Assert.Equal("#/components/schemas/HttpValidationProblemDetails", AnswerRef(list, 400, ProblemJson));

        var get = document.Operation("GET", "/api/events/{id}");
        Assert.Equal("#/components/schemas/ProblemDetails", AnswerRef(get, 404, ProblemJson));
        Assert.Null(DocumentSchemas.Answer(get, 409));
        Assert.Null(DocumentSchemas.Answer(get, 415));
        Assert.Equal("#/components/schemas/ProblemDetails", AnswerRef(document.Operation("PATCH", "/api/events/{id}"), 412, ProblemJson));
        Assert.NotNull(DocumentSchemas.Answer(document.Operation("GET", "/api/consent/{token}"), 404)!["content"]!["text/html"]);
        Assert.NotNull(DocumentSchemas.Answer(document.Operation("GET", "/api/consent/{token}"), 429)!["content"]!["text/html"]);

        var policies = FunctionEndpoints.HttpFunctions().ToDictionary(f => f.Name, f => f.Method);
        foreach (var (method, path, operation) in document.Operations())
        {
            var function = policies[(string)operation["operationId"]!];
            var where = $"{method} {path}";
            Assert.True((function.GetCustomAttribute<RequiresApiKeyAttribute>() is null && function.GetCustomAttribute<RequiresOperatorKeyAttribute>() is null) == (DocumentSchemas.Answer(operation, 401) is null), $"{where}: 401 only where an API key or the operator's key is required.");
            Assert.True((function.GetCustomAttribute<RequiresTwilioSignatureAttribute>() is null) == (DocumentSchemas.Answer(operation, 403) is null) || path == "/api/sendgrid/events", $"{where}: 403 only where a signature is checked.");
            var sendsETag = path == "/api/events/{id}" || (path == "/api/events" && method == "POST");
            Assert.True(sendsETag == operation["responses"]!.AsObject().Any(r => r.Value!["headers"]?["ETag"] is not null), $"{where}: an ETag only where one is sent.");
            var unlimited = path is "/api/health" or "/api/openapi.json" or "/api/docs" || path.StartsWith("/api/dev/", StringComparison.Ordinal);
            Assert.True(unlimited == (DocumentSchemas.Answer(operation, 429) is null), $"{where}: 429 only where the rate limits count.");
            Assert.NotNull(DocumentSchemas.Answer(operation, 500));
            Assert.Contains(operation["responses"]!.AsObject(), r => r.Key.StartsWith('2'));
        }
    }

    [Fact]
    public void EveryWorkerMiddleware_DeclaresWhatItAnswersInAFunctionsPlace()
    {
        var middleware = MiddlewareAnswers.Middleware().ToList();

        Assert.Contains(middleware, t => t.Name == "ApiKeyCheck");
        Assert.All(middleware, t => Assert.True(typeof(IDeclaresAnswers).IsAssignableFrom(t), $"{t.Name} must declare what it answers instead of a function (IDeclaresAnswers), so that the OpenAPI document says so."));
    }

    [Fact]
    public async Task RealAnswers_MatchTheirDocumentedSchemas()
    {
        var document = await DocumentAsync();
        var client = App.CreateClient(AppFactory.ClientAKey);

        var created = await client.PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), AppFactory.Json, Ct);
        await AssertDocumentedAsync(document, "POST", "/api/events", created, HttpStatusCode.Created);
        Assert.NotNull(created.Headers.Location);
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["id"]!;

        await AssertDocumentedAsync(document, "GET", "/api/events/{id}", await client.GetAsync($"/api/events/{id}", Ct), HttpStatusCode.OK);
        await AssertDocumentedAsync(document, "GET", "/api/events/{id}", await client.GetAsync("/api/events/ev_nosuchevent", Ct), HttpStatusCode.NotFound);

        var invalid = Requests.Dinner(App.Time.GetUtcNow());
        invalid["title"] = "";
        var refused = await client.PostAsJsonAsync("/api/events", invalid, AppFactory.Json, Ct);
        await AssertDocumentedAsync(document, "POST", "/api/events", refused, HttpStatusCode.BadRequest);
        Assert.NotNull(JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["errors"]!["title"]);

        var noKey = await App.CreateClient().PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), AppFactory.Json, Ct);
        await AssertDocumentedAsync(document, "POST", "/api/events", noKey, HttpStatusCode.Unauthorized);

        var notJson = await client.PostAsync("/api/events", new StringContent("title=x", Encoding.UTF8, "text/plain"), Ct);
        await AssertDocumentedAsync(document, "POST", "/api/events", notJson, HttpStatusCode.UnsupportedMediaType);

        await AssertDocumentedAsync(document, "GET", "/api/health", await client.GetAsync("/api/health", Ct), HttpStatusCode.OK);

        // Two events, a page of one: the page has a token.
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), AppFactory.Json, Ct)).StatusCode);
        var listed = await client.GetAsync("/api/events?pageSize=1", Ct);
        await AssertDocumentedAsync(document, "GET", "/api/events", listed, HttpStatusCode.OK);
        Assert.NotNull(JsonNode.Parse(await listed.Content.ReadAsStringAsync(Ct))!["continuationToken"]);
        var badQuery = await client.GetAsync("/api/events?pageSize=0", Ct);
        await AssertDocumentedAsync(document, "GET", "/api/events", badQuery, HttpStatusCode.BadRequest);
        Assert.NotNull(JsonNode.Parse(await badQuery.Content.ReadAsStringAsync(Ct))!["errors"]!["pageSize"]);
    }

    /// <summary>
    /// One real request to every operation the document has, and its answer checked against what the
    /// document says of it (status, media type, body schema). A new operation without a request here fails.
    /// </summary>
    [Fact]
    public async Task EveryDocumentedOperation_ARealAnswerMatchesItsSchema()
    {
        var document = await DocumentAsync();
        var client = App.CreateClient(AppFactory.ClientAKey);
        var registered = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var cancelled = await App.RegisterAsync(Requests.Dinner(App.Time.GetUtcNow()));
        var requests = new Dictionary<(string Method, string Path), Func<Task<HttpResponseMessage>>>
        {
            [("POST", "/api/events")] = () => client.PostAsJsonAsync("/api/events", Requests.Dinner(App.Time.GetUtcNow()), AppFactory.Json, Ct),
            [("GET", "/api/events")] = () => client.GetAsync("/api/events?pageSize=1", Ct),
            [("GET", "/api/events/{id}")] = () => client.GetAsync($"/api/events/{registered.Id}", Ct),
            [("PATCH", "/api/events/{id}")] = () => client.PatchAsJsonAsync($"/api/events/{registered.Id}", new { title = "Dinner, moved" }, AppFactory.Json, Ct),
            [("DELETE", "/api/events/{id}")] = () => client.DeleteAsync($"/api/events/{cancelled.Id}", Ct),
            [("DELETE", "/api/people/{address}")] = () => client.DeleteAsync("/api/people/%2B447700900123", Ct),
            [("DELETE", "/api/operator/people/{address}")] = () => client.DeleteAsync("/api/operator/people/%2B447700900123", Ct),
            [("POST", "/api/twilio/sms")] = () => client.PostAsync("/api/twilio/sms", new FormUrlEncodedContent([new("From", "+447700900123"), new("Body", "YES")]), Ct),
            [("POST", "/api/twilio/status")] = () => client.PostAsync("/api/twilio/status", new FormUrlEncodedContent([new("MessageSid", "SM0"), new("MessageStatus", "delivered")]), Ct),
            [("POST", "/api/sendgrid/events")] = () => client.PostAsync("/api/sendgrid/events", new StringContent("[]", Encoding.UTF8, "application/json"), Ct),
            [("GET", "/api/consent/{token}")] = () => client.GetAsync("/api/consent/not-a-token", Ct),
            [("POST", "/api/consent/{token}")] = () => client.PostAsync("/api/consent/not-a-token", new FormUrlEncodedContent([new("decision", "agree")]), Ct),
            [("GET", "/api/safety/contact/{token}")] = () => client.GetAsync("/api/safety/contact/not-a-token", Ct),
            [("POST", "/api/safety/contact/{token}")] = () => client.PostAsync("/api/safety/contact/not-a-token", new FormUrlEncodedContent([new("decision", "agree"), new("night", "allow")]), Ct),
            [("GET", "/api/unsubscribe/{token}")] = () => client.GetAsync("/api/unsubscribe/not-a-token", Ct),
            [("POST", "/api/unsubscribe/{token}")] = () => client.PostAsync("/api/unsubscribe/not-a-token", new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]), Ct),
            [("GET", "/api/dev/outbox")] = () => client.GetAsync("/api/dev/outbox", Ct),
            [("GET", "/api/dev/outbox/{id}")] = async () =>
            {
                var outbox = await client.GetFromJsonAsync<JsonArray>("/api/dev/outbox", Ct);
                return await client.GetAsync($"/api/dev/outbox/{outbox!.First(m => (string?)m!["channel"] == "email")!["id"]}", Ct);
            },
            [("POST", "/api/dev/sms")] = () => client.PostAsJsonAsync("/api/dev/sms", new { from = "+447700900123", body = "HELP" }, AppFactory.Json, Ct),
            [("GET", "/api/health")] = () => client.GetAsync("/api/health", Ct),
            [("GET", "/api/openapi.json")] = () => client.GetAsync("/api/openapi.json", Ct),
            [("GET", "/api/docs")] = () => client.GetAsync("/api/docs", Ct),
        };

        Assert.Equal(
            document.Operations().Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal),
            requests.Keys.Select(k => $"{k.Method} {k.Path}").Order(StringComparer.Ordinal));
        foreach (var ((method, path), send) in requests)
        {
            using var response = await send();
            await AssertDocumentedAsync(document, method, path, response, response.StatusCode);
        }
    }

    [Fact]
    public async Task Document_LintsCleanWithSpectral()
    {
        var spectral = Repository.TestTool("@stoplight", "spectral-cli", "dist", "index.js");
        Assert.True(File.Exists(spectral), $"Spectral is not installed ({spectral}): run 'npm ci' in tests/tools first (the integration test project's build does).");
        var file = Path.Combine(Path.GetTempPath(), $"aftercare-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await App.CreateClient().GetStringAsync(ApiReference.DocumentRoute, Ct), Ct);
        try
        {
            await using var lint = ChildProcess.Start(
                "node",
                [spectral, "lint", file, "--ruleset", Path.Combine(Repository.Root, ".spectral.yaml"), "--fail-severity", "error", "--format", "text"],
                Repository.Root);
            await lint.WaitUntilExitAsync(TimeSpan.FromMinutes(2));

            Assert.True(lint.ExitCode == 0, $"Spectral found errors in the OpenAPI document:\n{lint.Output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// Issue 19.8: Redocly's recommended rules (redocly.yaml) find nothing, neither error nor warning, in the
    /// document as the outbox app serves it and as a deployed app (with the providers) does.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Document_LintsCleanWithRedocly(bool providers)
    {
        if (providers)
        {
            UseApp(AppFactory.WithProviders(Azurite, () => new ScriptedSender()));
        }

        var redocly = Repository.TestTool("@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(redocly), $"Redocly CLI is not installed ({redocly}): run 'npm ci' in tests/tools first (the integration test project's build does).");
        var file = Path.Combine(Path.GetTempPath(), $"aftercare-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, await App.CreateClient().GetStringAsync(ApiReference.DocumentRoute, Ct), Ct);
        try
        {
            // No usage report and no update check: the tests reach nothing but the registry npm ci uses.
            await using var lint = ChildProcess.Start(
                "node",
                [redocly, "lint", file, "--config", Path.Combine(Repository.Root, "redocly.yaml")],
                Repository.Root,
                new Dictionary<string, string?> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true", ["NO_COLOR"] = "1" });
            await lint.WaitUntilExitAsync(TimeSpan.FromMinutes(2));

            // Errors fail the command; a warning is only counted ("You have 1 warning."), and fails here too.
            var output = lint.Output;
            Assert.True(
                lint.ExitCode == 0 && output.Contains("Your API description is valid", StringComparison.Ordinal) && !Regex.IsMatch(output, @"You have \d+ warnings?"),
                $"Redocly found problems in the OpenAPI document:\n{output}");
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<DocumentSchemas> DocumentAsync() =>
        new(JsonNode.Parse(await App.CreateClient().GetStringAsync(ApiReference.DocumentRoute, Ct))!);

    /// <summary>The answer is documented for this operation: its status, its media type, its body's schema, and its ETag if and only if it sends one.</summary>
    private static async Task AssertDocumentedAsync(DocumentSchemas document, string method, string path, HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {expected}, got {response.StatusCode}: {body}");
        var answer = DocumentSchemas.Answer(document.Operation(method, path), (int)expected);
        Assert.True(answer is not null, $"{method} {path} answered {(int)expected}, which the document does not say.");

        var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
        var schema = answer!["content"]?[mediaType]?["schema"];
        Assert.True(schema is not null, $"{method} {path} answered {(int)expected} as {mediaType}, which the document does not say.");
        var json = mediaType.EndsWith("json", StringComparison.Ordinal);
        var problems = document.Problems(schema!, json ? JsonNode.Parse(body) : JsonValue.Create(body));
        Assert.True(problems is null, $"{method} {path} {(int)expected}: {problems}");

        var sendsETag = response.Headers.Contains("ETag");
        Assert.True(sendsETag == (answer["headers"]?["ETag"] is not null), $"{method} {path} {(int)expected}: an ETag {(sendsETag ? "is sent but not documented" : "is documented but not sent")}.");
    }

    private static string? BodyRef(DocumentSchemas document, string method, string path, string mediaType)
    {
        var body = document.Operation(method, path)["requestBody"];
        Assert.True((bool?)body?["required"] == true, $"{method} {path} must document its body as required.");
        return (string?)body!["content"]?[mediaType]?["schema"]?["$ref"];
    }

    private static string? AnswerRef(JsonObject operation, int status, string mediaType) =>
        (string?)DocumentSchemas.Answer(operation, status)?["content"]?[mediaType]?["schema"]?["$ref"];

    private static IEnumerable<string> Headers(JsonObject operation, int status) =>
        (DocumentSchemas.Answer(operation, status)?["headers"]?.AsObject().Select(h => h.Key) ?? []).Order(StringComparer.Ordinal);

    private static JsonObject Parameter(JsonObject operation, string name) =>
        operation["parameters"]?.AsArray().SingleOrDefault(p => (string?)p!["name"] == name)?.AsObject()
            ?? throw new Xunit.Sdk.XunitException($"{operation["operationId"]} has no parameter {name}.");

    private static List<string> Enum(JsonNode schema) => schema["enum"]!.AsArray().Select(v => (string)v!).ToList();

    /// <summary>The registration docs/api.md shows (its first JSON example).</summary>
    private static async Task<JsonNode?> DocumentedRegistrationAsync()
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "docs", "api.md"), Ct);
        var start = text.IndexOf("```json\n", text.IndexOf("## Registering an event", StringComparison.Ordinal), StringComparison.Ordinal) + "```json\n".Length;
        return JsonNode.Parse(text[start..text.IndexOf("```", start, StringComparison.Ordinal)]);
    }

    private static List<string> Required(JsonNode schema) =>
        schema["required"]?.AsArray().Select(r => (string)r!).ToList() ?? [];
}

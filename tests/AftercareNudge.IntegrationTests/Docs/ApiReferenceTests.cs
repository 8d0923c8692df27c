using System.Net;
using System.Text.Json;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Docs;

/// <summary>The OpenAPI document is generated from the real endpoints, and the reference page is rendered from it.</summary>
public sealed class ApiReferenceTests(AzuriteFixture azurite) : AppTest(azurite)
{
    [Fact]
    public async Task OpenApiDocument_DescribesEveryPublicRoute_AndNotTheHostsTimerCalls()
    {
        var response = await App.CreateClient().GetAsync("/api/openapi.json", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = document.RootElement;
        Assert.StartsWith("3.", root.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = root.GetProperty("paths");
        var operations = paths.EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        foreach (var expected in new[]
        {
            "POST /api/events", "GET /api/events/{id}", "DELETE /api/events/{id}", "POST /api/twilio/sms", "POST /api/twilio/status",
            "POST /api/sendgrid/events", "GET /api/consent/{token}", "POST /api/consent/{token}", "GET /api/unsubscribe/{token}",
            "POST /api/unsubscribe/{token}", "GET /api/safety/contact/{token}", "POST /api/safety/contact/{token}", "GET /api/health",
        })
        {
            Assert.Contains(expected, operations);
        }

        Assert.DoesNotContain(operations, o => o.Contains("DispatchDueCheckIns", StringComparison.Ordinal) || o == "GET /");
        var register = paths.GetProperty("/api/events").GetProperty("post");
        Assert.Equal("Register a planned event", register.GetProperty("summary").GetString());
        Assert.True(register.TryGetProperty("security", out _), "Registering needs the API key, and the document must say so.");
        Assert.Equal(0, paths.GetProperty("/api/health").GetProperty("get").GetProperty("security").GetArrayLength());
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("apiKey");
        Assert.Equal(("apiKey", "header", "X-Api-Key"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("in").GetString(), scheme.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task ReferencePage_ListsTheRoutesFromTheDocument_AsASelfContainedPage()
    {
        var response = await App.CreateClient().GetAsync("/api/docs", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Contains("<span class=\"method\">POST</span> <code>/api/events</code>", html, StringComparison.Ordinal);
        Assert.Contains("Register a planned event", html, StringComparison.Ordinal);
        Assert.Contains("<span class=\"method\">DELETE</span> <code>/api/events/{id}</code>", html, StringComparison.Ordinal);
        Assert.Contains("Needs a client API key", html, StringComparison.Ordinal);
        Assert.Contains("<li><code>application/json</code> (<code>RegisterEventRequest</code>)</li>", html, StringComparison.Ordinal);
        Assert.Contains("<li><code>Idempotency-Key</code> (header)</li>", html, StringComparison.Ordinal);
        Assert.Contains("(EventView); headers: Location, ETag, Idempotent-Replayed</li>", html, StringComparison.Ordinal);
        Assert.Contains("<li><code>404</code> No such event for this client. — application/problem&#x2B;json (ProblemDetails)</li>", html, StringComparison.Ordinal);
        Assert.Contains("<a href=\"openapi.json\">", html, StringComparison.Ordinal);

        // The document is OpenAPI 3.1; "1" is the API's own version (info.version), said as such.
        Assert.Contains("openapi.json</a> (OpenAPI 3.1; version 1 of this API)", html, StringComparison.Ordinal);
        Assert.DoesNotContain("OpenAPI 1", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("://", html, StringComparison.Ordinal);
    }
}

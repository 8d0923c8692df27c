using System.Net;
using System.Net.Http.Json;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Messaging.Sms;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Messaging;

/// <summary>
/// <see cref="TwilioSignatureCheck"/> in front of the real inbound-SMS function: only a request signed
/// over the public URL reaches it; everything else is a 403 problem. (An app without Twilio:AuthToken or
/// Public:BaseUrl does not start: see the options' own tests.)
/// </summary>
public sealed class TwilioSignatureFilterTests(AzuriteFixture azurite) : AppTest(azurite)
{
    private const string Token = "0123456789abcdef0123456789abcdef";
    private const string PublicBase = "https://aftercare.example.org";
    private const string Path = "/api/twilio/sms";
    private const string Phone = "+14155550123";
    private const string Text = "stop texting me please";

    private static readonly KeyValuePair<string, string>[] Form =
    [
        new("MessageSid", "SM0123456789abcdef0123456789abcdef"), new("From", Phone), new("To", "+15005550006"), new("Body", Text),
    ];

    private readonly LogCollector _logs = new();
    [Fact]
    public async Task Post_SignedOverPublicUrl_ReachesHandlerWithForm()
    {
        var client = await StartAsync();

        var response = await client.SendAsync(Request(PublicBase + Path, Form), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<Response>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_SignedOverPublicUrlWithDefaultPort_ReachesHandler()
    {
        var client = await StartAsync();

        var response = await client.SendAsync(Request("https://aftercare.example.org:443" + Path, Form), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_SignedWithQueryString_ReachesHandler()
    {
        var client = await StartAsync();

        var response = await client.SendAsync(Request(PublicBase + Path + "?source=number&x=a%20b", Form, Path + "?source=number&x=a%20b"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Post_SignedWithoutItsQueryString_IsForbidden()
    {
        var client = await StartAsync();

        var response = await client.SendAsync(Request(PublicBase + Path, Form, Path + "?source=number"), TestContext.Current.CancellationToken);

        await AssertForbiddenAsync(response);
    }

    [Fact]
    public async Task Post_SignedOverUrlTheServerSaw_IsForbidden()
    {
        // The app sees the local host's address; Twilio signs the public URL.
        var client = await StartAsync();

        var response = await client.SendAsync(Request("http://localhost" + Path, Form), TestContext.Current.CancellationToken);

        await AssertForbiddenAsync(response);
    }

    [Fact]
    public async Task Post_NoSignatureHeader_IsForbiddenAndLogged()
    {
        var client = await StartAsync();
        var request = Request(PublicBase + Path, Form);
        request.Headers.Remove(TwilioSignature.HeaderName);

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertForbiddenAsync(response);
        Assert.Contains(_logs.Entries, e => e.EventId == 440);
    }

    [Fact]
    public async Task Post_TamperedBody_IsForbiddenAndLogsNoParameter()
    {
        var client = await StartAsync();
        var signed = Request(PublicBase + Path, Form);
        var tampered = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = new FormUrlEncodedContent(Form.Select(p => p.Key == "Body" ? KeyValuePair.Create("Body", "YES") : p)),
        };
        tampered.Headers.Add(TwilioSignature.HeaderName, signed.Headers.GetValues(TwilioSignature.HeaderName));

        var response = await client.SendAsync(tampered, TestContext.Current.CancellationToken);

        await AssertForbiddenAsync(response);
        var entry = Assert.Single(_logs.Entries, e => e.EventId == 441);
        Assert.Contains("https://aftercare.example.org/api/twilio/sms", entry.Message, StringComparison.Ordinal);
        Assert.All(_logs.Entries, e =>
        {
            Assert.DoesNotContain(Phone, e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("YES", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Text, e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Post_SignedWithAnotherToken_IsForbidden()
    {
        var client = await StartAsync();

        var response = await client.SendAsync(Request(PublicBase + Path, Form, token: "another-token"), TestContext.Current.CancellationToken);

        await AssertForbiddenAsync(response);
    }

    [Fact]
    public async Task Post_TwoSignatureHeaders_IsForbidden()
    {
        var client = await StartAsync();
        var request = Request(PublicBase + Path, Form);
        request.Headers.Add(TwilioSignature.HeaderName, "second");

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertForbiddenAsync(response);
    }

    [Fact]
    public async Task Post_JsonBody_IsForbidden()
    {
        var client = await StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = JsonContent.Create(new { From = Phone, Body = Text }) };
        TwilioWebhook.Sign(request, PublicBase + Path, [], Token);

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertForbiddenAsync(response);
        Assert.Contains(_logs.Entries, e => e.EventId == 443);
    }

    [Fact]
    public async Task Post_MultipartFormWithValidFieldSignature_IsForbidden()
    {
        // A multipart body could carry files the signature does not cover.
        var client = await StartAsync();
        var content = new MultipartFormDataContent();
        foreach (var (name, value) in Form)
        {
            content.Add(new StringContent(value), name);
        }

        var request = new HttpRequestMessage(HttpMethod.Post, Path) { Content = content };
        TwilioWebhook.Sign(request, PublicBase + Path, Form, Token);

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertForbiddenAsync(response);
    }

    private Task<HttpClient> StartAsync()
    {
        UseApp(AppFactory.WithProviders(
            Azurite,
            () => new ScriptedSender(AftercareNudge.Messaging.SendResult.Sent("SM0123456789abcdef0123456789abcdef")),
            new Dictionary<string, string?> { ["Twilio:AuthToken"] = Token, ["Public:BaseUrl"] = PublicBase },
            s => s.AddSingleton<ILoggerProvider>(_logs)));
        return Task.FromResult(App.CreateClient());
    }

    /// <summary>A form POST to <paramref name="target"/>, signed as Twilio signs it for <paramref name="signedUrl"/>.</summary>
    private static HttpRequestMessage Request(string signedUrl, KeyValuePair<string, string>[] form, string target = Path, string token = Token)
    {
        return TwilioWebhook.Request(target, form, signedUrl, token);
    }

    private async Task AssertForbiddenAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemDetails>(TestContext.Current.CancellationToken);
        Assert.Equal(403, problem?.Status);
        Assert.Equal(TwilioWebhooks.SignatureProblemTitle, problem?.Title);
    }
}

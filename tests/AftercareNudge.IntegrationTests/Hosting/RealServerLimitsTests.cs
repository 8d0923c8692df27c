using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AftercareNudge.Hosting;
using AftercareNudge.IntegrationTests.Infrastructure;

namespace AftercareNudge.IntegrationTests.Hosting;

/// <summary>The limits that only real servers enforce (a chunked body with no length, huge headers), on the built app under the local host.</summary>
public sealed class RealServerLimitsTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RealServer_ChunkedBodyPastTheLimit_Is413Problem_AndHugeHeadersAre4xx()
    {
        await using var app = await AppProcess.StartAsync(azurite, new Dictionary<string, string?>
        {
            ["Twilio__AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["Twilio__AuthToken"] = AppFactory.TwilioAuthToken,
            ["Twilio__From"] = "+14155550123",
            ["Messaging__AllowedCountries"] = "GB,GG,US",
            ["SendGrid__ApiKey"] = "SG.test",
            ["SendGrid__From"] = "care@example.com",
        });

        // No Content-Length: only the server's own limit can stop it, while the webhook reads the form.
        var form = Encoding.ASCII.GetBytes("From=%2B447911123456&Body=" + new string('x', (int)RequestLimits.MaxRequestBytes + 10));
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/twilio/sms") { Content = new StreamContent(new UnknownLengthStream(form)) };
        chunked.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-www-form-urlencoded");
        chunked.Headers.Add("X-Twilio-Signature", "c2lnbmF0dXJl");
        var tooLarge = await app.Http.SendAsync(chunked, Ct);

        using var hugeHeader = new HttpRequestMessage(HttpMethod.Get, "/api/events/ev_000000000000000000000000");
        hugeHeader.Headers.TryAddWithoutValidation("X-Api-Key", new string('k', 64 * 1024));
        var headerAnswer = await app.Http.SendAsync(hugeHeader, Ct);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        var problem = await tooLarge.Content.ReadFromJsonAsync<JsonObject>(Ct);
        Assert.Equal("The request body is too large.", (string?)problem!["title"]);
        Assert.InRange((int)headerAnswer.StatusCode, 400, 499);
        Assert.False(app.Worker.Exited.IsCompleted);
    }

    /// <summary>A body whose length the client does not know, so it is sent chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>One request a client's webhook endpoint received: its headers and exact body.</summary>
internal sealed record ReceivedWebhook(string Path, string? Id, string? Timestamp, string? Signature, string? ContentType, byte[] Body)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();

    public string Type => Json["type"]!.GetValue<string>();

    public JsonObject Data => Json["data"]!.AsObject();
}

/// <summary>
/// A client app's webhook endpoint: a real HTTP server (Kestrel) on a free loopback port that records
/// every request and answers with the status <see cref="Answer"/> gives (200 unless told otherwise).
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>The status to answer the n-th request (1-based) with.</summary>
    public Func<int, int> Answer { get; set; } = _ => StatusCodes.Status200OK;

    public Uri BaseUrl { get; private set; } = null!;

    public Uri Url(string path) => new(BaseUrl, path);

    public IReadOnlyList<ReceivedWebhook> At(string path) => Received.Where(r => r.Path == path).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        var count = 0;
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var request = context.Request;
            receiver.Received.Enqueue(new ReceivedWebhook(
                request.Path.Value ?? "",
                request.Headers["webhook-id"].FirstOrDefault(),
                request.Headers["webhook-timestamp"].FirstOrDefault(),
                request.Headers["webhook-signature"].FirstOrDefault(),
                request.ContentType,
                body.ToArray()));
            context.Response.StatusCode = receiver.Answer(Interlocked.Increment(ref count));
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

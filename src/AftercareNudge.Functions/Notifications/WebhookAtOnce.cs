using System.Threading.Channels;

namespace AftercareNudge.Notifications;

/// <summary>
/// The first attempt at a new notification, made at once in the background instead of at the next
/// timer run (<c>Notifications__DeliverAtOnce</c>, on by default). It takes the same ETag claim as the
/// timer, so the two never both send one attempt; whatever it does not get to (the queue is full, the
/// app stops, the receiver fails) the <c>DeliverWebhookNotifications</c> timer does.
/// </summary>
public sealed class WebhookAtOnce(WebhookDelivery delivery, IConfiguration configuration, ILogger<WebhookAtOnce> logger) : BackgroundService
{
    private const int Concurrency = 4;

    private readonly Channel<(string ClientId, string Id)> _queue = Channel.CreateBounded<(string, string)>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropWrite });

    private readonly bool _enabled = configuration.GetValue("Notifications:DeliverAtOnce", true);

    /// <summary>Asks for an attempt now; never waits, and a full queue leaves it to the timer.</summary>
    public void Kick(string clientId, string id)
    {
        if (_enabled)
        {
            _queue.Writer.TryWrite((clientId, id));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Parallel.ForEachAsync(
                _queue.Reader.ReadAllAsync(stoppingToken),
                new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = stoppingToken },
                async (item, token) =>
                {
                    try
                    {
                        await delivery.DeliverOneAsync(item.ClientId, item.Id, token);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        NotificationsLog.Errored(logger, e, item.ClientId, item.Id);
                    }
                });
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is left is the timer's.
        }
    }
}

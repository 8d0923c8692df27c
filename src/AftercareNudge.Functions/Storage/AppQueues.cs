using System.Collections.Concurrent;
using Azure.Storage.Queues;

namespace AftercareNudge.Storage;

/// <summary>
/// The app's Storage queues, named like its tables from <c>Storage:TablePrefix</c> so that apps and test
/// runs sharing an account never take each other's messages, and each created on first use. Queue
/// names are lower case: the Functions host lowers a trigger's resolved name too, so both sides agree.
/// </summary>
public sealed class AppQueues(QueueServiceClient service, string prefix)
{
    /// <summary>The queue of check-ins to send (ids only), read by the send function.</summary>
    public const string Sends = "sends";

    /// <summary>The send function's trigger: the same name as <see cref="Name"/> gives, resolved by the host.</summary>
    public const string SendsBinding = "%Storage:TablePrefix%" + Sends;

    private readonly ConcurrentDictionary<string, Lazy<Task<QueueClient>>> _queues = new();

    /// <summary>How the messages are encoded: base64, as the queue trigger reads them unless told otherwise.</summary>
    public static QueueClientOptions ClientOptions()
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        options.Retry.MaxRetries = 2;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        options.Retry.Delay = TimeSpan.FromSeconds(0.8);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        return options;
    }

    public string Name(string queue) => (prefix + queue).ToLowerInvariant();

    /// <summary>The queue, once created.</summary>
    public Task<QueueClient> GetAsync(string queue, CancellationToken cancellationToken = default) =>
        _queues.GetOrAdd(queue, q => new Lazy<Task<QueueClient>>(() => CreateAsync(q))).Value.WaitAsync(cancellationToken);

    /// <summary>The queue the host moves a message to once it has failed its last try.</summary>
    public QueueClient Poison(string queue) => service.GetQueueClient(Name(queue) + "-poison");

    private async Task<QueueClient> CreateAsync(string queue)
    {
        var client = service.GetQueueClient(Name(queue));
        try
        {
            await client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
        }
        catch (Exception)
        {
            _queues.TryRemove(queue, out _);
            throw;
        }

        return client;
    }
}

using AftercareNudge.Hosting;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Storage;

public static class StorageExtensions
{
    /// <summary>
    /// The longest one storage call can take with <see cref="DefaultClientOptions"/>: three tries of
    /// 10 s plus the waits between them. The dispatcher's claim lease is sized from it.
    /// </summary>
    public static readonly TimeSpan WorstCaseRequest = TimeSpan.FromSeconds(35);

    /// <summary>
    /// Bounded retries and timeouts (the SDK's defaults allow 100 s per try), so that a claim outlasts any
    /// call. Within an HTTP invocation they are cut to its <see cref="StorageBudget"/>, never lengthened.
    /// </summary>
    public static TableClientOptions DefaultClientOptions()
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 2;
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        options.Retry.Delay = TimeSpan.FromSeconds(0.8);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        return options;
    }

    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddValidatedOptions<StorageOptions>((o, c) => o.Bind(c), o => o.Problems());
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var clientOptions = sp.GetService<TableClientOptions>() ?? DefaultClientOptions();

            // The options' own retries, cut short where someone waits for an answer (StorageBudget).
            clientOptions.RetryPolicy ??= new BudgetedRetryPolicy(clientOptions.Retry);
            return options.TableServiceUri is not null
                ? new TableServiceClient(options.TableServiceUri, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ClientId }), clientOptions)
                : new TableServiceClient(options.ConnectionString, clientOptions);
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return options.QueueServiceUri is not null
                ? new QueueServiceClient(options.QueueServiceUri, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ClientId }), AppQueues.ClientOptions())
                : new QueueServiceClient(options.ConnectionString, AppQueues.ClientOptions());
        });
        services.AddSingleton(sp => new AppQueues(sp.GetRequiredService<QueueServiceClient>(), sp.GetRequiredService<IOptions<StorageOptions>>().Value.TablePrefix));
        services.AddSingleton(sp => new AppTables(sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<IOptions<StorageOptions>>().Value.TablePrefix));
        return services;
    }
}

/// <summary>Storage log messages (event ids 600-619).</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Error, Message = "Table Storage is unavailable")]
    public static partial void Unavailable(ILogger logger, Exception exception);
}

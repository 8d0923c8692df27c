using AftercareNudge.Hosting;
using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace AftercareNudge.Storage;

public static class StorageExtensions
{
    public static IServiceCollection AddStorage(this IServiceCollection services)
    {
        services.AddValidatedOptions<StorageOptions>((o, c) => o.Bind(c), o => o.Problems());
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var clientOptions = sp.GetService<TableClientOptions>() ?? new TableClientOptions();
            return options.TableServiceUri is not null
                ? new TableServiceClient(options.TableServiceUri, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ClientId }), clientOptions)
                : new TableServiceClient(options.ConnectionString, clientOptions);
        });
        services.AddExceptionHandler<StorageUnavailableHandler>();
        services.AddSingleton(sp => new AppTables(sp.GetRequiredService<TableServiceClient>(), sp.GetRequiredService<IOptions<StorageOptions>>().Value.TablePrefix));
        return services;
    }
}

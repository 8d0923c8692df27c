namespace AftercareNudge.Storage;

/// <summary>
/// Where state lives. <c>AzureWebJobsStorage</c> is a connection string (<c>UseDevelopmentStorage=true</c>
/// is Azurite on its default port); in Azure, <c>AzureWebJobsStorage__tableServiceUri</c> with the app's
/// managed identity instead.
/// </summary>
public sealed class StorageOptions
{
    public string? ConnectionString { get; set; }

    public Uri? TableServiceUri { get; set; }

    /// <summary>In Azure, the queue endpoint beside <see cref="TableServiceUri"/> (<c>AzureWebJobsStorage__queueServiceUri</c>): the host's queue trigger reads it too.</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>The user-assigned identity's client id, when the identity is not the system-assigned one.</summary>
    public string? ClientId { get; set; }

    /// <summary>Prefix for every table name (letters and digits): lets several apps or test runs share an account.</summary>
    public string TablePrefix { get; set; } = "";

    /// <summary>
    /// How long storage may take in all while an HTTP request waits (<see cref="StorageBudget"/>):
    /// <c>Storage:RequestBudget</c>, 8 s unless set, between 1 and 60 s. Past 9 s a hanging storage's
    /// 503 no longer comes within 10 s (Twilio gives a webhook 15 s for all its tries); a longer budget
    /// is for a machine so loaded that a busy storage answers slowly (the test suite's).
    /// </summary>
    public TimeSpan RequestBudget { get; set; } = StorageBudget.ForRequests;

    public void Bind(IConfiguration configuration)
    {
        var section = configuration.GetSection("AzureWebJobsStorage");
        ConnectionString = section.Value;
        TableServiceUri = Uri.TryCreate(section["tableServiceUri"], UriKind.Absolute, out var uri) ? uri : null;
        QueueServiceUri = Uri.TryCreate(section["queueServiceUri"], UriKind.Absolute, out var queues) ? queues : null;
        ClientId = section["clientId"];
        TablePrefix = configuration["Storage:TablePrefix"] ?? "";
        RequestBudget = configuration.GetValue("Storage:RequestBudget", RequestBudget);
    }

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && TableServiceUri is null)
        {
            yield return "AzureWebJobsStorage is required: a connection string (UseDevelopmentStorage=true for Azurite), or AzureWebJobsStorage__tableServiceUri with a managed identity.";
        }
        else if (TableServiceUri is null && !IsConnectionString(ConnectionString!))
        {
            yield return "AzureWebJobsStorage is not a storage connection string: use UseDevelopmentStorage=true for Azurite, or copy the account's connection string from the Azure portal.";
        }
        else if (TableServiceUri is not null && QueueServiceUri is null && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return "AzureWebJobsStorage__queueServiceUri is required beside AzureWebJobsStorage__tableServiceUri: the check-ins to send go through a Storage queue.";
        }

        if (TablePrefix.Any(c => !char.IsAsciiLetterOrDigit(c)) || (TablePrefix.Length > 0 && !char.IsAsciiLetter(TablePrefix[0])))
        {
            yield return "Storage:TablePrefix must start with a letter and hold only letters and digits.";
        }

        if (RequestBudget < TimeSpan.FromSeconds(1) || RequestBudget > TimeSpan.FromSeconds(60))
        {
            yield return "Storage:RequestBudget must be between 00:00:01 and 00:01:00, such as 00:00:08 (the default).";
        }
    }

    private static bool IsConnectionString(string value)
    {
        try
        {
            _ = new Azure.Data.Tables.TableServiceClient(value);
            return true;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }
}

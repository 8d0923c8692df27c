using AftercareNudge.Storage;
using Microsoft.Extensions.Configuration;

namespace AftercareNudge.Tests.Storage;

public sealed class StorageOptionsTests
{
    [Fact]
    public void Problems_Azurite_IsFine()
    {
        Assert.Empty(new StorageOptions { ConnectionString = "UseDevelopmentStorage=true" }.Problems());
    }

    [Fact]
    public void Problems_TableAndQueueServiceUris_AreFine()
    {
        Assert.Empty(new StorageOptions { TableServiceUri = new Uri("https://account.table.core.windows.net"), QueueServiceUri = new Uri("https://account.queue.core.windows.net") }.Problems());
    }

    [Fact]
    public void Problems_TableServiceUriWithoutAQueueServiceUri_NamesTheQueueSetting()
    {
        var problem = Assert.Single(new StorageOptions { TableServiceUri = new Uri("https://account.table.core.windows.net") }.Problems());

        Assert.StartsWith("AzureWebJobsStorage__queueServiceUri is required", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_NothingSet_NamesAzureWebJobsStorage()
    {
        var problem = Assert.Single(new StorageOptions().Problems());

        Assert.StartsWith("AzureWebJobsStorage is required", problem, StringComparison.Ordinal);
        Assert.Contains("AzureWebJobsStorage__tableServiceUri", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_NotAConnectionString_NamesAzureWebJobsStorage()
    {
        var problem = Assert.Single(new StorageOptions { ConnectionString = "azurite please" }.Problems());

        Assert.StartsWith("AzureWebJobsStorage", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestBudget_IsEightSecondsUnlessSet_AndReadFromStorageRequestBudget()
    {
        var options = new StorageOptions();
        Assert.Equal(TimeSpan.FromSeconds(8), options.RequestBudget);

        options.Bind(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Storage:RequestBudget"] = "00:00:30",
        }).Build());
        Assert.Equal(TimeSpan.FromSeconds(30), options.RequestBudget);
        Assert.Empty(options.Problems());
    }

    [Theory]
    [InlineData("00:00:00.500")]
    [InlineData("00:01:01")]
    public void Problems_RequestBudgetOutOfRange_NamesIt(string budget)
    {
        var problem = Assert.Single(new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", RequestBudget = TimeSpan.Parse(budget, System.Globalization.CultureInfo.InvariantCulture) }.Problems());
        Assert.StartsWith("Storage:RequestBudget", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1tests")]
    [InlineData("run-42")]
    [InlineData("run_42")]
    public void Problems_BadTablePrefix_NamesTablePrefix(string prefix)
    {
        var options = new StorageOptions { ConnectionString = "UseDevelopmentStorage=true", TablePrefix = prefix };

        Assert.StartsWith("Storage:TablePrefix", Assert.Single(options.Problems()), StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_FunctionsSettingNames_AreRead()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage:tableServiceUri"] = "https://account.table.core.windows.net",
            ["AzureWebJobsStorage:queueServiceUri"] = "https://account.queue.core.windows.net",
            ["AzureWebJobsStorage:clientId"] = "client-1",
            ["Storage:TablePrefix"] = "run42",
        }).Build();
        var options = new StorageOptions();

        options.Bind(configuration);

        Assert.Null(options.ConnectionString);
        Assert.Equal(new Uri("https://account.table.core.windows.net"), options.TableServiceUri);
        Assert.Equal(new Uri("https://account.queue.core.windows.net"), options.QueueServiceUri);
        Assert.Equal("client-1", options.ClientId);
        Assert.Equal("run42", options.TablePrefix);
        Assert.Empty(options.Problems());
    }
}

using System.Text.Json;
using AftercareNudge.IntegrationTests.Infrastructure;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using AftercareNudge.Tools;
using Azure.Data.Tables;

namespace AftercareNudge.IntegrationTests.Privacy;

/// <summary>
/// tools/StoredAddressCheck against Azurite: rows stored before email addresses refused invisible
/// characters and undeliverable forms are found and reported by table, partition, row and code point,
/// without printing the address; clean tables report nothing.
/// </summary>
public sealed class StoredAddressCheckTests(AzuriteFixture azurite)
{
    private const string Rlo = "alex.rlo@example.com\u202E";
    private const string ZeroWidth = "alex.rlo@example.com\u200B";
    private readonly string _prefix = AzuriteFixture.UniquePrefix();

    [Fact]
    public async Task Check_RowsWithInvisibleCharactersOrUndeliverableForms_AreReportedWhereTheyAre_WithoutTheAddress()
    {
        await SeedEventAsync("ev_0123456789abcdef01234567", ("alex", Rlo), ("kit", "kit@example.com"));
        var ledgerPartition = AddressKeys.For(Channel.Email, ZeroWidth);
        await SeedAsync(AppTables.ConsentLedger, ledgerPartition, "0001-a", "Email", ZeroWidth);
        await SeedAsync(AppTables.ConsentLedger, AddressKeys.For(Channel.Email, "sam@example.com"), "0002-b", "Email", "sam@example.com");
        await SeedAsync(AppTables.ConsentLedger, AddressKeys.For(Channel.Sms, "+447911123456"), "0003-c", "Sms", "+447911123456");
        await SeedAsync(AppTables.LinkTokens, "token", "hash-1", "Email", "\"a b\"@example.com");
        using var output = new StringWriter();

        var exitCode = await StoredAddressCheck.RunAsync([azurite.ConnectionString, _prefix], output, TestContext.Current.CancellationToken);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(1, exitCode);
        Assert.Equal(
            [
                $"Events\tpartition=ev_0123456789abcdef01234567\trow=event\tpeople[alex].email\tkey={AddressKeys.For(Channel.Email, Rlo)}\tU+202E at position 21",
                $"ConsentLedger\tpartition={ledgerPartition}\trow=0001-a\tAddress\tkey={ledgerPartition}\tU+200B at position 21",
                $"LinkTokens\tpartition=token\trow=hash-1\tAddress\tkey={AddressKeys.For(Channel.Email, "\"a b\"@example.com")}\t{EmailAddresses.NotDeliverable}",
                "3 stored email addresses the app would no longer take.",
            ],
            lines);
        Assert.DoesNotContain("alex.rlo", output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("a b", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_OnlyAddressesTheAppTakes_ReportsNothing_AndExitsZero()
    {
        await SeedEventAsync("ev_0123456789abcdef01234568", ("alex", "alex.rlo@example.com"));
        await SeedAsync(AppTables.ConsentLedger, AddressKeys.For(Channel.Email, "alex.rlo@example.com"), "0001-a", "Email", "alex.rlo@example.com");
        using var output = new StringWriter();

        var exitCode = await StoredAddressCheck.RunAsync([azurite.ConnectionString, _prefix], output, TestContext.Current.CancellationToken);

        Assert.Equal(0, exitCode);
        Assert.Equal("0 stored email addresses the app would no longer take.", output.ToString().Trim());
    }

    [Fact]
    public async Task Check_WithoutAConnectionString_PrintsUsage_AndExitsTwo()
    {
        using var output = new StringWriter();

        var exitCode = await StoredAddressCheck.RunAsync([], output, TestContext.Current.CancellationToken);

        Assert.Equal((2, StoredAddressCheck.Usage), (exitCode, output.ToString().Trim()));
    }

    /// <summary>An event row as EventStore writes it: the organiser and people serialised as JSON columns.</summary>
    private async Task SeedEventAsync(string eventId, params (string Key, string Email)[] people)
    {
        var organizer = new Participant(Participant.OrganizerKey, "Sam", "+447911123456", "sam@example.com", "Etc/UTC");
        var table = await TableAsync(AppTables.Events);
        await table.AddEntityAsync(new TableEntity(eventId, "event")
        {
            ["Organizer"] = JsonSerializer.Serialize(organizer, JsonSerializerOptions.Web),
            ["People"] = JsonSerializer.Serialize(people.Select(p => new Participant(p.Key, p.Key, null, p.Email, "Etc/UTC")).ToList(), JsonSerializerOptions.Web),
        });
    }

    private async Task SeedAsync(string name, string partition, string row, string channel, string address)
    {
        var table = await TableAsync(name);
        await table.AddEntityAsync(new TableEntity(partition, row) { ["Channel"] = channel, ["Address"] = address });
    }

    private async Task<TableClient> TableAsync(string name)
    {
        var table = azurite.CreateServiceClient().GetTableClient(_prefix + name);
        await table.CreateIfNotExistsAsync();
        return table;
    }
}

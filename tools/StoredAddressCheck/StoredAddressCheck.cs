using System.Globalization;
using System.Text;
using System.Text.Json;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Tools;

/// <summary>One stored email address the app would no longer take: where it is, and why.</summary>
/// <param name="Field">The column, or for an event the person (<c>organizer.email</c>, <c>people[alex].email</c>).</param>
/// <param name="AddressKey">The key the address's other rows are under (<c>Consents</c>, <c>RecipientCheckIns</c>, <c>AddressIndex</c>…).</param>
/// <param name="Problem">The format characters found (code point and position), or the rule it breaks.</param>
public sealed record StoredAddressFinding(string Table, string PartitionKey, string RowKey, string Field, string AddressKey, string Problem);

/// <summary>
/// Reads every stored email address (the events' people, the consent ledger, the link tokens) and
/// reports those that <see cref="EmailAddresses.Problem"/> now refuses: rows stored before the rule with
/// an invisible or direction-changing character, or in a form SendGrid does not deliver to. It prints
/// where each is and what is wrong, never the address; it changes nothing.
/// </summary>
public static class StoredAddressCheck
{
    public const string Usage = "usage: StoredAddressCheck <storage connection string> [table prefix]";

    /// <summary>Prints a line per finding and a summary; 0 when there is none, 1 when there are some, 2 on a usage error.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (args.Length is < 1 or > 2 || string.IsNullOrWhiteSpace(args[0]))
        {
            await output.WriteLineAsync(Usage);
            return 2;
        }

        var service = new TableServiceClient(args[0]);
        var prefix = args.Length == 2 ? args[1] : "";
        var count = 0;
        await foreach (var finding in FindAsync(service, prefix, cancellationToken))
        {
            count++;
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"{finding.Table}\tpartition={finding.PartitionKey}\trow={finding.RowKey}\t{finding.Field}\tkey={finding.AddressKey}\t{finding.Problem}"));
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{count} stored email address{(count == 1 ? "" : "es")} the app would no longer take."));
        return count == 0 ? 0 : 1;
    }

    public static async IAsyncEnumerable<StoredAddressFinding> FindAsync(TableServiceClient service, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        var events = service.GetTableClient(prefix + AppTables.Events);
        await foreach (var row in RowsAsync(events, "RowKey eq 'event'", ["PartitionKey", "RowKey", "Organizer", "People"], cancellationToken))
        {
            foreach (var (field, address) in EventAddresses(row))
            {
                if (Check(AppTables.Events, row, field, address) is { } finding)
                {
                    yield return finding;
                }
            }
        }

        foreach (var name in new[] { AppTables.ConsentLedger, AppTables.LinkTokens })
        {
            var table = service.GetTableClient(prefix + name);
            await foreach (var row in RowsAsync(table, "Channel eq 'Email'", ["PartitionKey", "RowKey", "Address"], cancellationToken))
            {
                if (row.GetString("Address") is { } address && Check(name, row, "Address", address) is { } finding)
                {
                    yield return finding;
                }
            }
        }
    }

    /// <summary>The format characters in <paramref name="address"/>, each as <c>U+202E at position 21</c>, or the rule it breaks.</summary>
    public static string Describe(string address, string problem)
    {
        ArgumentNullException.ThrowIfNull(address);
        var found = address.EnumerateRunes()
            .Select((rune, i) => (rune, i))
            .Where(x => Rune.GetUnicodeCategory(x.rune) == UnicodeCategory.Format)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"U+{x.rune.Value:X4} at position {x.i + 1}"))
            .ToList();
        return found.Count > 0 ? string.Join(", ", found) : problem;
    }

    private static StoredAddressFinding? Check(string table, TableEntity row, string field, string address) =>
        EmailAddresses.Problem(address.Trim()) is { } problem
            ? new StoredAddressFinding(table, row.PartitionKey, row.RowKey, field, AddressKeys.For(Channel.Email, address), Describe(address, problem))
            : null;

    private static IEnumerable<(string Field, string Address)> EventAddresses(TableEntity row)
    {
        if (Email(row.GetString("Organizer")) is { } organizer)
        {
            yield return ("organizer.email", organizer);
        }

        if (row.GetString("People") is not { Length: > 0 } people)
        {
            yield break;
        }

        using var document = JsonDocument.Parse(people);
        foreach (var person in document.RootElement.EnumerateArray())
        {
            if (Email(person) is { } email)
            {
                var key = person.TryGetProperty("key", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : "?";
                yield return ($"people[{key}].email", email);
            }
        }
    }

    private static string? Email(string? json)
    {
        if (json is not { Length: > 0 })
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return Email(document.RootElement);
    }

    private static string? Email(JsonElement person) =>
        person.ValueKind == JsonValueKind.Object && person.TryGetProperty("email", out var email) && email.ValueKind == JsonValueKind.String ? email.GetString() : null;

    /// <summary>The table's rows matching <paramref name="filter"/>; none when the table does not exist (nothing was ever stored there).</summary>
    private static async IAsyncEnumerable<TableEntity> RowsAsync(TableClient table, string filter, string[] select, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pages = table.QueryAsync<TableEntity>(filter, select: select, cancellationToken: cancellationToken).AsPages().GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                Page<TableEntity> page;
                try
                {
                    if (!await pages.MoveNextAsync())
                    {
                        yield break;
                    }

                    page = pages.Current;
                }
                catch (RequestFailedException e) when (e.IsNotFound())
                {
                    yield break;
                }

                foreach (var row in page.Values)
                {
                    yield return row;
                }
            }
        }
        finally
        {
            await pages.DisposeAsync();
        }
    }
}

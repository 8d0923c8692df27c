using System.Text.Json;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;
using Azure;
using Azure.Data.Tables;

namespace AftercareNudge.Replies;

/// <summary>One organiser a person may mean: the check-in of theirs that reached the person last, and how to name them.</summary>
public sealed record ReplyOption(string EventId, string CheckInId, string OrganizerName, string? ClientId);

/// <summary>A reply kept until the person says which organiser it is for.</summary>
public sealed record KeptReply(string MessageId, string Body, DateTimeOffset ReceivedAt);

/// <summary>An open question to one number: which organiser its replies are for, and the replies kept meanwhile, oldest first.</summary>
public sealed record ReplyChoice(IReadOnlyList<ReplyOption> Options, IReadOnlyList<KeptReply> Replies, DateTimeOffset ExpiresAt);

/// <summary>
/// Replies the service will not guess about. When check-ins from more than one organiser reached a
/// number within <see cref="InboundSms.ReplyWindow"/>, a reply is kept here, and the person is asked
/// which organiser it is for (naming only organisers whose check-ins they received); it is passed on
/// when they answer. A question is open for <see cref="OpenFor"/>; then it and its replies are deleted
/// by the hourly purge (<see cref="DropExpiredAsync"/>), never passed on unasked.
/// </summary>
/// <remarks>
/// Partition: the number's address key; row <c>choice</c> holds the options, one row per kept reply
/// (<c>reply-&lt;message id&gt;</c>) its words. The table holds only open questions, so the purge's read
/// of every <c>choice</c> row is cheap. Erasing the number deletes its partition.
/// </remarks>
public sealed class ReplyChoices(AppTables tables, TimeProvider time)
{
    public static readonly TimeSpan OpenFor = TimeSpan.FromDays(7);

    /// <summary>At most this many organisers are offered (a choice is one digit).</summary>
    public const int MaxOptions = 9;

    private const string ChoiceRow = "choice";
    private const string ReplyRowPrefix = "reply-";

    /// <summary>The open question to this number, with its kept replies, or null.</summary>
    public async Task<ReplyChoice?> GetAsync(string from, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ReplyChoices, cancellationToken);
        var partition = AddressKeys.For(Channel.Sms, from);
        TableEntity? choice = null;
        var replies = new List<KeptReply>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
        {
            if (row.RowKey == ChoiceRow)
            {
                choice = row;
            }
            else if (row.RowKey.StartsWith(ReplyRowPrefix, StringComparison.Ordinal))
            {
                replies.Add(new KeptReply(row.RowKey[ReplyRowPrefix.Length..], row.GetString("Body") ?? "", row.GetDateTimeOffset("ReceivedAt") ?? default));
            }
        }

        if (choice?.GetDateTimeOffset("ExpiresAt") is not { } expiresAt || expiresAt <= time.GetUtcNow())
        {
            return null;
        }

        var options = JsonSerializer.Deserialize<List<ReplyOption>>(choice.GetString("Options") ?? "[]") ?? [];
        return new ReplyChoice(options, replies.OrderBy(r => r.ReceivedAt).ThenBy(r => r.MessageId, StringComparer.Ordinal).ToList(), expiresAt);
    }

    /// <summary>
    /// Keeps a reply under the question (opened with these options unless one is open already): its
    /// words first, then the question, so that no question stands without the reply it is about.
    /// </summary>
    public async Task KeepAsync(string from, KeptReply reply, IReadOnlyList<ReplyOption> options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var table = await tables.GetAsync(AppTables.ReplyChoices, cancellationToken);
        var partition = AddressKeys.For(Channel.Sms, from);
        await table.UpsertEntityAsync(
            new TableEntity(partition, ReplyRowPrefix + reply.MessageId) { ["Body"] = reply.Body, ["ReceivedAt"] = reply.ReceivedAt },
            TableUpdateMode.Replace,
            cancellationToken);
        var current = await table.GetEntityIfExistsAsync<TableEntity>(partition, ChoiceRow, cancellationToken: cancellationToken);
        if (current.HasValue && current.Value!.GetDateTimeOffset("ExpiresAt") > time.GetUtcNow())
        {
            return;
        }

        await table.UpsertEntityAsync(
            new TableEntity(partition, ChoiceRow) { ["Options"] = JsonSerializer.Serialize(options), ["ExpiresAt"] = time.GetUtcNow() + OpenFor },
            TableUpdateMode.Replace,
            cancellationToken);
    }

    /// <summary>Erasure, and closing a question once its replies were passed on: deletes the number's question and every reply kept under it. Returns how many replies were deleted.</summary>
    public async Task<int> ForgetAsync(string from, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ReplyChoices, cancellationToken);
        return await DeletePartitionAsync(table, AddressKeys.For(Channel.Sms, from), cancellationToken);
    }

    /// <summary>The hourly purge: questions nobody answered within <see cref="OpenFor"/> go, with the replies kept under them. Returns how many questions went.</summary>
    public async Task<int> DropExpiredAsync(CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(AppTables.ReplyChoices, cancellationToken);
        var now = time.GetUtcNow();
        var dropped = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {ChoiceRow} and ExpiresAt le {now}"), select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            await DeletePartitionAsync(table, row.PartitionKey, cancellationToken);
            dropped++;
        }

        return dropped;
    }

    private static async Task<int> DeletePartitionAsync(TableClient table, string partition, CancellationToken cancellationToken)
    {
        var rows = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            rows.Add(row.RowKey);
        }

        var replies = 0;
        foreach (var rowKey in rows.OrderBy(r => r == ChoiceRow ? 1 : 0))
        {
            if (await table.TryDeleteAsync(partition, rowKey, ETag.All, cancellationToken) && rowKey != ChoiceRow)
            {
                replies++;
            }
        }

        return replies;
    }
}

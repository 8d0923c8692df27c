using System.Text.Json;
using AftercareNudge.Schedule;
using AftercareNudge.Storage;

namespace AftercareNudge.Dispatch;

/// <summary>
/// The send queue's messages: one per check-in attempt, carrying its ids (event, check-in, client) and
/// the instant it is due, never words or addresses (queues are outside the purge and erasure). A message is made visible at
/// its check-in's second; whoever takes it still has to claim the check-in, so a message that is lost,
/// duplicated or stale changes nothing (see <see cref="QueuedSends"/>).
/// </summary>
public sealed class SendQueue(AppQueues queues)
{
    /// <summary>
    /// How long an unread message lives. The scheduler enqueues at most a minute ahead and enqueues again
    /// what is still owed, so a day is plenty; the service's default would be seven.
    /// </summary>
    internal static readonly TimeSpan TimeToLive = TimeSpan.FromDays(1);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>Puts the attempt on the queue, hidden until its second (never before).</summary>
    public async Task EnqueueAsync(DueEntry entry, TimeSpan delay, CancellationToken cancellationToken)
    {
        var queue = await queues.GetAsync(AppQueues.Sends, cancellationToken);
        await queue.SendMessageAsync(Write(entry), Visibility(delay), TimeToLive, cancellationToken);
    }

    /// <summary>How many messages the host has given up on (<c>&lt;queue&gt;-poison</c>), roughly; 0 if there is no such queue.</summary>
    public async Task<int> PoisonedAsync(CancellationToken cancellationToken)
    {
        try
        {
            var properties = await queues.Poison(AppQueues.Sends).GetPropertiesAsync(cancellationToken);
            return properties.Value.ApproximateMessagesCount;
        }
        catch (Azure.RequestFailedException e) when (e.IsNotFound())
        {
            return 0;
        }
    }

    /// <summary>When the check-in at the front of the queue, visible and not taken, was due; null if none waits.</summary>
    public async Task<DateTimeOffset?> OldestWaitingAsync(CancellationToken cancellationToken)
    {
        var queue = await queues.GetAsync(AppQueues.Sends, cancellationToken);
        var front = (await queue.PeekMessagesAsync(1, cancellationToken)).Value;
        return front.Length == 0 ? null : Read(front[0].Body.ToString())?.NextAttemptAt ?? front[0].InsertedOn;
    }

    /// <summary>The delay in whole seconds (the queue's unit), rounded up so that a message is never visible early.</summary>
    internal static TimeSpan Visibility(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Ceiling(delay.TotalSeconds));

    internal static string Write(DueEntry entry) =>
        JsonSerializer.Serialize(new SendMessage(entry.EventId, entry.CheckInId, entry.NextAttemptAt.UtcTicks, entry.ClientId), Json);

    /// <summary>The attempt a message stands for; null if it is not one of ours.</summary>
    internal static DueEntry? Read(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<SendMessage>(text, Json) is { EventId: { Length: > 0 } eventId, CheckInId: { Length: > 0 } checkInId, Due: > 0 and var due } message
                && due <= DateTimeOffset.MaxValue.UtcTicks
                ? new DueEntry(eventId, checkInId, new DateTimeOffset(due, TimeSpan.Zero), message.ClientId)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record SendMessage(string? EventId, string? CheckInId, long Due, string? ClientId);
}

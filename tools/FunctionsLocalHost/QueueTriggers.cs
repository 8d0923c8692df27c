using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using FunctionsLocalHost.Rpc;

namespace FunctionsLocalHost;

/// <summary>
/// Queue-triggered functions as the host's queue extension runs them (its QueueListener and
/// QueueProcessor): each queue is polled for a batch; an empty poll backs off, randomised and doubling
/// from 100 ms up to <c>maxPollingInterval</c>, and a poll that found messages resets it; a new batch is
/// fetched once no more than <c>newBatchThreshold</c> are in flight. A message is hidden for ten minutes
/// while its function runs (renewed half way). On success it is deleted; on failure it is made visible
/// again after <c>visibilityTimeout</c>, and once it has been dequeued <c>maxDequeueCount</c> times it is
/// moved to <c>&lt;queue&gt;-poison</c> instead. Queue names resolve <c>%setting%</c> expressions and are
/// lower-cased; the connection is the setting the trigger names (default AzureWebJobsStorage), as a
/// connection string.
/// </summary>
public sealed partial class QueueTriggers(Invocations invocations, QueueSettings settings, AppSettings appSettings, TimeProvider time, ILogger<QueueTriggers> logger)
{
    private const string PoisonSuffix = "-poison";

    /// <summary>How long a message stays hidden while its function runs (the extension's value), renewed half way.</summary>
    internal static readonly TimeSpan RunningVisibility = TimeSpan.FromMinutes(10);

    private readonly List<Listener> _listeners = [];

    /// <summary>The queues being listened to, by function, with their names resolved.</summary>
    public IReadOnlyDictionary<string, string> QueueNames => _listeners.ToDictionary(l => l.Function.Name, l => l.Queue.Name, StringComparer.Ordinal);

    /// <summary>
    /// Prepares a listener per function. A function whose queue name or connection does not resolve is
    /// left out with an error, as the host leaves out a function it cannot index, and the others run.
    /// </summary>
    public void Add(IEnumerable<QueueFunction> functions)
    {
        foreach (var function in functions)
        {
            try
            {
                var name = appSettings.Resolve(function.QueueName).ToLowerInvariant();
                var service = new QueueServiceClient(ConnectionString(function), new QueueClientOptions
                {
                    MessageEncoding = settings.Base64 ? QueueMessageEncoding.Base64 : QueueMessageEncoding.None,
                });
                var poison = name.EndsWith(PoisonSuffix, StringComparison.Ordinal) || name.Length + PoisonSuffix.Length > 63
                    ? null
                    : service.GetQueueClient(name + PoisonSuffix);
                _listeners.Add(new Listener(function, service.GetQueueClient(name), poison));
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or ArgumentException)
            {
                Log.NotListening(logger, function.Name, e.Message);
            }
        }
    }

    /// <summary>Listens to every queue until stopped, then waits for the messages in flight.</summary>
    public Task RunAsync(CancellationToken stopping) => Task.WhenAll(_listeners.Select(l => ListenAsync(l, stopping)));

    private string ConnectionString(QueueFunction function)
    {
        var name = string.IsNullOrEmpty(function.Connection) ? "AzureWebJobsStorage" : function.Connection;
        return appSettings[name] ?? appSettings["AzureWebJobs" + name]
            ?? throw new InvalidOperationException($"there is no app setting {name} with a storage connection string (identity-based connections are not supported by this local host)");
    }

    private async Task ListenAsync(Listener listener, CancellationToken stopping)
    {
        var processing = new List<Task>();
        var backoff = new Backoff(QueueSettings.MinimumPollingInterval, settings.MaxPollingInterval);
        var foundSinceLastDelay = false;
        bool? exists = null;
        while (!stopping.IsCancellationRequested)
        {
            QueueMessage[] batch = [];
            try
            {
                // Whether the queue exists is asked until it does (a queue created later is found), then not again.
                if (exists != true)
                {
                    exists = (await listener.Queue.ExistsAsync(stopping)).Value;
                }

                if (exists == true)
                {
                    batch = (await listener.Queue.ReceiveMessagesAsync(settings.BatchSize, RunningVisibility, stopping)).Value;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RequestFailedException or HttpRequestException or OperationCanceledException)
            {
                // Any storage error re-checks that the queue exists; the listener backs off and carries on.
                exists = null;
                Log.PollFailed(logger, listener.Function.Name, listener.Queue.Name, (e as RequestFailedException)?.Status ?? 0, (e as RequestFailedException)?.ErrorCode ?? e.Message);
            }

            processing.RemoveAll(t => t.IsCompleted);
            if (batch.Length > 0)
            {
                foundSinceLastDelay = true;
                processing.AddRange(batch.Select(m => ProcessAsync(listener, m, stopping)));
                while (processing.Count > settings.NewBatchThreshold)
                {
                    processing.Remove(await Task.WhenAny(processing));
                }

                continue;
            }

            var delay = backoff.Next(foundSinceLastDelay);
            foundSinceLastDelay = false;
            try
            {
                await Task.Delay(delay, time, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(processing);
    }

    private async Task ProcessAsync(Listener listener, QueueMessage message, CancellationToken stopping)
    {
        var receipt = new Receipt(message.PopReceipt);
        try
        {
            // A message dequeued more often than allowed (its last try ended without an answer) does not run again.
            if (message.DequeueCount > settings.MaxDequeueCount)
            {
                if (listener.Poison is not null)
                {
                    await PoisonAsync(listener, message, receipt);
                }

                return;
            }

            InvocationOutcome outcome;
            using (var running = CancellationTokenSource.CreateLinkedTokenSource(stopping))
            {
                var renewing = KeepHiddenAsync(listener, message.MessageId, receipt, running.Token);
                try
                {
                    outcome = await invocations.InvokeAsync(Request(listener.Function, message), stopping);
                }
                finally
                {
                    await running.CancelAsync();
                    await renewing;
                }
            }

            if (outcome.Succeeded)
            {
                await IgnoreGoneAsync(() => listener.Queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None));
                return;
            }

            Log.Failed(logger, listener.Function.Name, message.MessageId, message.DequeueCount, outcome.Error ?? "no reason given");
            if (listener.Poison is null)
            {
                // No poison queue to move it to: left hidden, so that it does not fail again at once (as the host does).
                return;
            }

            if (message.DequeueCount >= settings.MaxDequeueCount)
            {
                await PoisonAsync(listener, message, receipt);
            }
            else
            {
                await ReleaseAsync(listener, message.MessageId, receipt);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host stops while the function runs: the message is released as a failed one is, for the next run to take.
            await ReleaseAsync(listener, message.MessageId, receipt);
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or InvalidOperationException)
        {
            // The message stays where storage has it: visible again when its hidden time runs out.
            Log.CompleteFailed(logger, listener.Function.Name, message.MessageId, e.Message);
        }
    }

    private async Task ReleaseAsync(Listener listener, string messageId, Receipt receipt)
    {
        try
        {
            await IgnoreGoneAsync(() => listener.Queue.UpdateMessageAsync(messageId, receipt.Value, visibilityTimeout: settings.VisibilityTimeout, cancellationToken: CancellationToken.None));
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException)
        {
            Log.CompleteFailed(logger, listener.Function.Name, messageId, e.Message);
        }
    }

    private static InvocationRequest Request(QueueFunction function, QueueMessage message)
    {
        var text = message.Body.ToString();
        var request = new InvocationRequest { InvocationId = Invocations.NewId(), FunctionId = function.Id };
        request.InputData.Add(new ParameterBinding { Name = function.TriggerParameter, Data = new TypedData { String = text } });

        // The binding data the extension gives every queue trigger (QueueTriggerBinding.CreateBindingData), in the
        // shapes the host sends them (GrpcMessageConversionExtensions.ToRpc): strings as strings, the rest as JSON.
        request.TriggerMetadata.Add("QueueTrigger", new TypedData { String = text });
        request.TriggerMetadata.Add("Id", new TypedData { String = message.MessageId });
        request.TriggerMetadata.Add("PopReceipt", new TypedData { String = message.PopReceipt });
        request.TriggerMetadata.Add("DequeueCount", new TypedData { Json = message.DequeueCount.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        request.TriggerMetadata.Add("InsertionTime", Instant(message.InsertedOn));
        request.TriggerMetadata.Add("ExpirationTime", Instant(message.ExpiresOn));
        request.TriggerMetadata.Add("NextVisibleTime", Instant(message.NextVisibleOn));
        return request;
    }

    private static TypedData Instant(DateTimeOffset? value) => new() { Json = JsonSerializer.Serialize(value ?? DateTimeOffset.MaxValue) };

    private async Task PoisonAsync(Listener listener, QueueMessage message, Receipt receipt)
    {
        Log.Poisoned(logger, listener.Function.Name, message.MessageId, settings.MaxDequeueCount, listener.Poison!.Name);
        await listener.Poison.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
        await listener.Poison.SendMessageAsync(message.Body, cancellationToken: CancellationToken.None);
        await IgnoreGoneAsync(() => listener.Queue.DeleteMessageAsync(message.MessageId, receipt.Value, CancellationToken.None));
    }

    /// <summary>Keeps a message hidden while its function runs longer than the hidden time: renewed half way, as the extension does.</summary>
    private async Task KeepHiddenAsync(Listener listener, string messageId, Receipt receipt, CancellationToken running)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RunningVisibility / 2, time, running);
                var updated = await listener.Queue.UpdateMessageAsync(messageId, receipt.Value, visibilityTimeout: RunningVisibility, cancellationToken: running);
                receipt.Value = updated.Value.PopReceipt;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (RequestFailedException e)
        {
            Log.CompleteFailed(logger, listener.Function.Name, messageId, e.Message);
        }
    }

    /// <summary>A message someone else took over (its pop receipt changed) or that is gone needs nothing more, as in the extension.</summary>
    private static async Task IgnoreGoneAsync(Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (RequestFailedException e) when (e.Status is 400 or 404 && e.ErrorCode is "PopReceiptMismatch" or "MessageNotFound" or "QueueNotFound")
        {
        }
    }

    private sealed record Listener(QueueFunction Function, QueueClient Queue, QueueClient? Poison);

    /// <summary>The latest pop receipt of a message: each visibility update gives a new one.</summary>
    private sealed class Receipt(string value)
    {
        public string Value { get; set; } = value;
    }

    /// <summary>
    /// The extension's RandomizedExponentialBackoffStrategy: after a poll that found messages the wait is
    /// the minimum; each empty poll adds the minimum times 2^(n-1), randomised ±20 %, up to the maximum.
    /// </summary>
    internal sealed class Backoff(TimeSpan minimum, TimeSpan maximum)
    {
        private TimeSpan _current;
        private int _exponent;

        public TimeSpan Next(bool found)
        {
            if (found)
            {
                _current = minimum;
                _exponent = 1;
                return _current;
            }

            if (_current == maximum)
            {
                return _current;
            }

            var next = minimum;
            if (_exponent > 0)
            {
                next += TimeSpan.FromMilliseconds((0.8 + (Random.Shared.NextDouble() * 0.4)) * Math.Pow(2, _exponent - 1) * minimum.TotalMilliseconds);
            }

            if (next < maximum)
            {
                _current = next;
                _exponent++;
            }
            else
            {
                _current = maximum;
            }

            return _current;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(50, LogLevel.Error, "Queue function {Function} does not run: {Reason}")]
        public static partial void NotListening(ILogger logger, string function, string reason);

        [LoggerMessage(51, LogLevel.Warning, "Queue function {Function} could not read queue {Queue} ({Status}): {Reason}; backing off")]
        public static partial void PollFailed(ILogger logger, string function, string queue, int status, string reason);

        [LoggerMessage(52, LogLevel.Error, "Queue function {Function} failed on message {MessageId} (dequeue count {DequeueCount}): {Reason}")]
        public static partial void Failed(ILogger logger, string function, string messageId, long dequeueCount, string reason);

        [LoggerMessage(53, LogLevel.Warning, "Queue function {Function}: message {MessageId} has reached MaxDequeueCount of {MaxDequeueCount}; moving it to queue {PoisonQueue}")]
        public static partial void Poisoned(ILogger logger, string function, string messageId, int maxDequeueCount, string poisonQueue);

        [LoggerMessage(54, LogLevel.Warning, "Queue function {Function}: storage refused an update of message {MessageId}: {Reason}")]
        public static partial void CompleteFailed(ILogger logger, string function, string messageId, string reason);
    }
}

using System.Collections.Concurrent;
using AftercareNudge.Messaging;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// A provider that answers check-ins from a script (the last answer repeats), recording every check-in
/// it was asked to send; anything else (consent requests) it accepts and does not count. With an
/// empty script it throws, as a sender with a bug would. Fallbacks and notices are recorded apart, in
/// <see cref="FollowUps"/>, so that counting check-ins means what it always did.
/// </summary>
internal sealed class ScriptedSender(params SendResult[] script) : ISmsSender, IEmailSender
{
    private int _calls;
    private int _followUpCalls;

    public ConcurrentQueue<object> Sent { get; } = new();

    public int Calls => _calls;

    /// <summary>Every message it was given, of every kind (consent requests too), in order.</summary>
    public ConcurrentQueue<object> All { get; } = new();

    /// <summary>Every fallback and notice the app sent, in order.</summary>
    public ConcurrentQueue<object> FollowUps { get; } = new();

    /// <summary>How fallbacks and notices are answered (the last answer repeats); empty: each is accepted as <c>follow-up-1</c>, <c>follow-up-2</c>…</summary>
    public SendResult[] FollowUpScript { get; init; } = [];

    /// <summary>Every reply relay the app sent, in order.</summary>
    public ConcurrentQueue<object> Relays { get; } = new();

    /// <summary>How relays are answered (the last answer repeats); empty: each is accepted.</summary>
    public SendResult[] RelayScript { get; init; } = [];

    /// <summary>Every safety alert the app sent, in order.</summary>
    public ConcurrentQueue<object> Alerts { get; } = new();

    /// <summary>How safety alerts are answered (the last answer repeats); empty: each is accepted.</summary>
    public SendResult[] AlertScript { get; init; } = [];

    /// <summary>Runs while a safety alert is with the provider, before it answers: an answer or a cancellation that comes mid-send.</summary>
    public Func<object, Task>? WhileAlerting { get; init; }

    /// <summary>Runs while a check-in is with the provider, before it answers: a report that overtakes our own record of the send.</summary>
    public Func<object, Task>? WhileSending { get; init; }

    public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken) => Answer(message, message.Kind);

    public Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken) => Answer(message, message.Kind);

    private async Task<SendResult> Answer(object message, string kind)
    {
        All.Enqueue(message);
        if (kind is MessageKinds.Fallback or MessageKinds.Notice)
        {
            FollowUps.Enqueue(message);
            var followUp = Interlocked.Increment(ref _followUpCalls);
            return FollowUpScript.Length == 0
                ? SendResult.Sent("follow-up-" + followUp.ToString(System.Globalization.CultureInfo.InvariantCulture))
                : FollowUpScript[Math.Min(followUp, FollowUpScript.Length) - 1];
        }

        if (kind == MessageKinds.Relay)
        {
            Relays.Enqueue(message);
            return RelayScript.Length == 0 ? SendResult.Sent("SM-relay") : RelayScript[Math.Min(Relays.Count, RelayScript.Length) - 1];
        }

        if (kind == MessageKinds.Alert)
        {
            Alerts.Enqueue(message);
            if (WhileAlerting is { } whileAlerting)
            {
                await whileAlerting(message);
            }

            return AlertScript.Length == 0 ? SendResult.Sent("SM-alert") : AlertScript[Math.Min(Alerts.Count, AlertScript.Length) - 1];
        }

        if (kind != MessageKinds.CheckIn)
        {
            return SendResult.Sent("SM-not-a-check-in");
        }

        Sent.Enqueue(message);
        var call = Interlocked.Increment(ref _calls);
        if (WhileSending is { } whileSending)
        {
            await whileSending(message);
        }

        return script.Length == 0
            ? throw new InvalidOperationException("A sender bug.")
            : script[Math.Min(call, script.Length) - 1];
    }
}

using System.Collections.Concurrent;
using AftercareNudge.Messaging;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>
/// A provider that answers check-ins from a script (the last answer repeats), recording every check-in
/// it was asked to send; anything else (consent requests) it accepts and does not count. With an
/// empty script it throws, as a sender with a bug would.
/// </summary>
internal sealed class ScriptedSender(params SendResult[] script) : ISmsSender, IEmailSender
{
    private int _calls;

    public ConcurrentQueue<object> Sent { get; } = new();

    public int Calls => _calls;

    public Task<SendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken) => Answer(message, message.Kind);

    public Task<SendResult> SendAsync(EmailMessage message, CancellationToken cancellationToken) => Answer(message, message.Kind);

    private Task<SendResult> Answer(object message, string kind)
    {
        if (kind != MessageKinds.CheckIn)
        {
            return Task.FromResult(SendResult.Sent("SM-not-a-check-in"));
        }

        Sent.Enqueue(message);
        var call = Interlocked.Increment(ref _calls);
        return script.Length == 0
            ? throw new InvalidOperationException("A sender bug.")
            : Task.FromResult(script[Math.Min(call, script.Length) - 1]);
    }
}

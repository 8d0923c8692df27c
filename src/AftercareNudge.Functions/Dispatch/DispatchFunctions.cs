using AftercareNudge.Hosting;
using AftercareNudge.Storage;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Dispatch;

/// <summary>
/// Sending, in two functions: a timer that only schedules (on one instance, as the host runs timers)
/// and a queue-triggered function that sends, on as many instances as the platform scales out to.
/// </summary>
public sealed class DispatchFunctions(SendScheduler scheduler, QueuedSends sends, ILogger<DispatchFunctions> logger)
{
    /// <summary>Every minute: what falls due in the coming minute goes on the send queue, each visible at its second.</summary>
    [Function("DispatchDueCheckIns")]
    public async Task DispatchDueCheckIns([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await scheduler.RunAsync(cancellationToken);
        TimerLog.Ran(logger, "DispatchDueCheckIns", timer.IsPastDue, report.ToString());
    }

    /// <summary>One check-in attempt from the send queue: claimed, checked, sent and recorded.</summary>
    [Function("SendCheckIn")]
    public Task SendCheckIn([QueueTrigger(AppQueues.SendsBinding)] string message, CancellationToken cancellationToken) =>
        sends.HandleAsync(message, cancellationToken);
}

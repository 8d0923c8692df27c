using AftercareNudge.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Dispatch;

public sealed class DispatchFunctions(Dispatcher dispatcher, ILogger<DispatchFunctions> logger)
{
    /// <summary>Every minute: one dispatch run.</summary>
    [Function("DispatchDueCheckIns")]
    public async Task DispatchDueCheckIns([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await dispatcher.RunAsync(cancellationToken);
        TimerLog.Ran(logger, "DispatchDueCheckIns", timer.IsPastDue, report.ToString());
    }
}

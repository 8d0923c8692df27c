using AftercareNudge.Hosting;
using Microsoft.Azure.Functions.Worker;

namespace AftercareNudge.Safety;

public sealed class SafetyTimerFunctions(ContactRequests requests, SafetyNotices notices, ILogger<SafetyTimerFunctions> logger)
{
    /// <summary>
    /// Every minute (a contact who left should not wait five): trusted contacts' held requests, then the
    /// organisers' notices about their contacts that are due.
    /// </summary>
    [Function("SendSafetyNotices")]
    public async Task SendSafetyNotices([TimerTrigger("20 * * * * *")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var tried = await requests.SendHeldAsync(cancellationToken);
        var dealtWith = await notices.SendDueAsync(cancellationToken);
        TimerLog.Ran(logger, "SendSafetyNotices", timer.IsPastDue, $"held contact requests tried: {tried}; safety notices dealt with: {dealtWith}");
    }
}

namespace AftercareNudge.Hosting;

/// <summary>Timer functions' log messages (event ids 100-119): counts and ids only, never personal data.</summary>
internal static partial class TimerLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Timer {FunctionName} ran (past due: {IsPastDue}): {Summary}")]
    public static partial void Ran(ILogger logger, string functionName, bool isPastDue, string summary);
}

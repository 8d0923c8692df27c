using System.Globalization;

namespace FunctionsLocalHost;

/// <summary>The console as the host writes to it: every line starts with its local time of day (<c>16:05:03.123</c>).</summary>
public static class ConsoleLines
{
    /// <summary>The console log formatter's timestamp, and what <see cref="Write"/> puts first.</summary>
    public const string TimestampFormat = "HH:mm:ss.fff ";

    /// <summary>A line that does not come through the log (the worker's own output), with its time first.</summary>
    public static void Write(string line) =>
        Console.WriteLine(TimeProvider.System.GetLocalNow().ToString(TimestampFormat, CultureInfo.CurrentCulture) + line);
}

/// <summary>
/// The host's log (the worker's lines among them) as plain text lines handed to a callback, for
/// whoever runs the host and wants its output as text (tests, scripts): "Level Category[id]: message".
/// </summary>
public sealed class LineLoggerProvider(Action<string> write) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Line(categoryName, write);

    public void Dispose()
    {
    }

    private sealed class Line(string category, Action<string> write) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            write($"{logLevel} {category}[{eventId.Id}]: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
    }
}

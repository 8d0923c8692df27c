using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>One log line as written: its event id, and its message followed by every structured value.</summary>
internal sealed record LogEntry(int EventId, string Message);

/// <summary>Keeps every log line the app writes, so tests can check what is (and is not) in the logs.</summary>
internal sealed class LogCollector : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyCollection<LogEntry> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var text = new StringBuilder(formatter(state, exception));
        if (state is IEnumerable<KeyValuePair<string, object?>> properties)
        {
            foreach (var (key, value) in properties)
            {
                text.Append(' ').Append(key).Append('=').Append(value);
            }
        }

        _entries.Enqueue(new LogEntry(eventId.Id, text.ToString()));
    }

    public void Dispose()
    {
    }
}

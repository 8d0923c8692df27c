using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.IntegrationTests.Infrastructure;

/// <summary>One log line as written: its event id, and its message followed by every structured value.</summary>
internal sealed record LogEntry(int EventId, string Message)
{
    public string Category { get; init; } = "";

    public LogLevel Level { get; init; }

    /// <summary>Every scope around the line, each as its text followed by its structured values.</summary>
    public string Scopes { get; init; } = "";

    /// <summary>The exception's full text (type, message, stack, inner exceptions), if the line carries one.</summary>
    public string? Exception { get; init; }

    /// <summary>Everything a log provider could write for this line.</summary>
    public string AllText => $"{Category} [{EventId}] {Message} | {Scopes} | {Exception}";
}

/// <summary>
/// Keeps every log line the app writes, so tests can check what is (and is not) in the logs: its
/// category, level, message with structured values, the scopes around it and its exception.
/// </summary>
internal sealed class LogCollector : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<LogEntry> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private static void AppendValues(StringBuilder text, object? state)
    {
        if (state is IEnumerable<KeyValuePair<string, object?>> properties)
        {
            foreach (var (key, value) in properties)
            {
                text.Append(' ').Append(key).Append('=').Append(value);
            }
        }
    }

    private sealed class Logger(LogCollector collector, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => collector._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder(formatter(state, exception));
            AppendValues(text, state);

            var scopes = new StringBuilder();
            collector._scopes.ForEachScope(
                (scope, all) =>
                {
                    all.Append("=> ").Append(scope);
                    AppendValues(all, scope);
                    all.Append(' ');
                },
                scopes);

            collector._entries.Enqueue(new LogEntry(eventId.Id, text.ToString())
            {
                Category = category,
                Level = logLevel,
                Scopes = scopes.ToString(),
                Exception = exception?.ToString(),
            });
        }
    }
}

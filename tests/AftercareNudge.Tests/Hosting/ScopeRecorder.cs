using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AftercareNudge.Tests.Hosting;

/// <summary>A log provider that keeps each line's event id and the structured values of the scopes around it.</summary>
internal sealed class ScopeRecorder : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<RecordedLine> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<RecordedLine> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    internal sealed record RecordedLine(int EventId, IReadOnlyList<KeyValuePair<string, object?>> ScopeValues)
    {
        public string? Scope(string name) => ScopeValues.Where(v => v.Key == name).Select(v => v.Value?.ToString()).LastOrDefault();
    }

    private sealed class Logger(ScopeRecorder recorder) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => recorder._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = new List<KeyValuePair<string, object?>>();
            recorder._scopes.ForEachScope(
                (scope, all) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        all.AddRange(pairs);
                    }
                },
                values);
            recorder._lines.Enqueue(new RecordedLine(eventId.Id, values));
        }
    }
}

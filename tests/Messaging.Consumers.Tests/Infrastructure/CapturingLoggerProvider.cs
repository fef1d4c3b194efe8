using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>An <see cref="ILoggerProvider" /> that keeps every entry in memory, to assert what was logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    readonly ConcurrentQueue<CapturedLog> _entries = new();

    /// <summary>Every entry so far, in order.</summary>
    public IReadOnlyList<CapturedLog> Entries => _entries.ToArray();

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, _entries);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    sealed class CapturingLogger(string category, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), values.ToArray(), exception));
        }
    }
}

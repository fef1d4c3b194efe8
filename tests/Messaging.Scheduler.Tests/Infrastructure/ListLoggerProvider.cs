using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>Keeps every log line (message and exception) of a test host, at every level, to check what is never logged.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    sealed class Logger(ListLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            provider.Lines.Enqueue($"{logLevel} {category} {formatter(state, exception)} {exception}");
    }
}

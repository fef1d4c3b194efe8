using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>Writes a host's logs to the test's output, so that a failed run shows what the worker did.</summary>
public sealed class TestOutputLoggerProvider(ITestOutputHelper output) : ILoggerProvider
{
    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new OutputLogger(output, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    sealed class OutputLogger(ITestOutputHelper output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test is over (background work logging while the host stops): nothing to write to.
            }
        }
    }
}

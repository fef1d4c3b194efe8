using System.Collections.Concurrent;
using Messaging.FaultTests.Oracle;
using Microsoft.Extensions.Logging;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// What each cancel reported. <c>IMessageScheduler.CancelScheduledPublish</c> returns a plain Task, so the per-token
/// outcome exists only as the scheduler's structured log event, raised before that Task completes: event 2 "Cancelled",
/// 3 "CancelTooLate" (a bridge claimed it), 4 "CancelNotFound" (see the scheduler's SchedulerLog). This provider keeps
/// those three events of any Messaging.Scheduler category by their TokenId value (not by parsing text); every other entry
/// at Warning or above goes to the producer's log file.
/// </summary>
internal sealed class CancelOutcomeLog : ILoggerProvider
{
    const string SchedulerCategories = "Messaging.Scheduler.";

    readonly ConcurrentDictionary<Guid, CancelResult> _outcomes = new();
    readonly TextWriter _log;

    public CancelOutcomeLog(TextWriter log)
    {
        _log = log;
    }

    public CancelResult? Outcome(Guid token) => _outcomes.TryGetValue(token, out var outcome) ? outcome : null;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    sealed class Logger(CancelOutcomeLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        readonly bool _scheduler = category.StartsWith(SchedulerCategories, StringComparison.Ordinal);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning || _scheduler;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            CancelResult? outcome = (eventId.Id, eventId.Name) switch
            {
                (2, "Cancelled") => CancelResult.Cancelled,
                (3, "CancelTooLate") => CancelResult.TooLate,
                (4, "CancelNotFound") => CancelResult.NotFound,
                _ => null,
            };
            if (_scheduler && outcome is { } result && state is IEnumerable<KeyValuePair<string, object?>> values
                && values.FirstOrDefault(v => v.Key == "TokenId").Value is Guid id)
            {
                owner._outcomes[id] = result;
                return;
            }

            if (logLevel >= LogLevel.Warning)
            {
                lock (owner._log)
                    owner._log.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}");
            }
        }
    }
}

namespace Messaging.Scheduler;

/// <summary>
/// The names a host needs to collect the scheduler's telemetry, for example
/// <c>services.AddOpenTelemetry().WithMetrics(m =&gt; m.AddMeter(RedisSchedulerDiagnostics.MeterName))</c> or
/// <c>dotnet-counters monitor --counters Messaging.Scheduler</c>.
/// </summary>
public static class RedisSchedulerDiagnostics
{
    /// <summary>The meter every scheduler metric is on: <c>Messaging.Scheduler</c>.</summary>
    public const string MeterName = "Messaging.Scheduler";
}

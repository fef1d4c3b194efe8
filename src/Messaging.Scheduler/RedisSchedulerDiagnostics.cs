namespace Messaging.Scheduler;

/// <summary>
/// The names a host needs to collect the scheduler's telemetry, for example
/// <c>services.AddOpenTelemetry().WithMetrics(m =&gt; m.AddMeter(RedisSchedulerDiagnostics.MeterName))</c> or
/// <c>dotnet-counters monitor --counters Messaging.Scheduler</c>, and
/// <c>services.AddOpenTelemetry().WithTracing(t =&gt; t.AddSource(RedisSchedulerDiagnostics.ActivitySourceName, "MassTransit"))</c>.
/// </summary>
public static class RedisSchedulerDiagnostics
{
    /// <summary>The meter every scheduler metric is on: <c>Messaging.Scheduler</c>.</summary>
    public const string MeterName = "Messaging.Scheduler";

    /// <summary>
    /// The activity source of the scheduler's spans, <c>Messaging.Scheduler</c>: a message scheduled, delivered by the
    /// bridge (linked to the span that scheduled it), cancelled, dead-lettered, and a recurring schedule's next occurrence.
    /// Add MassTransit's own source (<c>MassTransit</c>) as well, so that the republish and the consumer join the trace.
    /// </summary>
    public const string ActivitySourceName = "Messaging.Scheduler";
}

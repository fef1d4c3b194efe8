using System.Diagnostics.Metrics;

namespace Messaging.Scheduler.Operations;

/// <summary>
/// The scheduler's metrics, on the meter <see cref="RedisSchedulerDiagnostics.MeterName" />: messages scheduled, delivered, failed, dead-lettered
/// and cancelled; lateness (delivery minus due time, by the Redis clock); backlog and in-flight counts.
/// </summary>
internal sealed class SchedulerInstruments : IDisposable
{
    readonly Meter _meter;
    readonly Counter<long> _scheduled;
    readonly Counter<long> _delivered;
    readonly Counter<long> _failed;
    readonly Counter<long> _deadLettered;
    readonly Counter<long> _cancelled;
    readonly Histogram<double> _lateness;
    readonly Counter<long> _claims;
    long _backlog;
    long _inFlight;

    public SchedulerInstruments(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(RedisSchedulerDiagnostics.MeterName);
        _scheduled = _meter.CreateCounter<long>("messaging.scheduler.scheduled", "{message}", "Messages stored for later delivery");
        _delivered = _meter.CreateCounter<long>("messaging.scheduler.delivered", "{message}", "Messages republished and confirmed by the broker");
        _failed = _meter.CreateCounter<long>("messaging.scheduler.delivery_failures", "{message}", "Failed delivery attempts");
        _deadLettered = _meter.CreateCounter<long>("messaging.scheduler.dead_lettered", "{message}", "Messages moved to the dead-letter set");
        _cancelled = _meter.CreateCounter<long>("messaging.scheduler.cancelled", "{message}", "Messages cancelled before they were due");
        _lateness = _meter.CreateHistogram<double>("messaging.scheduler.lateness", "ms", "Broker confirmation time minus due time, by the Redis clock");
        _claims = _meter.CreateCounter<long>("messaging.scheduler.claims", "{claim}",
            "Claim round trips of this bridge, by outcome: full (as many as asked), partial (fewer: the partition had no more due, or another bridge took them) or empty");
        _meter.CreateObservableGauge("messaging.scheduler.backlog", () => Volatile.Read(ref _backlog), "{message}", "Messages waiting in the due index at the last claim");
        _meter.CreateObservableGauge("messaging.scheduler.in_flight", () => Volatile.Read(ref _inFlight), "{message}", "Messages claimed and not yet acknowledged at the last claim");
    }

    public void Scheduled(string channel) => _scheduled.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public void Delivered(string channel, double latenessMs)
    {
        var tag = new KeyValuePair<string, object?>("channel", channel);
        _delivered.Add(1, tag);
        _lateness.Record(latenessMs, tag);
        Activity.Record(latenessMs);
    }

    /// <summary>This process's recent deliveries, for the bridge's report of itself.</summary>
    public DeliveryActivity Activity { get; } = new(TimeProvider.System);

    /// <summary>The bridge claimed messages, at <paramref name="redisNowMs" /> by the Redis clock.</summary>
    public void Claimed(long redisNowMs) => Activity.Claimed(redisNowMs);

    /// <summary>A claim asked for <paramref name="asked" /> entries and got <paramref name="got" />.</summary>
    public void ClaimAnswered(int asked, int got) =>
        _claims.Add(1, new KeyValuePair<string, object?>("outcome", got == 0 ? "empty" : got < asked ? "partial" : "full"));

    public void Failed(string channel) => _failed.Add(1, new KeyValuePair<string, object?>("channel", channel));

    public void DeadLettered() => _deadLettered.Add(1);

    public void Cancelled() => _cancelled.Add(1);

    public void Observed(long backlog, long inFlight)
    {
        Volatile.Write(ref _backlog, backlog);
        Volatile.Write(ref _inFlight, inFlight);
    }

    public void Dispose() => _meter.Dispose();
}

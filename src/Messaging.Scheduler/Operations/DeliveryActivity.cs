namespace Messaging.Scheduler.Operations;

/// <summary>
/// What this process's bridge did lately, for its report (<see cref="Delivery.BridgeReporter" />): how many messages it
/// delivered, when it last claimed one, and the lateness of its recent deliveries, in a bounded window (the last
/// <see cref="Capacity" /> deliveries; the report takes those of the last minutes). Fed by <see cref="SchedulerInstruments" />
/// where the metrics are recorded: no Redis call, one short lock per delivery.
/// </summary>
internal sealed class DeliveryActivity
{
    /// <summary>The most recent deliveries kept.</summary>
    public const int Capacity = 16_384;

    readonly TimeProvider _time;
    readonly Lock _lock = new();
    readonly long[] _at = new long[Capacity];
    readonly double[] _lateness = new double[Capacity];
    int _next;
    int _count;
    long _delivered;
    long _lastClaim = -1;

    public DeliveryActivity(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>Messages delivered (confirmed and acknowledged) since the process started.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>When the bridge last claimed a message, Unix ms by the Redis clock; null when it has not.</summary>
    public long? LastClaim => Interlocked.Read(ref _lastClaim) is var at and >= 0 ? at : null;

    public void Claimed(long redisNowMs) => Interlocked.Exchange(ref _lastClaim, redisNowMs);

    public void Record(double latenessMs)
    {
        var now = _time.GetTimestamp();
        Interlocked.Increment(ref _delivered);
        lock (_lock)
        {
            _at[_next] = now;
            _lateness[_next] = latenessMs;
            _next = (_next + 1) % Capacity;
            if (_count < Capacity)
                _count++;
        }
    }

    /// <summary>The median and 99th percentile lateness (ms) of the deliveries within <paramref name="window" />; null when none.</summary>
    public (double P50, double P99)? Lateness(TimeSpan window)
    {
        var now = _time.GetTimestamp();
        double[] recent;
        lock (_lock)
        {
            var list = new List<double>(_count);
            for (var i = 0; i < _count; i++)
            {
                if (_time.GetElapsedTime(_at[i], now) <= window)
                    list.Add(_lateness[i]);
            }

            recent = list.ToArray();
        }

        if (recent.Length == 0)
            return null;
        Array.Sort(recent);
        return (Percentile(recent, 0.50), Percentile(recent, 0.99));
    }

    /// <summary>The nearest-rank percentile of sorted values.</summary>
    static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

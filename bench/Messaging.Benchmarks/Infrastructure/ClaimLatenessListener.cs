using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// Listens to the scheduler's own histogram <c>messaging.scheduler.lateness</c> (meter <c>Messaging.Scheduler</c>): the
/// Redis clock at the claim minus the due time, recorded by the bridge once a delivery is acknowledged. Set beside the
/// consumer-side lateness it splits a delay into "claimed late" and "published/consumed late".
/// </summary>
internal sealed class ClaimLatenessListener : IDisposable
{
    readonly MeterListener _listener = new();
    readonly ConcurrentQueue<double> _values = new();
    readonly ConcurrentQueue<(long At, double Value)> _timed = new();

    public ClaimLatenessListener()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Messaging.Scheduler" && instrument.Name == "messaging.scheduler.lateness")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            _values.Enqueue(value);
            _timed.Enqueue((System.Diagnostics.Stopwatch.GetTimestamp(), value));
        });
        _listener.Start();
    }

    /// <summary>Forgets what was recorded so far.</summary>
    public void Clear()
    {
        _values.Clear();
        _timed.Clear();
    }

    /// <summary>What was recorded since <see cref="Clear" />, sorted.</summary>
    public double[] Sorted()
    {
        var values = _values.ToArray();
        Array.Sort(values);
        return values;
    }

    /// <summary>What was recorded since <see cref="Clear" />, with the local timestamp (<see cref="System.Diagnostics.Stopwatch" />)
    /// at which the bridge recorded it (at the acknowledgement).</summary>
    public (long At, double Value)[] Timed() => _timed.ToArray();

    public void Dispose() => _listener.Dispose();
}

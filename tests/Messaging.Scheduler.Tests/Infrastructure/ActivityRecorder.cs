using System.Collections.Concurrent;
using System.Diagnostics;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>
/// An in-process listener on the scheduler's activity source and MassTransit's, sampling everything, as an OpenTelemetry
/// exporter would: every activity that stops is kept in <see cref="Stopped" />. Process-wide while it lives, so the classes
/// that use it are in <see cref="ActivityListenerCollection" />.
/// </summary>
public sealed class ActivityRecorder : IDisposable
{
    readonly ActivityListener _listener;

    public ActivityRecorder()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is RedisSchedulerDiagnostics.ActivitySourceName or "MassTransit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            SampleUsingParentId = (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => Stopped.Enqueue(activity),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The activities that stopped, in the order they stopped.</summary>
    public ConcurrentQueue<Activity> Stopped { get; } = new();

    public void Dispose() => _listener.Dispose();
}

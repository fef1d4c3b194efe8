namespace Messaging.Benchmarks.Infrastructure;

/// <summary>What a benchmark host runs.</summary>
internal enum HostRole
{
    /// <summary>A producer: the Redis scheduler (IMessageScheduler) on a bus, no bridge, no consumer.</summary>
    Producer,

    /// <summary>The worker: the bridge and the counting consumer, as the real worker runs them.</summary>
    Worker,

    /// <summary>The raw ceiling: plain MassTransit, the counting consumer and nothing of the scheduler.</summary>
    Raw,
}

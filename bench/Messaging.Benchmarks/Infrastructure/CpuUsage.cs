namespace Messaging.Benchmarks.Infrastructure;

/// <summary>CPU seconds used between two <see cref="CpuSnapshot" />s, by whom; <see cref="Other" /> is everything else on the machine.</summary>
/// <param name="Wall">Elapsed seconds.</param>
/// <param name="Own">This process (producer, bridge, consumer, MassTransit, the runtime).</param>
/// <param name="Redis">The benchmark's redis-server.</param>
/// <param name="Rabbit">RabbitMQ's Erlang VM (NaN when its PID was not found).</param>
/// <param name="Machine">All cores, busy time.</param>
/// <param name="Other">Machine minus the three above: other work sharing the machine (noise).</param>
internal readonly record struct CpuUsage(double Wall, double Own, double Redis, double Rabbit, double Machine, double Other)
{
    /// <summary>Average cores used by other work during the interval.</summary>
    public double OtherCores => Wall > 0 ? Other / Wall : 0;
}

using System.Diagnostics;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>CPU seconds so far of this process, the benchmark's Redis, RabbitMQ and the whole machine, at one instant.</summary>
internal readonly record struct CpuSnapshot(long Timestamp, double Own, double Redis, double Rabbit, double Machine)
{
    public static CpuSnapshot Take(ServerPids pids) => new(
        Stopwatch.GetTimestamp(),
        CpuClock.Process(Environment.ProcessId),
        CpuClock.Process(pids.Redis),
        pids.Rabbit is { } rabbit ? CpuClock.Process(rabbit) : double.NaN,
        CpuClock.Machine());

    public CpuUsage Since(CpuSnapshot start)
    {
        var wall = Stopwatch.GetElapsedTime(start.Timestamp, Timestamp).TotalSeconds;
        var own = Own - start.Own;
        var redis = Redis - start.Redis;
        var rabbit = Rabbit - start.Rabbit;
        var machine = Machine - start.Machine;
        var other = machine - own - redis - (double.IsNaN(rabbit) ? 0 : rabbit);
        return new CpuUsage(wall, own, redis, rabbit, machine, other);
    }
}

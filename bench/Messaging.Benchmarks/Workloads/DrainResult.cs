using Messaging.Benchmarks.Infrastructure;

namespace Messaging.Benchmarks.Workloads;

/// <summary>What one drain (the worker's, or the raw ceiling's) measured.</summary>
/// <param name="Count">Messages delivered and consumed.</param>
/// <param name="Seconds">From the start (due time, bridge start, or first publish) to the last consumption.</param>
/// <param name="Cpu">CPU used over the same interval.</param>
/// <param name="StartedAt">What the start was.</param>
/// <param name="Duplicates">Messages consumed more than once.</param>
internal sealed record DrainResult(int Count, double Seconds, CpuUsage Cpu, string StartedAt, int Duplicates)
{
    public double Rate => Count / Seconds;

    /// <summary>CPU seconds per 10,000 messages, of this process, Redis and RabbitMQ.</summary>
    public double OwnPer10K => Cpu.Own / Count * 10_000;

    public double RedisPer10K => Cpu.Redis / Count * 10_000;

    public double RabbitPer10K => Cpu.Rabbit / Count * 10_000;
}

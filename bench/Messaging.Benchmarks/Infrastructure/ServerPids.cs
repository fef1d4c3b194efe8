namespace Messaging.Benchmarks.Infrastructure;

/// <summary>The PIDs whose CPU time the cost figures read: the benchmark's redis-server and RabbitMQ (when found).</summary>
internal sealed record ServerPids(int Redis, int? Rabbit);

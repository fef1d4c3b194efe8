namespace Messaging.Benchmarks.Reporting;

/// <summary>How busy the machine was during one workload run, beyond the benchmark's own processes.</summary>
/// <param name="Workload">The workload.</param>
/// <param name="Run">The run number.</param>
/// <param name="Wall">Seconds the workload took.</param>
/// <param name="OwnCores">Average cores this process used.</param>
/// <param name="RedisCores">Average cores the benchmark's Redis used.</param>
/// <param name="RabbitCores">Average cores RabbitMQ used (NaN when its PID is unknown).</param>
/// <param name="OtherCores">Average cores everything else used (other work on the machine).</param>
internal sealed record NoiseRecord(string Workload, int Run, double Wall, double OwnCores, double RedisCores, double RabbitCores, double OtherCores);

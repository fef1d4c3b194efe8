namespace Messaging.Benchmarks.Infrastructure;

/// <summary>A workload could not do what it measures (a message did not arrive, a server misbehaved): the run fails.</summary>
internal sealed class BenchmarkFailedException : Exception
{
    public BenchmarkFailedException(string message)
        : base(message)
    {
    }

    public BenchmarkFailedException()
    {
    }

    public BenchmarkFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

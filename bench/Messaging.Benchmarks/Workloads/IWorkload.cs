namespace Messaging.Benchmarks.Workloads;

/// <summary>One workload of the benchmark: runs once per run, adds its figures to the results, and stops by itself.</summary>
internal interface IWorkload
{
    /// <summary>The name <c>--only</c> takes.</summary>
    string Name { get; }

    Task Run(BenchContext bench);
}

namespace Messaging.Benchmarks.Workloads;

/// <summary>Lateness (consumer receive time minus due time, on this machine's clock) of one steady run, in ms.</summary>
/// <param name="Count">Messages scheduled and delivered.</param>
/// <param name="P50">Median lateness.</param>
/// <param name="P95">95th percentile.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Worst.</param>
/// <param name="Min">Best (negative: consumed before due).</param>
/// <param name="Early">Messages consumed before they were due.</param>
/// <param name="AchievedRate">Scheduled messages per second actually reached.</param>
/// <param name="ClockOffsetMs">Redis TIME minus this machine's clock, ms (should be about 0: same machine).</param>
/// <param name="Duplicates">Messages consumed more than once.</param>
/// <param name="ClaimP50">The bridge's own lateness metric (Redis clock at the claim minus due), median.</param>
/// <param name="ClaimP99">The same, 99th percentile.</param>
/// <param name="ClaimCount">How many claim-lateness values the bridge recorded.</param>
internal sealed record SteadyResult(int Count, double P50, double P95, double P99, double Max, double Min, int Early, double AchievedRate,
    double ClockOffsetMs, int Duplicates, double ClaimP50, double ClaimP99, int ClaimCount);

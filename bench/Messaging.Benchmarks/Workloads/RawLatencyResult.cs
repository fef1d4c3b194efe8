namespace Messaging.Benchmarks.Workloads;

/// <summary>The raw floor under lateness: publish→consume latency, and the publish call's confirm round trip.</summary>
/// <param name="Latency">Consumer receive time minus publish start (the lateness figures' baseline).</param>
/// <param name="ConfirmP50">The publish call's duration (publisher confirm round trip), median, ms.</param>
/// <param name="ConfirmP99">The same, 99th percentile, ms.</param>
internal sealed record RawLatencyResult(SteadyResult Latency, double ConfirmP50, double ConfirmP99);

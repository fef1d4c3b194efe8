namespace Messaging.FaultTests.Oracle;

/// <summary>
/// A fault the scenario injected: when it began and ended (machine clock, Unix microseconds), and the tokens that were
/// claimed but not acknowledged around it (the Redis in-flight set, sampled just before, during and just after). A
/// message delivered twice is explained by a crash only if it was in flight at it: in that set, or first delivered
/// between <see cref="StartUs" /> minus a short consumer window and <see cref="EndUs" /> (received, not yet acknowledged).
/// </summary>
internal sealed class CrashEvent
{
    public CrashEvent(string kind, long startUs, string description)
    {
        Kind = kind;
        StartUs = startUs;
        EndUs = startUs;
        Description = description;
    }

    public string Kind { get; }
    public long StartUs { get; }
    public long EndUs { get; set; }
    public string Description { get; set; }
    public HashSet<string> InFlight { get; } = new(StringComparer.Ordinal);
}

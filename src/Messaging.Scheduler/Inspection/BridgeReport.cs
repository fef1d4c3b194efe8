namespace Messaging.Scheduler.Inspection;

/// <summary>
/// What a running bridge writes about itself every few seconds (JSON, in the hash <c>&lt;prefix&gt;bridges</c> under its id;
/// when it last did so is in the sorted set <c>&lt;prefix&gt;bridges:seen</c>, by the Redis clock). See
/// <see cref="BridgeRegistry" />.
/// </summary>
internal sealed record BridgeReport
{
    public required string Host { get; init; }
    public int ProcessId { get; init; }
    public DateTime StartedUtc { get; init; }

    /// <summary>When it last claimed a message, by the Redis clock.</summary>
    public DateTime? LastClaimUtc { get; init; }

    public long Delivered { get; init; }
    public double? LatenessP50Ms { get; init; }
    public double? LatenessP99Ms { get; init; }
}

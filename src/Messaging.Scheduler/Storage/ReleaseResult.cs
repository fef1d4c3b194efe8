using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>What <see cref="RedisScheduleStore.Release" /> did, and the attempts the entry has made.</summary>
/// <param name="Outcome">Retried, dead-lettered, or nothing because the claim was lost.</param>
/// <param name="Attempts">The failed deliveries counted so far (0 when the claim was lost).</param>
internal readonly record struct ReleaseResult(ReleaseOutcome Outcome, int Attempts)
{
    /// <summary>Reads <c>release.lua</c>'s reply: <c>{ 0 }</c> claim lost, <c>{ 1, attempts }</c> retried,
    /// <c>{ 2, attempts }</c> dead-lettered.</summary>
    /// <exception cref="InvalidOperationException">The reply is not one of these.</exception>
    public static ReleaseResult Read(RedisResult reply)
    {
        var fields = (RedisResult[])reply!;
        return (long)fields[0] switch
        {
            0 => new ReleaseResult(ReleaseOutcome.ClaimLost, 0),
            1 => new ReleaseResult(ReleaseOutcome.Retried, (int)fields[1]),
            2 => new ReleaseResult(ReleaseOutcome.DeadLettered, (int)fields[1]),
            var code => throw new InvalidOperationException($"release.lua answered {code}, which is no outcome."),
        };
    }
}

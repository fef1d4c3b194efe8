using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// Tells a Redis failure that may pass, so that the same call may succeed when it is made again, from one that will not:
/// the one place the bridge decides it (<see cref="Delivery.AcknowledgementBatcher" /> makes an acknowledgement again,
/// <see cref="Delivery.SchedulerBridge" /> sets a partition's claims aside for a while instead of starting over).
/// </summary>
internal static class PassingRedisFailure
{
    /// <summary>True for a timeout, a dropped connection, or a cluster that is moving a slot (<c>TRYAGAIN</c>, <c>MOVED</c>,
    /// <c>ASK</c>), failing over (<c>CLUSTERDOWN</c>, <c>READONLY</c>, <c>MASTERDOWN</c>) or loading its data
    /// (<c>LOADING</c>). False for a script error, an out-of-memory refusal or a layout mismatch.</summary>
    public static bool Is(Exception exception) => exception switch
    {
        RedisTimeoutException or RedisConnectionException or TimeoutException => true,
        RedisServerException server => server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
            || server.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("MOVED", StringComparison.Ordinal)
            || server.Message.StartsWith("ASK", StringComparison.Ordinal),
        _ => false,
    };
}

using System.Net;
using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// Sends Redis <c>WAIT numreplicas timeout</c> after a caller's script, to the primary that ran it, over the same
/// connection, and shares one <c>WAIT</c> among the callers whose replies arrived while it was outstanding.
/// </summary>
/// <remarks>
/// <c>WAIT</c> waits for the replicas to acknowledge every write sent before it on its connection. Redis answers one
/// connection's commands in order, and the Redis client completes them in the order the answers arrive: so a <c>WAIT</c> that
/// is still unanswered when a script's answer has arrived was run after that script, and covers it. A caller joins such a
/// <c>WAIT</c>, or sends a new one. With 256 calls in flight this is one <c>WAIT</c> per batch of answers instead of one per
/// call (each <c>WAIT</c> holds the connection until the replicas answer).
/// </remarks>
internal sealed class ReplicaAcknowledgements
{
    readonly int _replicas;
    readonly long _timeoutMilliseconds;
    readonly Lock _lock = new();
    readonly Dictionary<EndPoint, Task<RedisResult>> _outstanding = new();

    public ReplicaAcknowledgements(int replicas, TimeSpan timeout)
    {
        _replicas = replicas;
        _timeoutMilliseconds = Math.Max(1, (long)timeout.TotalMilliseconds);
    }

    /// <summary>How many <c>WAIT</c> commands were sent (for tests and the benchmark).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    long _sent;

    /// <summary>Waits until <see cref="RedisSchedulerOptions.WaitForReplicas" /> replicas have every write this process sent
    /// to the primary of <paramref name="key" /> so far; returns how many replicas confirmed (fewer: the timeout passed).</summary>
    /// <param name="multiplexer">The connection the script was sent over.</param>
    /// <param name="key">A key of the script: routes the <c>WAIT</c> to the primary that ran it.</param>
    public async Task<long> Wait(ConnectionMultiplexer multiplexer, RedisKey key)
    {
        var server = multiplexer.GetServer(key, flags: CommandFlags.DemandMaster);
        Task<RedisResult> wait;
        lock (_lock)
        {
            if (!_outstanding.TryGetValue(server.EndPoint, out var outstanding) || outstanding.IsCompleted)
            {
                outstanding = server.ExecuteAsync("WAIT", [_replicas, _timeoutMilliseconds], CommandFlags.DemandMaster);
                _outstanding[server.EndPoint] = outstanding;
                Interlocked.Increment(ref _sent);
            }

            wait = outstanding;
        }

        return (long)await wait.ConfigureAwait(false);
    }
}

using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>The dead-letter set in Redis (<c>&lt;prefix&gt;{p}:dead</c> and <c>:dead-reasons</c>), for operators.</summary>
internal sealed class RedisDeadLetters : IRedisSchedulerDeadLetters
{
    readonly RedisConnection _connection;
    readonly SchedulerKeyspace _keyspace;

    public RedisDeadLetters(RedisConnection connection, RedisScheduleStore store)
    {
        _connection = connection;
        _keyspace = store.Keyspace;
    }

    public async Task<IReadOnlyList<DeadLetteredMessage>> List(int max = 100)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var db = await _connection.Database().ConfigureAwait(false);
        var list = new List<DeadLetteredMessage>();
        foreach (var partition in _keyspace.Partitions)
        {
            var dead = await db.SortedSetRangeByRankWithScoresAsync(partition.Dead, 0, max - 1).ConfigureAwait(false);
            if (dead.Length == 0)
                continue;

            var reasons = await db.HashGetAsync(partition.DeadReasons, dead.Select(d => d.Element).ToArray()).ConfigureAwait(false);
            for (var i = 0; i < dead.Length; i++)
            {
                list.Add(new DeadLetteredMessage((string)dead[i].Element!, partition.Partition, DateTime.UnixEpoch.AddMilliseconds(dead[i].Score),
                    (string?)reasons[i] ?? "no reason recorded"));
            }
        }

        return list;
    }

    public Task<bool> Requeue(string token, DateTime? dueUtc = null) =>
        Run(token, DeadLetterAction.Requeue, dueUtc is { } due ? RedisScheduleStore.ToUnixMilliseconds(due.ToUniversalTime()) : 0);

    public Task<bool> Requeue(Guid tokenId, DateTime? dueUtc = null) => Requeue(SchedulerKeyspace.Format(tokenId), dueUtc);

    public Task<bool> Delete(string token) => Run(token, DeadLetterAction.Delete, 0);

    public Task<bool> Delete(Guid tokenId) => Delete(SchedulerKeyspace.Format(tokenId));

    async Task<bool> Run(string token, DeadLetterAction action, long due)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        RedisValue argument = action switch
        {
            DeadLetterAction.Requeue => "requeue",
            DeadLetterAction.Delete => "delete",
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "No such action on a dead-lettered entry."),
        };
        var db = await _connection.Database().ConfigureAwait(false);
        foreach (var partition in PartitionsOf(token))
        {
            var result = await db.ScriptEvaluateAsync(LuaScripts.Requeue, partition.RequeueKeys, [token, argument, due]).ConfigureAwait(false);
            if ((long)result == 1)
                return true;
        }

        return false;
    }

    /// <summary>A scheduler token (or a dead-lettered occurrence of a recurring schedule, <c>&lt;token&gt;-&lt;ms&gt;</c>) names
    /// its partition; anything else (a planted entry) may be in any of them.</summary>
    IEnumerable<PartitionKeys> PartitionsOf(string token) =>
        Guid.TryParseExact(token, "N", out var id) ? [_keyspace.For(id)]
        : !string.IsNullOrWhiteSpace(token) && Inspection.StoredToken.Parse(token) is { Schedule: not null } stored && stored.Token == token
            ? stored.Partitions(_keyspace)
        : _keyspace.Partitions;
}

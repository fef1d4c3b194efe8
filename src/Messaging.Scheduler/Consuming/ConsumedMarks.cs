using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Consuming;

/// <summary>
/// The marks of the idempotent consumer in Redis, one string key per consumer and MessageId:
/// <c>&lt;prefix&gt;&lt;Consumer&gt;:&lt;MessageId&gt;</c> holds <c>lease:&lt;owner&gt;</c> (PX the lease) while a consumer runs
/// it, then <c>done</c> (PX the retention). Each operation touches one key, so it works on a Redis Cluster as it is.
/// </summary>
internal sealed class ConsumedMarks
{
    public const string Done = "done";

    readonly RedisConnection _connection;
    readonly RedisIdempotentConsumerOptions _options;

    public ConsumedMarks(RedisConnection connection, IOptions<RedisSchedulerOptions> scheduler, IOptions<RedisIdempotentConsumerOptions> options)
    {
        _connection = connection;
        _options = options.Value;
        Prefix = _options.KeyPrefix ?? scheduler.Value.KeyPrefix + "consumed:";
    }

    public string Prefix { get; }

    public RedisIdempotentConsumerOptions Options => _options;

    public RedisKey KeyFor(string consumer, Guid messageId) => $"{Prefix}{consumer}:{messageId:N}";

    /// <summary>Takes the lease (<c>SET NX PX</c>) or answers what holds the key: null when the lease was taken,
    /// <see cref="Done" />, or another owner's lease.</summary>
    public async Task<string?> TryAcquire(RedisKey key, string lease)
    {
        var db = await _connection.Database().ConfigureAwait(false);
        if (await db.StringSetAsync(key, lease, _options.LeaseDuration, When.NotExists).ConfigureAwait(false))
            return null;

        var current = await db.StringGetAsync(key).ConfigureAwait(false);
        return current.IsNull ? string.Empty : (string)current!;
    }

    /// <summary>Deletes a mark, whatever holds it (for the bridge's warm-up probe, whose mark is of no use once written).</summary>
    public async Task Delete(RedisKey key)
    {
        var db = await _connection.Database().ConfigureAwait(false);
        await db.KeyDeleteAsync(key).ConfigureAwait(false);
    }

    public Task MarkDone(RedisKey key, string lease) => Run(key, "done", lease, _options.Retention);

    public Task Release(RedisKey key, string lease) => Run(key, "release", lease, TimeSpan.Zero);

    public Task Renew(RedisKey key, string lease) => Run(key, "renew", lease, _options.LeaseDuration);

    async Task Run(RedisKey key, string action, string lease, TimeSpan time)
    {
        var db = await _connection.Database().ConfigureAwait(false);
        await db.ScriptEvaluateAsync(LuaScripts.Consumed, [key], [action, lease, Math.Max(1, (long)time.TotalMilliseconds)]).ConfigureAwait(false);
    }
}

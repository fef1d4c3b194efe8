using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Step 4 of a message's life: the trigger. Listens for the <c>expired</c> keyspace event of a trigger
/// key under our prefix (from every primary of a Redis Cluster), and for the wake-up a producer publishes when it schedules a message earlier than any other, and
/// wakes the bridge. A hint only: events are lost while disconnected and come late under load, so the bridge also keeps
/// its own timer on the due index.
/// </summary>
internal sealed class TriggerListener
{
    readonly RedisConnection _connection;
    readonly RedisSchedulerOptions _options;
    readonly SchedulerKeyspace _keyspace;
    readonly WakeSignal _signal;
    readonly ILogger _logger;
    int _subscribed;

    public TriggerListener(RedisConnection connection, IOptions<RedisSchedulerOptions> options, RedisScheduleStore store, WakeSignal signal,
        ILogger<TriggerListener> logger)
    {
        _connection = connection;
        _options = options.Value;
        _keyspace = store.Keyspace;
        _signal = signal;
        _logger = logger;
    }

    /// <summary>Subscribes, once (StackExchange.Redis subscribes again by itself after a reconnection), and checks that
    /// the server publishes expired events; the bridge calls it again after it lost Redis, when only the check runs.</summary>
    /// <returns>How keyspace events stand, for the start-up log line.</returns>
    public async Task<string> Start()
    {
        var multiplexer = await _connection.Get().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _subscribed, 1) == 1)
            return _options.TriggerKeys ? await EnsureExpiredEvents(multiplexer).ConfigureAwait(false) : "not used (trigger keys are off)";

        var subscriber = multiplexer.GetSubscriber();
        foreach (var partition in _keyspace.Partitions)
            await subscriber.SubscribeAsync(partition.Wake, (_, _) => _signal.Set()).ConfigureAwait(false);

        if (!_options.TriggerKeys)
            return "not used (trigger keys are off)";

        // Keyspace events are local to the node whose key expired, and a Redis Cluster does not pass them on: a plain
        // SUBSCRIBE hears one node. The key-event channel subscribes on every primary and follows the topology (a failover's
        // new primary, a node added), so a trigger key wakes the bridges wherever its partition lives. On one Redis it is
        // the same SUBSCRIBE as before.
        var prefix = _keyspace.Prefix;
        var expired = RedisChannel.KeyEvent(KeyNotificationType.Expired, _connection.DatabaseIndex);
        await subscriber.SubscribeAsync(expired, (_, key) =>
        {
            if (key.StartsWith(prefix))
                _signal.Set();
        }).ConfigureAwait(false);

        return await EnsureExpiredEvents(multiplexer).ConfigureAwait(false);
    }

    public async Task Stop()
    {
        var multiplexer = await _connection.Get().ConfigureAwait(false);
        await multiplexer.GetSubscriber().UnsubscribeAllAsync().ConfigureAwait(false);
        Volatile.Write(ref _subscribed, 0);
    }

    async Task<string> EnsureExpiredEvents(ConnectionMultiplexer multiplexer)
    {
        // Without the option the scheduler sends no CONFIG command at all: the server's settings are the operator's.
        if (!_options.EnableKeyspaceEvents)
            return "not checked (EnableKeyspaceEvents is false)";

        var sweepMs = (long)_options.SweepInterval.TotalMilliseconds;
        var endpoints = multiplexer.GetEndPoints();
        foreach (var endpoint in endpoints)
        {
            var server = multiplexer.GetServer(endpoint);
            // Of several nodes, one that is down (a cluster primary killed before its replica took over) is skipped: it
            // holds no slots once the failover is done, and failing the bridge's start on it would stop the claims on every
            // other primary. A single server that is down fails the start below, as Redis being unreachable.
            if (server.IsReplica || (!server.IsConnected && endpoints.Length > 1))
                continue;

            try
            {
                var current = (await server.ConfigGetAsync("notify-keyspace-events").ConfigureAwait(false))
                    .FirstOrDefault().Value ?? string.Empty;
                if (HasExpiredEvents(current))
                    continue;

                var wanted = Merge(current);
                await server.ConfigSetAsync("notify-keyspace-events", wanted).ConfigureAwait(false);
                SchedulerLog.KeyspaceEventsEnabled(_logger, current, wanted);
            }
            catch (Exception ex) when (ex is RedisServerException or RedisCommandException)
            {
                // The server answered, and refused: an ACL without config, a provider that renames or disables CONFIG.
                SchedulerLog.KeyspaceEventsUnavailable(_logger, $"CONFIG is not allowed on {endpoint}: {ex.Message}", sweepMs);
                return "unknown (CONFIG refused)";
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException && endpoints.Length > 1)
            {
                // One node of several did not answer (it went down just now): the others' settings are checked, and this
                // one's at the bridge's next start. The sweep is the guarantee either way.
                SchedulerLog.KeyspaceEventsUnavailable(_logger, $"{endpoint} did not answer CONFIG GET: {ex.Message}", sweepMs);
            }

            // With one server, no answer at all (a connection lost or timed out) says nothing about CONFIG: it goes to the
            // bridge, which logs that Redis cannot be reached and starts again.
        }

        return "on";
    }

    /// <summary>Whether the flags publish keyevent notifications for expired keys: E plus x (or A, which holds x).</summary>
    public static bool HasExpiredEvents(string flags) => flags.Contains('E', StringComparison.Ordinal)
        && (flags.Contains('x', StringComparison.Ordinal) || flags.Contains('A', StringComparison.Ordinal));

    static string Merge(string flags)
    {
        var merged = flags;
        if (!merged.Contains('E', StringComparison.Ordinal))
            merged += "E";
        if (!merged.Contains('x', StringComparison.Ordinal) && !merged.Contains('A', StringComparison.Ordinal))
            merged += "x";
        return merged;
    }
}

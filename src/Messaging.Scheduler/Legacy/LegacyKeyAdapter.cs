using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Legacy;

/// <summary>
/// The legacy-key adapter, run by the bridge's host when <see cref="RedisSchedulerOptions.LegacyKeys" /> maps a pattern:
/// listens to the keyspace events of the mapped keys (<c>__keyspace@0__:SELLER:*</c>, one pattern per mapping, events in
/// order per pattern), imports a key as soon as it is written (<c>set</c>, <c>expire</c>), delivers at once a key whose
/// <c>expired</c> event comes before any import, cancels on <c>del</c> / <c>persist</c>, and sweeps the live keys (<c>SCAN</c>,
/// in steps of <see cref="LegacyKeyOptions.ScanPageSize" />) when it starts and after every reconnection to Redis.
/// </summary>
internal sealed class LegacyKeyAdapter : BackgroundService
{
    readonly RedisConnection _connection;
    readonly LegacyKeyImporter _importer;
    readonly RedisSchedulerOptions _options;
    readonly TimeProvider _time;
    readonly ILogger _logger;
    readonly SemaphoreSlim _sweep = new(0);
    readonly List<ChannelMessageQueue> _queues = [];
    CancellationToken _stopping;

    public LegacyKeyAdapter(RedisConnection connection, LegacyKeyImporter importer, IOptions<RedisSchedulerOptions> options, TimeProvider time,
        ILogger<LegacyKeyAdapter> logger)
    {
        _connection = connection;
        _importer = importer;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Completes when the first sweep is done (tests wait for it).</summary>
    public Task Swept => _swept.Task;

    readonly TaskCompletionSource _swept = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.LegacyKeys.Enabled)
        {
            _swept.TrySetResult();
            return;
        }

        await Task.Yield();
        _stopping = stoppingToken;
        var retry = TimeSpan.FromMilliseconds(250);
        var subscribed = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var multiplexer = await _connection.Get().ConfigureAwait(false);
                if (!subscribed)
                {
                    // Subscribe first, then sweep: a key written during the sweep is heard of either way.
                    await Subscribe(multiplexer).ConfigureAwait(false);
                    multiplexer.ConnectionRestored += (_, _) => _sweep.Release();
                    subscribed = true;
                    var events = await EnsureEvents(multiplexer).ConfigureAwait(false);
                    SchedulerLog.LegacyAdapterRunning(_logger, string.Join(", ", _options.LegacyKeys.Mappings.Select(m => m.Pattern)), events);
                }
                else
                {
                    // A Redis that restarted has its configured flags again, without the ones added at run time.
                    await EnsureEvents(multiplexer).ConfigureAwait(false);
                }

                await SweepAll(multiplexer, stoppingToken).ConfigureAwait(false);
                _swept.TrySetResult();
                retry = TimeSpan.FromMilliseconds(250);

                // Events lost while Redis was unreachable: the live keys are swept again after each reconnection.
                await _sweep.WaitAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is RedisException or RedisSchedulerUnavailableException or TimeoutException)
            {
                SchedulerLog.LegacyAdapterFailed(_logger, ex, (long)retry.TotalMilliseconds);
            }

            try
            {
                await Task.Delay(retry, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromMilliseconds(Math.Min(retry.TotalMilliseconds * 2, 5000));
        }

        foreach (var queue in _queues)
        {
            try
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
            {
                // Stopping: the connection may already be gone.
            }
        }
    }

    async Task Subscribe(ConnectionMultiplexer multiplexer)
    {
        var subscriber = multiplexer.GetSubscriber();
        var head = $"__keyspace@{_connection.DatabaseIndex}__:";
        foreach (var mapping in _options.LegacyKeys.Mappings)
        {
            // Keyspace notifications are local to a node: the key-space channel subscribes on every primary of a Redis Cluster
            // (following topology changes), and is the same PSUBSCRIBE __keyspace@<db>__:<pattern> on one Redis.
            var queue = await subscriber.SubscribeAsync(RedisChannel.KeySpacePattern(mapping.Pattern, _connection.DatabaseIndex)).ConfigureAwait(false);
            _queues.Add(queue);

            // One at a time per pattern, in the order Redis published them: a key set twice ends with its last expiry.
            queue.OnMessage(async message =>
            {
                var channel = (string)message.Channel!;
                var key = channel[head.Length..];
                var heard = (string?)message.Message switch
                {
                    "expired" => LegacyKeyEvent.Expired,
                    "del" or "persist" => LegacyKeyEvent.Removed,
                    "set" or "expire" or "rename_to" or "restore" or "copy_to" or "move_to" or "setrange" or "incrby" or "incrbyfloat" or "append"
                        => LegacyKeyEvent.Written,
                    _ => (LegacyKeyEvent?)null,
                };
                if (heard is { } e)
                    await Handle(key, e).ConfigureAwait(false);
            });
        }
    }

    async Task Handle(string key, LegacyKeyEvent heard)
    {
        try
        {
            await _importer.Handle(key, heard, _stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or RedisSchedulerUnavailableException or TimeoutException or OperationCanceledException
            or InvalidOperationException or MessageTooLargeException)
        {
            SchedulerLog.LegacyImportFailed(_logger, ex, key, heard.ToString());
        }
    }

    async Task SweepAll(ConnectionMultiplexer multiplexer, CancellationToken stoppingToken)
    {
        foreach (var mapping in _options.LegacyKeys.Mappings)
        {
            long keys = 0, imported = 0;
            foreach (var endpoint in multiplexer.GetEndPoints())
            {
                var server = multiplexer.GetServer(endpoint);
                if (server.IsReplica || !server.IsConnected)
                    continue;

                await foreach (var key in server.KeysAsync(_connection.DatabaseIndex, mapping.Pattern, _options.LegacyKeys.ScanPageSize)
                    .WithCancellation(stoppingToken).ConfigureAwait(false))
                {
                    keys++;
                    var outcome = await _importer.Handle(key!, LegacyKeyEvent.Swept, stoppingToken).ConfigureAwait(false);
                    if (outcome == LegacyImportOutcome.Imported)
                        imported++;
                }
            }

            SchedulerLog.LegacySwept(_logger, mapping.Pattern, keys, imported);
        }
    }

    /// <summary>Keyspace notifications for the mapped keys: <c>K</c> and <c>$</c> (set), <c>g</c> (expire, del, persist),
    /// <c>x</c> (expired); <c>A</c> holds the last three.</summary>
    public static bool HasLegacyEvents(string flags) => flags.Contains('K', StringComparison.Ordinal)
        && (flags.Contains('A', StringComparison.Ordinal) || (flags.Contains('$', StringComparison.Ordinal) && flags.Contains('g', StringComparison.Ordinal)
            && flags.Contains('x', StringComparison.Ordinal)));

    /// <summary>Adds the flags the adapter needs to <paramref name="flags" />, keeping the others; and <c>E</c>, which the
    /// trigger listener needs with <c>x</c>, so that it finds its flags on and does not write them over these.</summary>
    public static string MergeLegacyEvents(string flags)
    {
        var merged = flags;
        foreach (var flag in new[] { 'K', 'E', '$', 'g', 'x' })
        {
            if (!merged.Contains(flag, StringComparison.Ordinal) && (flag is 'K' or 'E' || !merged.Contains('A', StringComparison.Ordinal)))
                merged += flag;
        }

        return merged;
    }

    async Task<string> EnsureEvents(ConnectionMultiplexer multiplexer)
    {
        foreach (var endpoint in multiplexer.GetEndPoints())
        {
            var server = multiplexer.GetServer(endpoint);
            if (server.IsReplica)
                continue;

            try
            {
                // CONFIG SET replaces the flags: another client that read them before this write (the trigger listener
                // starting at the same moment, another bridge) may write its own over them. Read them back a few times.
                for (var check = 0; check < 4; check++)
                {
                    if (check > 0)
                        await Task.Delay(TimeSpan.FromMilliseconds(250), _time, _stopping).ConfigureAwait(false);

                    var current = (await server.ConfigGetAsync("notify-keyspace-events").ConfigureAwait(false)).FirstOrDefault().Value ?? string.Empty;
                    if (HasLegacyEvents(current))
                        continue;

                    if (!_options.EnableKeyspaceEvents)
                    {
                        SchedulerLog.LegacyEventsUnavailable(_logger, $"'{current}' on {endpoint}, and EnableKeyspaceEvents is false");
                        return "missing";
                    }

                    var wanted = MergeLegacyEvents(current);
                    await server.ConfigSetAsync("notify-keyspace-events", wanted).ConfigureAwait(false);
                    SchedulerLog.LegacyEventsEnabled(_logger, current, wanted);
                }
            }
            catch (Exception ex) when (ex is RedisServerException or RedisCommandException)
            {
                SchedulerLog.LegacyEventsUnavailable(_logger, $"CONFIG is not allowed on {endpoint}: {ex.Message}");
                return "unknown (CONFIG refused)";
            }
        }

        return "on";
    }

    public override void Dispose()
    {
        _sweep.Dispose();
        base.Dispose();
    }
}

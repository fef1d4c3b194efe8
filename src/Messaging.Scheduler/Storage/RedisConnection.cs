using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Storage;

/// <summary>
/// The scheduler's own connection to Redis, opened on first use and kept for the life of the process. It keeps
/// reconnecting in the background (StackExchange.Redis re-subscribes the bridge's channels by itself).
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    readonly RedisSchedulerOptions _options;
    readonly Lazy<ConfigurationOptions> _configuration;
    readonly SemaphoreSlim _gate = new(1, 1);
    ConnectionMultiplexer? _multiplexer;
    ConnectionMultiplexer? _writes;

    public RedisConnection(IOptions<RedisSchedulerOptions> options)
    {
        _options = options.Value;
        _configuration = new Lazy<ConfigurationOptions>(Parse);
    }

    /// <summary>The Redis endpoint(s), as configured, without the password: for messages.</summary>
    public string Describe() => string.Join(",", _configuration.Value.EndPoints.Select(e => e.ToString()));

    public async Task<ConnectionMultiplexer> Get()
    {
        var multiplexer = Volatile.Read(ref _multiplexer);
        if (multiplexer != null)
            return multiplexer;

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_multiplexer != null)
                return _multiplexer;

            multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration.Value.Clone()).ConfigureAwait(false);
            Volatile.Write(ref _multiplexer, multiplexer);
            return multiplexer;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The connection the callers' writes (schedule, cancel, ...) go over: the shared one, or with
    /// <see cref="RedisSchedulerOptions.WaitForReplicas" /> one of their own, because <c>WAIT</c> holds the connection it is
    /// sent on (every command behind it waits) and the bridge's claims must not wait behind it.
    /// </summary>
    public async Task<ConnectionMultiplexer> GetForWrites()
    {
        if (_options.WaitForReplicas <= 0)
            return await Get().ConfigureAwait(false);

        var writes = Volatile.Read(ref _writes);
        if (writes != null)
            return writes;

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_writes != null)
                return _writes;

            var configuration = _configuration.Value.Clone();
            configuration.ClientName += "-writes";
            writes = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            Volatile.Write(ref _writes, writes);
            return writes;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IDatabase> Database()
    {
        var multiplexer = await Get().ConfigureAwait(false);
        return multiplexer.GetDatabase();
    }

    /// <summary>The database index, which names the keyspace-event channel (<c>__keyevent@0__:expired</c>).</summary>
    public int DatabaseIndex => _configuration.Value.DefaultDatabase ?? 0;

    ConfigurationOptions Parse()
    {
        var configuration = ConfigurationOptions.Parse(_options.Configuration);
        configuration.AbortOnConnectFail = false;
        configuration.ClientName ??= "messaging-scheduler";

        // StackExchange.Redis counts INFO (the start-up settings check) and CONFIG (notify-keyspace-events) as admin
        // commands. This connection is the scheduler's own, and it sends no other admin command.
        configuration.AllowAdmin = true;
        var timeout = (int)Math.Clamp(_options.OperationTimeout.TotalMilliseconds, 100, int.MaxValue);
        configuration.ConnectTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.AsyncTimeout = timeout;

        _options.ConfigureRedis?.Invoke(configuration);
        return configuration;
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer != null)
            await _multiplexer.DisposeAsync().ConfigureAwait(false);
        if (_writes != null)
            await _writes.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}

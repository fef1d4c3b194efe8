using StackExchange.Redis;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// The fault program's own connection to a Redis it runs (never the scheduler's): made on first use with the options
/// <c>options</c> gives at that moment, kept while it is connected, and made again after <see cref="Drop" /> or once it
/// lost its connection (a restart, a failover, a reshard).
/// </summary>
internal sealed class AdminConnection(Func<ConfigurationOptions> options)
{
    readonly SemaphoreSlim _gate = new(1, 1);
    ConnectionMultiplexer? _connection;

    public async Task<ConnectionMultiplexer> Get()
    {
        if (_connection is { IsConnected: true } live)
            return live;

        await _gate.WaitAsync();
        try
        {
            if (_connection is { IsConnected: true } connected)
                return connected;

            Drop();
            var configuration = options();
            configuration.AllowAdmin = true;
            configuration.ConnectTimeout = 3000;
            configuration.ClientName = "fault-orchestrator";
            _connection = await ConnectionMultiplexer.ConnectAsync(configuration);
            return _connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the connection, so that the next <see cref="Get" /> makes a new one.</summary>
    public void Drop()
    {
        var connection = _connection;
        _connection = null;
        connection?.Dispose();
    }
}

using System.Net.Sockets;
using StackExchange.Redis;

namespace Messaging.Testing;

/// <summary>
/// Where the real servers are: <c>REDIS</c>, <c>RABBITMQ</c> and <c>RABBITMQ_MANAGEMENT</c> from the environment (as
/// <c>scripts/services.sh env</c> prints them); without <c>REDIS</c>, a Testcontainers Redis where a Docker engine is
/// reachable, else the local defaults. A server that does not answer fails the test with a message naming it, its address
/// and how to start it; a test never skips.
/// </summary>
public static class TestServers
{
    /// <summary>How to get the servers, appended to every "could not reach" message.</summary>
    public const string HowToStart = "./scripts/test.sh starts Redis and RabbitMQ and runs the tests (or start them with scripts/services.sh start).";

    static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    static readonly Lazy<string> RedisAddress = new(() =>
    {
        if (Environment.GetEnvironmentVariable("REDIS") is { Length: > 0 } redis)
            return redis;
        if (!DockerEngineReachable())
            return "127.0.0.1:6379";

        var container = new Testcontainers.Redis.RedisBuilder("redis:7").WithCommand("--notify-keyspace-events", "Ex").Build();
        container.StartAsync().GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => container.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return container.GetConnectionString();
    });

    static readonly Lazy<Task<ConnectionMultiplexer>> SharedRedis = new(() => ConnectRedis());

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<ConnectionMultiplexer>>> SharedConnections = new(StringComparer.Ordinal);

    /// <summary>
    /// The StackExchange.Redis configuration string: <c>REDIS</c>; without it, a Redis container started once per test run
    /// (Testcontainers, <c>redis:7</c>, stopped when the process exits) where a Docker engine is reachable, else
    /// <c>127.0.0.1:6379</c>.
    /// </summary>
    public static string Redis => RedisAddress.Value;

    /// <summary>
    /// The local Redis Cluster's configuration string, its three primaries: <c>REDIS_CLUSTER</c>, default
    /// <c>127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002</c> (<c>scripts/services.sh start redis-cluster</c>; test.sh starts it).
    /// </summary>
    public static string RedisCluster => Variable("REDIS_CLUSTER", "127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002");

    /// <summary>The AMQP address: <c>RABBITMQ</c>, default <c>amqp://guest:guest@127.0.0.1:5672/</c>.</summary>
    public static Uri RabbitMq => new(Variable("RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/"));

    /// <summary>The management API: <c>RABBITMQ_MANAGEMENT</c>, default <c>http://guest:guest@127.0.0.1:15672/</c>.</summary>
    public static Uri RabbitMqManagement => new(Variable("RABBITMQ_MANAGEMENT", "http://guest:guest@127.0.0.1:15672/"));

    /// <summary>A key prefix, queue or virtual host name no other test (or test run) uses: <c>t-{name}-{32 hex digits}</c>.</summary>
    public static string UniqueName(string name) => $"t-{name}-{Guid.NewGuid():N}";

    /// <summary>Connects to <see cref="Redis" />, or fails with a message saying which Redis could not be reached.</summary>
    public static Task<ConnectionMultiplexer> ConnectRedis() => ConnectRedis(Redis);

    /// <summary>Connects to the Redis at <paramref name="configuration" />, or fails with a message saying it could not be reached.</summary>
    public static async Task<ConnectionMultiplexer> ConnectRedis(string configuration)
    {
        try
        {
            var options = ConfigurationOptions.Parse(configuration);
            options.AbortOnConnectFail = true;
            options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
            options.ConnectRetry = 1;
            return await ConnectionMultiplexer.ConnectAsync(options);
        }
        catch (Exception ex) when (ex is RedisException or ArgumentException)
        {
            throw Unreachable("Redis", $"{configuration} (environment variable REDIS)", ex);
        }
    }

    /// <summary>
    /// The database of one connection to <see cref="Redis" /> that every test of the process shares, for the tests' own
    /// reads and writes (never FLUSHDB: every test has its own prefix).
    /// </summary>
    public static async Task<IDatabase> RedisDatabase() => (await SharedRedis.Value).GetDatabase();

    /// <summary>
    /// The database of one connection to the Redis (or Redis Cluster) at <paramref name="configuration" /> that every test of
    /// the process shares, for the tests' own reads and writes.
    /// </summary>
    public static async Task<IDatabase> RedisDatabase(string configuration)
    {
        if (configuration == Redis)
            return await RedisDatabase();

        var shared = SharedConnections.GetOrAdd(configuration, c => new Lazy<Task<ConnectionMultiplexer>>(() => ConnectRedis(c)));
        return (await shared.Value).GetDatabase();
    }

    /// <summary>The Redis server's clock, Unix ms: the clock every due-time decision is made on.</summary>
    public static async Task<long> RedisNow(IDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return (long)time[0] * 1000 + (long)time[1] / 1000;
    }

    /// <summary>Deletes every key that starts with <paramref name="prefix" /> (only the test's own; never FLUSHDB).</summary>
    public static async Task DeleteRedisKeys(ConnectionMultiplexer redis, string prefix)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var db = redis.GetDatabase();
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (server.IsReplica)
                continue;
            await foreach (var key in server.KeysAsync(db.Database, prefix + "*", pageSize: 250))
                await db.KeyDeleteAsync(key);
        }
    }

    /// <summary>Fails with a clear message unless the RabbitMQ at <see cref="RabbitMq" /> accepts TCP connections on its AMQP port.</summary>
    public static Task EnsureRabbitMq() => EnsureAmqp(RabbitMq);

    /// <summary>
    /// Fails with a clear message unless the RabbitMQ at <paramref name="amqp" /> accepts TCP connections on its AMQP port
    /// and its management API (<paramref name="management" />) answers.
    /// </summary>
    public static async Task EnsureRabbitMq(Uri amqp, RabbitMqManagement management)
    {
        ArgumentNullException.ThrowIfNull(amqp);
        ArgumentNullException.ThrowIfNull(management);
        await EnsureAmqp(amqp);
        try
        {
            await management.Overview();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw Unreachable("the RabbitMQ management API", $"{management.BaseAddress} (environment variable RABBITMQ_MANAGEMENT)", NoAnswer(ex));
        }
    }

    /// <summary>
    /// Creates the virtual host of <paramref name="amqp" /> (the escaped name is its path) through <paramref name="management" />
    /// and gives the management user and the user of <paramref name="amqp" /> every permission on it, or fails with a message
    /// saying what to fix. A test on a virtual host of its own shares no exchange with anything else on the broker.
    /// </summary>
    public static async Task CreateVirtualHost(RabbitMqManagement management, Uri amqp)
    {
        ArgumentNullException.ThrowIfNull(management);
        ArgumentNullException.ThrowIfNull(amqp);
        // Qualified: in this class, RabbitMqManagement alone is the management API's address.
        var name = Messaging.Testing.RabbitMqManagement.VirtualHostOf(amqp);
        try
        {
            await management.CreateVirtualHost(name);
            foreach (var user in new[] { management.User, Messaging.Testing.RabbitMqManagement.UserOf(amqp) }.Distinct(StringComparer.Ordinal))
                await management.GrantAllPermissions(name, user);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new InvalidOperationException(
                $"Could not create the test's own RabbitMQ virtual host '{name}' through the management API at {management.BaseAddress} " +
                $"(environment variable RABBITMQ_MANAGEMENT): the management plugin must be enabled and the user '{management.User}' must be " +
                $"an administrator. (Cause: {ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    /// <summary>The exception a test fails with when a server does not answer.</summary>
    public static InvalidOperationException Unreachable(string server, string address, Exception cause)
    {
        ArgumentNullException.ThrowIfNull(cause);
        return new($"Could not reach {server} at {address}. {HowToStart} (Cause: {cause.GetType().Name}: {cause.Message})", cause);
    }

    static async Task EnsureAmqp(Uri amqp)
    {
        var port = amqp.Port > 0 ? amqp.Port : 5672;
        try
        {
            using var timeout = new CancellationTokenSource(ConnectTimeout);
            using var client = new TcpClient();
            await client.ConnectAsync(amqp.Host, port, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            throw Unreachable("RabbitMQ (AMQP)", $"{amqp.Host}:{port} (environment variable RABBITMQ)", NoAnswer(ex));
        }
    }

    static bool DockerEngineReachable() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");

    static Exception NoAnswer(Exception ex) =>
        ex is OperationCanceledException ? new TimeoutException($"no answer within {ConnectTimeout.TotalSeconds:0} s.", ex) : ex;

    static string Variable(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;
}

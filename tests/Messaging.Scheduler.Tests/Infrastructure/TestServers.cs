using System.Net.Sockets;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>
/// Where the real Redis and RabbitMQ are: <c>REDIS</c> and <c>RABBITMQ</c> from the environment (set by
/// <c>scripts/services.sh env</c>); without <c>REDIS</c>, a Testcontainers Redis where a Docker engine is reachable, else
/// the local default. A server that does not answer fails the test with a message that says how to start it; it never
/// skips.
/// </summary>
public static class TestServers
{
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

    public static string Redis => RedisAddress.Value;

    static bool DockerEngineReachable() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");

    public static Uri RabbitMq => new(Environment.GetEnvironmentVariable("RABBITMQ") is { Length: > 0 } rabbit ? rabbit : "amqp://guest:guest@127.0.0.1:5672/");

    static readonly Lazy<Task<ConnectionMultiplexer>> SharedRedis = new(async () =>
    {
        try
        {
            return await ConnectionMultiplexer.ConnectAsync(Redis + ",connectTimeout=3000,abortConnect=true");
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException(
                $"No Redis answers at {Redis} (environment variable REDIS). Start the test servers with ./scripts/test.sh, or scripts/services.sh start.", ex);
        }
    });

    /// <summary>A connection for the tests' own reads and writes (never FLUSHDB: every test has its own prefix).</summary>
    public static async Task<IDatabase> RedisDatabase() => (await SharedRedis.Value).GetDatabase();

    /// <summary>Fails with a clear message when RabbitMQ's AMQP port does not accept a connection.</summary>
    public static async Task EnsureRabbitMq()
    {
        var address = RabbitMq;
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(address.Host, address.Port > 0 ? address.Port : 5672).WaitAsync(TimeSpan.FromSeconds(3));
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"No RabbitMQ answers at {address.Host}:{address.Port} (environment variable RABBITMQ). Start the test servers with ./scripts/test.sh, or scripts/services.sh start.", ex);
        }
    }

    /// <summary>The Redis server's clock, Unix ms: the clock every due-time decision is made on.</summary>
    public static async Task<long> RedisNow(IDatabase db)
    {
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return (long)time[0] * 1000 + (long)time[1] / 1000;
    }

    /// <summary>A key prefix and queue prefix that no other test uses.</summary>
    public static string UniqueName(string testName) => $"t-{testName}-{Guid.NewGuid():N}";
}

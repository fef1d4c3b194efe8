using Messaging.Testing;

namespace Messaging.Consumers.Tests;

/// <summary>
/// A missing server fails a test with a message that names the server, its address and how to start it (never a skip,
/// never a hang). Port 1 on the loopback interface stands for a server that is not running.
/// </summary>
public sealed class TestServersTests
{
    [Fact]
    public async Task A_missing_Redis_fails_with_its_address_and_how_to_start_it()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestServers.ConnectRedis("127.0.0.1:1"));

        Assert.StartsWith("Could not reach Redis at 127.0.0.1:1 (environment variable REDIS)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("./scripts/test.sh", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_RabbitMQ_fails_with_its_address_and_how_to_start_it()
    {
        var amqp = new Uri("amqp://guest:guest@127.0.0.1:1/");
        using var management = new RabbitMqManagement(new Uri("http://guest:guest@127.0.0.1:1/"), amqp);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => TestServers.EnsureRabbitMq(amqp, management));

        Assert.StartsWith("Could not reach RabbitMQ (AMQP) at 127.0.0.1:1 (environment variable RABBITMQ)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("./scripts/test.sh", ex.Message, StringComparison.Ordinal);
    }
}

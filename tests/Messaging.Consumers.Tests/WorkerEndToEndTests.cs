using MassTransit;
using Messaging.Consumers.Tests.Infrastructure;
using Messaging.Contracts;
using Messaging.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Messaging.Consumers.Tests;

/// <summary>
/// The worker exactly as <c>Program.cs</c> sets it up (<see cref="WorkerRegistration.AddNotificationWorker" />), on the
/// real Redis and RabbitMQ: a scheduled notification goes through Redis and the bridge to the consumer, and the broker
/// shows the topology a user looks for in the management UI. A RabbitMQ virtual host of its own, a Redis key prefix and
/// queue names of its own keep it apart from other tests and from anything else on the same servers: on the default
/// virtual host, a durable queue bound to the message type's fanout exchange (e.g. the demo's <c>SellerNotification</c>
/// queue) would receive a copy of the test's message.
/// </summary>
public sealed class WorkerEndToEndTests(ITestOutputHelper output)
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Scheduled_SellerNotification_reaches_the_sender_and_the_topology_is_visible()
    {
        var run = TestServers.UniqueName("consumers");

        // The run's own virtual host (created in the try below, deleted with everything in it by the clean-up); the worker
        // connects to it, and this client reads its queues and exchanges.
        var rabbitMq = RabbitMqManagement.AmqpAddress(TestServers.RabbitMq, run);
        using var management = new RabbitMqManagement(TestServers.RabbitMqManagement, rabbitMq);
        await TestServers.EnsureRabbitMq(TestServers.RabbitMq, management);
        using var redis = await TestServers.ConnectRedis();

        var keyPrefix = $"test:{run}:";
        var formatter = new KebabCaseEndpointNameFormatter(run + "-", false);
        var queues = new[] { formatter.Consumer<SellerNotificationConsumer>(), formatter.Consumer<OperatorNotificationConsumer>() };
        var sender = new RecordingSmsSender();

        using var host = BuildWorker(sender, rabbitMq, keyPrefix, formatter);
        try
        {
            await TestServers.CreateVirtualHost(management, rabbitMq);
            await host.StartAsync();

            var message = new SellerNotification { CorrelationKey = "AAA-" + run, Recipient = "+79990000003", Text = "Scheduled through Redis" };
            var due = DateTime.UtcNow.AddSeconds(2);
            using (var scope = host.Services.CreateScope())
                await scope.ServiceProvider.GetRequiredService<IMessageScheduler>().SchedulePublish(due, message);

            var sms = await sender.WaitFor(message.CorrelationKey, Deadline);
            Assert.Equal(("SELLER", message.Recipient, message.Text), (sms.Channel, sms.Recipient, sms.Text));
            Assert.True(sms.AtUtc >= due.AddMilliseconds(-500), $"the SMS was sent at {sms.AtUtc:O}, before the message was due at {due:O}");

            await Topology.AssertFanoutRoutesToQueue(management, "Messaging.Contracts:SellerNotification", queues[0]);
            await Topology.AssertFanoutRoutesToQueue(management, "Messaging.Contracts:OperatorNotification", queues[1]);
        }
        finally
        {
            await host.StopAsync();
            await CleanUp(management, redis, keyPrefix);
        }
    }

    /// <summary>
    /// Deletes this test's virtual host (with its queues and exchanges) and its Redis keys, each on its own; a failure here
    /// is written to the test's output, not thrown over the test's own.
    /// </summary>
    async Task CleanUp(RabbitMqManagement management, StackExchange.Redis.ConnectionMultiplexer redis, string keyPrefix)
    {
        try
        {
            await management.DeleteVirtualHost(management.VirtualHost);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            output.WriteLine($"Clean-up failed (RabbitMQ virtual host {management.VirtualHost}): {ex}");
        }

        try
        {
            await TestServers.DeleteRedisKeys(redis, keyPrefix);
        }
        catch (StackExchange.Redis.RedisException ex)
        {
            output.WriteLine($"Clean-up failed (Redis prefix {keyPrefix}): {ex}");
        }
    }

    IHost BuildWorker(RecordingSmsSender sender, Uri rabbitMq, string keyPrefix, IEndpointNameFormatter formatter)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output)).AddFilter("Microsoft", LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestServers.Redis,
            ["ConnectionStrings:RabbitMq"] = rabbitMq.AbsoluteUri,
        });

        // Before AddNotificationWorker, whose TryAdd then keeps this sender instead of LoggingSmsSender.
        builder.Services.AddSingleton<ISmsSender>(sender);
        builder.Services.AddNotificationWorker(builder.Configuration, o => o.KeyPrefix = keyPrefix);

        // ConfigureEndpoints resolves IEndpointNameFormatter from the container: this test's queues get names of their own.
        builder.Services.RemoveAll<IEndpointNameFormatter>();
        builder.Services.AddSingleton(formatter);

        // Start returns once the receive endpoints (and their bindings) are up, so the scheduled message has a queue to reach.
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = Deadline;
            o.StopTimeout = Deadline;
        });
        return builder.Build();
    }
}

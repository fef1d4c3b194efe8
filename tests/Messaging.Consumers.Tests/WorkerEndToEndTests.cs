using MassTransit;
using Messaging.Consumers.Tests.Infrastructure;
using Messaging.Contracts;
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
/// shows the topology a user looks for in the management UI. Its own Redis key prefix and queue names keep it apart from
/// other tests on the same servers.
/// </summary>
public sealed class WorkerEndToEndTests(ITestOutputHelper output)
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Scheduled_SellerNotification_reaches_the_sender_and_the_topology_is_visible()
    {
        using var management = new RabbitMqManagement(TestServers.RabbitMqManagement, TestServers.RabbitMq);
        await TestServers.EnsureRabbitMq(TestServers.RabbitMq, management);
        using var redis = await TestServers.ConnectRedis();

        var run = TestServers.UniqueName("t-consumers");
        var keyPrefix = $"test:{run}:";
        var formatter = new KebabCaseEndpointNameFormatter(run + "-", false);
        var queues = new[] { formatter.Consumer<SellerNotificationConsumer>(), formatter.Consumer<OperatorNotificationConsumer>() };
        var sender = new RecordingSmsSender();

        using var host = BuildWorker(sender, keyPrefix, formatter);
        try
        {
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
            await CleanUp(management, queues, redis, keyPrefix);
        }
    }

    /// <summary>Deletes this test's queues, their exchanges and its Redis keys; a failure here is reported, not thrown over the test's own.</summary>
    async Task CleanUp(RabbitMqManagement management, string[] queues, StackExchange.Redis.ConnectionMultiplexer redis, string keyPrefix)
    {
        try
        {
            foreach (var queue in queues)
            {
                await management.DeleteQueue(queue);
                await management.DeleteExchange(queue);
            }

            await TestServers.DeleteRedisKeys(redis, keyPrefix);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or StackExchange.Redis.RedisException)
        {
            output.WriteLine($"Clean-up failed (queues {string.Join(", ", queues)}, Redis prefix {keyPrefix}): {ex}");
        }
    }

    IHost BuildWorker(RecordingSmsSender sender, string keyPrefix, IEndpointNameFormatter formatter)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders().AddProvider(new TestOutputLoggerProvider(output)).AddFilter("Microsoft", LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = TestServers.Redis,
            ["ConnectionStrings:RabbitMq"] = TestServers.RabbitMq.ToString(),
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

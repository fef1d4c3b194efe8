using Messaging.Scheduler.Tests.MassTransitFeatures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Messaging.Scheduler.Tests.MassTransitSpecs;

/// <summary>
/// MassTransit's <c>DelayDirectExchange_Specs</c>, in our words: a message type published to a direct exchange, with a
/// routing key formatter (<c>UseRoutingKeyFormatter</c>) that routes it by its priority to one of two queues. A scheduled
/// publish must reach the queue its routing key selects, as the publish would have, on both ways in.
/// </summary>
public sealed class RoutingKeyTests
{
    static readonly string[] Priorities = ["Low", "High"];

    /// <summary>The spec's topology: routing key from the priority, a direct exchange, and (when <paramref name="consumers" />)
    /// one queue per priority, bound with that routing key only.</summary>
    static void Topology(IBusRegistrationContext context, IRabbitMqBusFactoryConfigurator cfg, SpecRecorder recorder, bool consumers)
    {
        cfg.Send<RoutedMessage>(s => s.UseRoutingKeyFormatter(c => c.Message.Priority));
        cfg.Publish<RoutedMessage>(p => p.ExchangeType = ExchangeType.Direct);
        if (!consumers)
            return;

        foreach (var priority in Priorities)
        {
            cfg.ReceiveEndpoint($"{recorder.RunId}-{priority}", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.ConfigureConsumeTopology = false;
                e.Bind<RoutedMessage>(b =>
                {
                    b.RoutingKey = priority;
                    b.ExchangeType = ExchangeType.Direct;
                });
                e.ConfigureConsumer<RoutedConsumer>(context);
            });
        }
    }

    /// <summary>Publishes a control message of each priority at once, schedules one of each, and checks that every one
    /// arrived in its priority's queue only, the scheduled ones not before they were due.</summary>
    static async Task PublishAndSchedule(IBus bus, IMessageScheduler scheduler, SpecRecorder recorder)
    {
        foreach (var priority in Priorities)
            await bus.Publish(recorder.Routed("now " + priority, priority));

        var due = DateTime.UtcNow.AddSeconds(2);
        foreach (var priority in Priorities)
            await scheduler.SchedulePublish(due, recorder.Routed("scheduled " + priority, priority));

        foreach (var priority in Priorities)
        {
            var queue = $"{recorder.RunId}-{priority}";
            await recorder.WaitFor(r => r.Text == "now " + priority && r.Consumer == queue, TimeSpan.FromSeconds(15), $"the control {priority} arrived");
            await recorder.WaitFor(r => r.Text == "scheduled " + priority, TimeSpan.FromSeconds(20),
                $"the scheduled {priority} message arrived (its routing key selects the {priority} queue)");
        }

        foreach (var received in recorder.Received)
            Assert.Equal($"{recorder.RunId}-{received.Priority}", received.Consumer);
        foreach (var priority in Priorities)
        {
            var scheduled = Assert.Single(recorder.Received, r => r.Text == "scheduled " + priority);
            Assert.True(scheduled.ReceivedUtc >= due.AddMilliseconds(-20), $"the scheduled {priority} message arrived at {scheduled.ReceivedUtc:O}, before {due:O}");
        }
    }

    [Fact]
    public async Task Through_the_direct_provider_a_scheduled_publish_keeps_the_routing_key_of_its_direct_exchange()
    {
        var recorder = new SpecRecorder("routing-direct");
        await using var host = await FeatureHost.Start(recorder, x =>
        {
            x.AddRedisSchedulerBridge(FeatureHost.Redis(recorder.RunId + ":"));
            x.AddConsumer<RoutedConsumer>();
        }, (context, cfg) =>
        {
            cfg.UseRedisMessageScheduler(context);
            Topology(context, cfg, recorder, consumers: true);
        });

        await PublishAndSchedule(host.Services.GetRequiredService<IBus>(), host.Scheduler, recorder);
    }

    [Fact]
    public async Task Through_the_scheduler_endpoint_a_scheduled_publish_keeps_the_routing_key_of_its_direct_exchange()
    {
        var recorder = new SpecRecorder("routing-endpoint");
        var queue = TestServers.UniqueName("scheduler");

        // The worker knows the message type's topology (the contract's routing key formatter), as the service does: the
        // stock service's command carries only the message, so the worker computes the routing key when it stores it.
        await using var worker = await FeatureHost.Start(recorder, x =>
        {
            x.AddRedisSchedulerBridge(FeatureHost.Redis(recorder.RunId + ":"));
            x.AddRedisSchedulerConsumers(o => o.QueueName = queue);
            x.AddConsumer<RoutedConsumer>();
        }, (context, cfg) =>
        {
            Topology(context, cfg, recorder, consumers: true);
            cfg.ConfigureEndpoints(context, filter => filter.Exclude(typeof(RoutedConsumer)));
        });

        var scheduler = new Uri($"queue:{queue}?autodelete=true");
        await using var service = await FeatureHost.Start(recorder, x => x.AddMessageScheduler(scheduler), (context, cfg) =>
        {
            cfg.UseMessageScheduler(scheduler);
            Topology(context, cfg, recorder, consumers: false);
        });

        await PublishAndSchedule(service.Services.GetRequiredService<IBus>(), service.Scheduler, recorder);
    }
}

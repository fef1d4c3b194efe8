using Messaging.Scheduler.Tests.MassTransitFeatures;
using MassTransit;

namespace Messaging.Scheduler.Tests.MassTransitSpecs;

/// <summary>
/// MassTransit's raw JSON scheduling specs, in our words: a service whose bus sends raw JSON (<c>UseRawJsonSerializer()</c>:
/// <c>application/json</c>, the message without MassTransit's envelope, its IDs and headers in the transport headers)
/// schedules a message. The worker, configured as usual, stores it, and its consumer receives it as the service sent it:
/// raw JSON, with its MessageId and headers. Nothing faults.
/// </summary>
public sealed class RawJsonTests
{
    const string Tenant = "X-Tenant";

    /// <summary>The service: raw JSON on its bus, and the consumer of the scheduled message.</summary>
    static Task<FeatureHost> Service(SpecRecorder recorder, Action<IBusRegistrationConfigurator> scheduler,
        Action<IBusRegistrationContext, IRabbitMqBusFactoryConfigurator> useScheduler) =>
        FeatureHost.Start(recorder, x =>
        {
            scheduler(x);
            x.AddConsumer<SpecConsumer>();
        }, (context, cfg) =>
        {
            cfg.UseRawJsonSerializer();
            useScheduler(context, cfg);
            cfg.ReceiveEndpoint(recorder.RunId, e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.ConfigureConsumer<SpecConsumer>(context);
            });
        });

    /// <summary>The worker as it is deployed (no serializer configured): the bridge, and the scheduler endpoint when
    /// <paramref name="schedulerQueue" /> is set.</summary>
    static Task<FeatureHost> Worker(SpecRecorder recorder, string? schedulerQueue) =>
        FeatureHost.Start(recorder, x =>
        {
            x.AddRedisSchedulerBridge(FeatureHost.Redis(recorder.RunId + ":"));
            if (schedulerQueue != null)
                x.AddRedisSchedulerConsumers(o => o.QueueName = schedulerQueue);
        }, (context, cfg) =>
        {
            if (schedulerQueue != null)
                cfg.ConfigureEndpoints(context);
        });

    static async Task ScheduleAndCheck(FeatureHost service, SpecRecorder recorder)
    {
        var due = DateTime.UtcNow.AddSeconds(2);
        var messageId = NewId.NextGuid();
        await service.Scheduler.SchedulePublish(due, recorder.Message("raw"), Pipe.Execute<SendContext<SpecMessage>>(context =>
        {
            context.MessageId = messageId;
            context.Headers.Set(Tenant, "tenant-7");
        }));

        await recorder.WaitFor(r => r.Text == "raw", TimeSpan.FromSeconds(20), "the scheduled raw JSON message arrived");
        var received = Assert.Single(recorder.Received);
        Assert.True(received.ReceivedUtc >= due.AddMilliseconds(-20), $"it arrived at {received.ReceivedUtc:O}, before {due:O}");
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal(messageId, received.MessageId);
        Assert.Equal("tenant-7", received.Headers.TryGetValue(Tenant, out var tenant) ? tenant?.ToString() : null);
    }

    static async Task<bool> QueueExists(RabbitMqManagement management, string queue) =>
        (await management.Queues()).Any(q => q.GetProperty("name").GetString() == queue);

    [Fact]
    public async Task Through_the_scheduler_endpoint_a_raw_json_service_schedules_and_its_consumer_receives_raw_json()
    {
        var recorder = new SpecRecorder("raw-endpoint");
        var queue = TestServers.UniqueName("scheduler");
        using var management = new RabbitMqManagement(TestServers.RabbitMqManagement, TestServers.RabbitMq);
        try
        {
            await using var worker = await Worker(recorder, queue);
            var scheduler = new Uri($"queue:{queue}?autodelete=true");
            await using var service = await Service(recorder, x => x.AddMessageScheduler(scheduler), (_, cfg) => cfg.UseMessageScheduler(scheduler));

            await ScheduleAndCheck(service, recorder);
            Assert.False(await QueueExists(management, queue + "_error"), "a command went to the scheduler's error queue");
        }
        finally
        {
            if (await QueueExists(management, queue + "_error"))
                await management.DeleteQueue(queue + "_error");
        }
    }

    [Fact]
    public async Task Through_the_direct_provider_a_raw_json_service_schedules_and_its_consumer_receives_raw_json()
    {
        var recorder = new SpecRecorder("raw-direct");
        await using var worker = await Worker(recorder, null);
        await using var service = await Service(recorder, x => x.AddRedisMessageScheduler(FeatureHost.Redis(recorder.RunId + ":")),
            (context, cfg) => cfg.UseRedisMessageScheduler(context));

        await ScheduleAndCheck(service, recorder);
    }
}

using Messaging.Scheduler.Tests.MassTransitFeatures;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Scheduler.Tests.MassTransitSpecs;

/// <summary>
/// MassTransit's send filter specs, in our words: a bus send filter (<c>UseSendFilter(typeof(Filter&lt;&gt;), context)</c>)
/// sets a header on every send. A message scheduled by that service must carry it when it is delivered, whichever way it
/// was scheduled. The worker that delivers has no such filter, so the header can only come from the scheduling side.
/// </summary>
public sealed class SendFilterTests
{
    /// <summary>The worker: the bridge, the consumer, and (when <paramref name="schedulerQueue" />) the scheduler endpoint; no send filter.</summary>
    static Task<FeatureHost> Worker(SpecRecorder recorder, string? schedulerQueue) =>
        FeatureHost.Start(recorder, x =>
        {
            x.AddRedisSchedulerBridge(FeatureHost.Redis(recorder.RunId + ":"));
            if (schedulerQueue != null)
                x.AddRedisSchedulerConsumers(o => o.QueueName = schedulerQueue);
            x.AddConsumer<SpecConsumer>();
        }, (context, cfg) =>
        {
            cfg.ReceiveEndpoint(recorder.RunId, e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.ConfigureConsumer<SpecConsumer>(context);
            });
            if (schedulerQueue != null)
                cfg.ConfigureEndpoints(context, filter => filter.Exclude(typeof(SpecConsumer)));
        });

    static async Task ScheduleAndCheck(FeatureHost service, SpecRecorder recorder)
    {
        var due = DateTime.UtcNow.AddSeconds(2);
        await service.Scheduler.SchedulePublish(due, recorder.Message("filtered"));

        await recorder.WaitFor(r => r.Text == "filtered", TimeSpan.FromSeconds(20), "the scheduled message arrived");
        var received = Assert.Single(recorder.Received);
        Assert.True(received.ReceivedUtc >= due.AddMilliseconds(-20), $"it arrived at {received.ReceivedUtc:O}, before {due:O}");
        Assert.True(received.Headers.TryGetValue(StampFilter<object>.Header, out var value),
            $"the header the send filter sets is missing; the message arrived with: {string.Join(", ", received.Headers.Keys)}");
        Assert.Equal(StampFilter<object>.Value, value?.ToString());
    }

    [Fact]
    public async Task Through_the_direct_provider_a_scheduled_message_goes_through_the_bus_send_filters()
    {
        var recorder = new SpecRecorder("filter-direct");
        await using var worker = await Worker(recorder, null);
        await using var service = await FeatureHost.Start(recorder, x => x.AddRedisMessageScheduler(FeatureHost.Redis(recorder.RunId + ":")), (context, cfg) =>
        {
            cfg.UseRedisMessageScheduler(context);
            cfg.UseSendFilter(typeof(StampFilter<>), context);
        });

        await ScheduleAndCheck(service, recorder);
    }

    [Fact]
    public async Task From_inside_a_consumer_through_the_direct_provider_a_scheduled_message_goes_through_the_bus_send_filters()
    {
        var recorder = new SpecRecorder("filter-consumer");
        await using var worker = await Worker(recorder, null);
        await using var service = await FeatureHost.Start(recorder, x =>
        {
            x.AddRedisMessageScheduler(FeatureHost.Redis(recorder.RunId + ":"));
            x.AddConsumer<ScheduleOnTrigger>();
        }, (context, cfg) =>
        {
            cfg.UseRedisMessageScheduler(context);
            cfg.UseSendFilter(typeof(StampFilter<>), context);
            cfg.ReceiveEndpoint(recorder.RunId + "-trigger", e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.ConfigureConsumer<ScheduleOnTrigger>(context);
            });
        });

        var sent = DateTime.UtcNow;
        await service.Services.GetRequiredService<IBus>().Publish(new SpecTrigger { RunId = recorder.RunId });

        await recorder.WaitFor(r => r.Text == "filtered from a consumer", TimeSpan.FromSeconds(20), "the message scheduled from the consumer arrived");
        var received = Assert.Single(recorder.Received);
        Assert.True(received.ReceivedUtc >= sent.AddSeconds(2).AddMilliseconds(-20), $"it arrived at {received.ReceivedUtc:O}, less than 2 s after {sent:O}");
        Assert.True(received.Headers.TryGetValue(StampFilter<object>.Header, out var value),
            $"the header the send filter sets is missing; the message arrived with: {string.Join(", ", received.Headers.Keys)}");
        Assert.Equal(StampFilter<object>.Value, value?.ToString());
    }

    [Fact]
    public async Task Through_the_scheduler_endpoint_a_scheduled_message_goes_through_the_bus_send_filters()
    {
        var recorder = new SpecRecorder("filter-endpoint");
        var queue = TestServers.UniqueName("scheduler");
        await using var worker = await Worker(recorder, queue);
        var scheduler = new Uri($"queue:{queue}?autodelete=true");
        await using var service = await FeatureHost.Start(recorder, x => x.AddMessageScheduler(scheduler), (context, cfg) =>
        {
            cfg.UseMessageScheduler(scheduler);
            cfg.UseSendFilter(typeof(StampFilter<>), context);
        });

        await ScheduleAndCheck(service, recorder);
    }
}

/// <summary>Asks the service's consumer to schedule a message.</summary>
public sealed record SpecTrigger
{
    public string RunId { get; init; } = string.Empty;
}

/// <summary>Schedules a <see cref="SpecMessage" /> two seconds on, from inside a consumer (<c>context.SchedulePublish</c>).</summary>
public sealed class ScheduleOnTrigger : IConsumer<SpecTrigger>
{
    public Task Consume(ConsumeContext<SpecTrigger> context) =>
        context.SchedulePublish(TimeSpan.FromSeconds(2), new SpecMessage { RunId = context.Message.RunId, Text = "filtered from a consumer" });
}

/// <summary>A bus send filter that sets a header on every message sent.</summary>
public sealed class StampFilter<T> : IFilter<SendContext<T>>
    where T : class
{
    public const string Header = "X-Stamped-By-Send-Filter";
    public const string Value = "stamped";

    public Task Send(SendContext<T> context, IPipe<SendContext<T>> next)
    {
        context.Headers.Set(Header, Value);
        return next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("stamp");
}

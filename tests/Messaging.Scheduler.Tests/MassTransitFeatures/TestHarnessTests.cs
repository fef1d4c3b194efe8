using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Scheduler.Tests.MassTransitFeatures;

public sealed record OrderPlaced
{
    public Guid OrderId { get; init; }
}

public sealed record PaymentReminder
{
    public Guid OrderId { get; init; }
}

/// <summary>The user's scheduling code under test: an order placed gets a payment reminder one second later.</summary>
public sealed class OrderPlacedConsumer : IConsumer<OrderPlaced>
{
    public static readonly TimeSpan ReminderDelay = TimeSpan.FromSeconds(1);

    public Task Consume(ConsumeContext<OrderPlaced> context) =>
        context.SchedulePublish(ReminderDelay, new PaymentReminder { OrderId = context.Message.OrderId });
}

public sealed class PaymentReminderConsumer : IConsumer<PaymentReminder>
{
    public Task Consume(ConsumeContext<PaymentReminder> context) => Task.CompletedTask;
}

/// <summary>
/// How a user tests their own scheduling code with MassTransit's test harness (the in-memory transport): with this
/// scheduler on a real Redis (the same registration as in production, the bridge republishing onto the in-memory bus),
/// and, for unit tests without Redis, with the harness's own delayed scheduler. The README shows the first.
/// </summary>
public sealed class TestHarnessTests
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_harness_on_the_in_memory_transport_delivers_a_message_scheduled_in_Redis()
    {
        var prefix = TestServers.UniqueName("harness") + ":";
        await using var provider = new ServiceCollection()
            .AddMassTransitTestHarness(x =>
            {
                x.SetTestTimeouts(testTimeout: Deadline, testInactivityTimeout: Deadline);
                x.AddRedisSchedulerBridge(o =>
                {
                    o.Configuration = TestServers.Redis;
                    o.KeyPrefix = prefix;
                });
                x.AddConsumer<OrderPlacedConsumer>();
                x.AddConsumer<PaymentReminderConsumer>();
                x.UsingInMemory((context, cfg) =>
                {
                    cfg.UseRedisMessageScheduler(context);
                    cfg.ConfigureEndpoints(context);
                });
            })
            .BuildServiceProvider(true);
        var harness = provider.GetTestHarness();
        await harness.Start();

        var orderId = NewId.NextGuid();
        var placed = DateTime.UtcNow;
        await harness.Bus.Publish(new OrderPlaced { OrderId = orderId });

        Assert.True(await harness.GetConsumerHarness<PaymentReminderConsumer>().Consumed.Any<PaymentReminder>(m => m.Context.Message.OrderId == orderId),
            "no PaymentReminder was consumed");
        var reminder = harness.Consumed.Select<PaymentReminder>(m => m.Context.Message.OrderId == orderId).First();
        var after = reminder.StartTime - placed;
        Assert.True(after >= OrderPlacedConsumer.ReminderDelay, $"the reminder was consumed {after.TotalMilliseconds} ms after the order, before its delay");
        Assert.NotNull(reminder.Context.Headers.Get<string>(MessageHeaders.SchedulingTokenId));

        // It went through Redis: the scheduler stored it under the test's prefix (and the bridge acknowledged it).
        var db = await TestServers.RedisDatabase();
        Assert.True(await db.KeyExistsAsync(prefix + "{0}:names"), "the scheduler wrote nothing under the test's prefix");
        Assert.Equal(0, await db.SortedSetLengthAsync(prefix + "{0}:due"));
    }

    [Fact]
    public async Task Without_Redis_the_harness_delayed_scheduler_runs_the_same_scheduling_code()
    {
        // No scheduler registered: AddMassTransitTestHarness adds MassTransit's delayed scheduler on the in-memory
        // transport (AddDelayedMessageScheduler / UseDelayedMessageScheduler), so context.SchedulePublish works in unit tests.
        await using var provider = new ServiceCollection()
            .AddMassTransitTestHarness(x =>
            {
                x.SetTestTimeouts(testTimeout: Deadline, testInactivityTimeout: Deadline);
                x.AddConsumer<OrderPlacedConsumer>();
                x.AddConsumer<PaymentReminderConsumer>();
            })
            .BuildServiceProvider(true);
        var harness = provider.GetTestHarness();
        await harness.Start();

        var orderId = NewId.NextGuid();
        var placed = DateTime.UtcNow;
        await harness.Bus.Publish(new OrderPlaced { OrderId = orderId });

        Assert.True(await harness.GetConsumerHarness<PaymentReminderConsumer>().Consumed.Any<PaymentReminder>(m => m.Context.Message.OrderId == orderId),
            "no PaymentReminder was consumed");
        var reminder = harness.Consumed.Select<PaymentReminder>(m => m.Context.Message.OrderId == orderId).First();
        Assert.True(reminder.StartTime - placed >= OrderPlacedConsumer.ReminderDelay,
            $"the reminder was consumed {(reminder.StartTime - placed).TotalMilliseconds} ms after the order, before its delay");
    }
}

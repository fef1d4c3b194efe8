using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests;

/// <summary>The ways in: <see cref="IMessageScheduler" />, a consumer's <c>context.SchedulePublish</c>, and a scheduled send.</summary>
public class SchedulingTests
{
    readonly RedisTarget _target;

    /// <summary>On the single Redis.</summary>
    public SchedulingTests() : this(RedisTarget.Single)
    {
    }

    /// <summary>On <paramref name="target" />.</summary>
    protected SchedulingTests(RedisTarget target)
    {
        _target = target;
    }

    [Fact]
    public async Task SchedulePublish_from_the_message_scheduler_is_consumed_when_due()
    {
        await using var bus = await _target.Start(nameof(SchedulePublish_from_the_message_scheduler_is_consumed_when_due));

        var due = DateTime.UtcNow.AddMilliseconds(1500);
        var scheduled = await bus.Scheduler.SchedulePublish(due, bus.Probe(1));

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        var delivery = bus.Log.Single(1);
        Timing.OnTime(delivery, scheduled.ScheduledTime);
        Assert.Equal(scheduled.TokenId.ToString("D"), delivery.Headers[MessageHeaders.SchedulingTokenId]?.ToString());
    }

    [Fact]
    public async Task SchedulePublish_from_inside_a_consumer_is_consumed_when_due_in_the_same_conversation()
    {
        await using var bus = await _target.Start(nameof(SchedulePublish_from_inside_a_consumer_is_consumed_when_due_in_the_same_conversation));

        await bus.Bus.Publish(new ScheduleFromConsumer { RunId = bus.RunId, Number = 7, DelayMilliseconds = 1000 });

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        var (commandId, conversationId, tokenId, scheduledTime) = Assert.Single(bus.Log.FromConsumer);
        var delivery = bus.Log.Single(7);
        Timing.OnTime(delivery, scheduledTime);
        Assert.Equal("from a consumer", delivery.Message.Text);
        Assert.NotNull(conversationId);
        Assert.Equal(conversationId, delivery.ConversationId);
        Assert.NotEqual(commandId, delivery.MessageId);
        Assert.Equal(tokenId.ToString("D"), delivery.Headers[MessageHeaders.SchedulingTokenId]?.ToString());
    }

    [Fact]
    public async Task ScheduleSend_to_a_queue_address_is_consumed_there_when_due()
    {
        await using var bus = await _target.Start(nameof(ScheduleSend_to_a_queue_address_is_consumed_there_when_due));

        var address = bus.QueueAddress!;
        var scheduled = await bus.Scheduler.ScheduleSend(address, DateTime.UtcNow.AddSeconds(1), bus.Probe(3));

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        var delivery = bus.Log.Single(3);
        Timing.OnTime(delivery, scheduled.ScheduledTime);
        Assert.EndsWith(bus.QueueName, delivery.DestinationAddress?.AbsolutePath);
    }

    [Fact]
    public async Task Ids_and_headers_set_when_scheduling_arrive_unchanged()
    {
        await using var bus = await _target.Start(nameof(Ids_and_headers_set_when_scheduling_arrive_unchanged));

        var messageId = NewId.NextGuid();
        var correlationId = NewId.NextGuid();
        var conversationId = NewId.NextGuid();
        var initiatorId = NewId.NextGuid();
        var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(800), bus.Probe(5),
            Pipe.Execute<SendContext<ProbeMessage>>(context =>
            {
                context.MessageId = messageId;
                context.CorrelationId = correlationId;
                context.ConversationId = conversationId;
                context.InitiatorId = initiatorId;
                context.Headers.Set("X-Tenant", "tenant-42");
                context.Headers.Set("X-Attempt", 3);
            }));

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        var delivery = bus.Log.Single(5);
        Timing.OnTime(delivery, scheduled.ScheduledTime);
        Assert.Equal(messageId, delivery.MessageId);
        Assert.Equal(correlationId, delivery.CorrelationId);
        Assert.Equal(conversationId, delivery.ConversationId);
        Assert.Equal(initiatorId, delivery.InitiatorId);
        Assert.Equal("tenant-42", delivery.Headers["X-Tenant"]?.ToString());
        Assert.Equal("3", delivery.Headers["X-Attempt"]?.ToString());
        Assert.Equal(scheduled.TokenId.ToString("D"), delivery.Headers[MessageHeaders.SchedulingTokenId]?.ToString());
    }

    [Fact]
    public async Task A_time_in_the_past_is_due_at_once()
    {
        await using var bus = await _target.Start(nameof(A_time_in_the_past_is_due_at_once));
        // The host's start does not wait for the bridge's first claim (its warm-up, its keyspace-events check): one message
        // delivered first shows the bridge is claiming, so that what is timed below is the past-due message alone.
        await bus.Scheduler.SchedulePublish(DateTime.UtcNow, bus.Probe(8));
        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        var before = await TestServers.RedisNow(await _target.Database());

        await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMinutes(-5), bus.Probe(9));

        await bus.Log.WaitFor(2, TimeSpan.FromSeconds(30));
        var afterScheduling = bus.Log.Single(9).RedisTimeMs - before;
        Assert.True(afterScheduling <= Timing.Bound.TotalMilliseconds,
            $"a message due in the past was consumed {afterScheduling} ms after it was scheduled; the bound is {Timing.Bound.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Local_times_are_converted_to_utc_as_MassTransit_does()
    {
        await using var bus = await _target.Start(nameof(Local_times_are_converted_to_utc_as_MassTransit_does));

        var dueUtc = DateTime.UtcNow.AddSeconds(1);
        var scheduled = await bus.Scheduler.SchedulePublish(dueUtc.ToLocalTime(), bus.Probe(11));

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        Timing.OnTime(bus.Log.Single(11), dueUtc);
        Assert.Equal(DateTimeKind.Utc, scheduled.ScheduledTime.Kind);
    }
}

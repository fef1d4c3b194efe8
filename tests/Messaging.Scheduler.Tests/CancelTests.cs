using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests;

/// <summary>Cancel and reschedule by token. "Never delivered" is shown by a later sentinel message: the bridge delivers
/// in due order, so once the sentinel arrived, the cancelled message's time had passed.</summary>
public class CancelTests
{
    readonly RedisTarget _target;

    /// <summary>On the single Redis.</summary>
    public CancelTests() : this(RedisTarget.Single)
    {
    }

    /// <summary>On <paramref name="target" />.</summary>
    protected CancelTests(RedisTarget target)
    {
        _target = target;
    }

    [Fact]
    public async Task A_message_cancelled_before_it_is_due_is_never_delivered()
    {
        await using var bus = await _target.Start(nameof(A_message_cancelled_before_it_is_due_is_never_delivered));
        var now = DateTime.UtcNow;

        var cancelled = await bus.Scheduler.SchedulePublish(now.AddMilliseconds(1000), bus.Probe(1));
        var sentinel = await bus.Scheduler.SchedulePublish(now.AddMilliseconds(1600), bus.Probe(2));
        await bus.Scheduler.CancelScheduledPublish<ProbeMessage>(cancelled.TokenId);

        await bus.Log.WaitFor(1, TimeSpan.FromSeconds(30));
        Timing.OnTime(bus.Log.Single(2), sentinel.ScheduledTime);
        Assert.DoesNotContain(bus.Log.Deliveries, d => d.Message.Number == 1);

        var db = await _target.Database();
        Assert.False(await db.HashExistsAsync(bus.PartitionOf(cancelled.TokenId).Entries, cancelled.TokenId.ToString("N")));
    }

    [Fact]
    public async Task CancelScheduledSend_by_address_and_token_removes_the_entry()
    {
        await using var bus = await _target.Start(nameof(CancelScheduledSend_by_address_and_token_removes_the_entry));
        var scheduled = await bus.Scheduler.ScheduleSend(bus.QueueAddress!, DateTime.UtcNow.AddSeconds(30), bus.Probe(4));

        await bus.Scheduler.CancelScheduledSend(bus.QueueAddress!, scheduled.TokenId);

        var db = await _target.Database();
        var partition = bus.PartitionOf(scheduled.TokenId);
        Assert.Equal(0, await db.SortedSetLengthAsync(partition.Due));
        Assert.Equal(0, await db.HashLengthAsync(partition.Entries));
        Assert.False(await db.KeyExistsAsync(partition.Trigger("PROBE", scheduled.TokenId.ToString("N"))), "the trigger key is removed with the entry");
    }

    [Fact]
    public async Task Scheduling_the_same_token_again_replaces_the_message_and_delivers_it_once_at_the_new_time()
    {
        await using var bus = await _target.Start(nameof(Scheduling_the_same_token_again_replaces_the_message_and_delivers_it_once_at_the_new_time));
        var token = NewId.NextGuid();
        var now = DateTime.UtcNow;
        var pipe = Pipe.Execute<SendContext<ProbeMessage>>(context => context.ScheduledMessageId = token);

        var first = await bus.Scheduler.SchedulePublish(now.AddMilliseconds(1000), bus.Probe(1, "first"), pipe);
        var second = await bus.Scheduler.SchedulePublish(now.AddMilliseconds(1800), bus.Probe(1, "second"), pipe);
        var sentinel = await bus.Scheduler.SchedulePublish(now.AddMilliseconds(2400), bus.Probe(2));

        await Wait.Until(() => bus.Log.Deliveries.Any(d => d.Message.Number == 2), TimeSpan.FromSeconds(30), "the sentinel arrived");
        Assert.Equal(token, first.TokenId);
        Assert.Equal(token, second.TokenId);
        var delivery = bus.Log.Single(1);
        Assert.Equal("second", delivery.Message.Text);
        Timing.OnTime(delivery, second.ScheduledTime);
        Timing.OnTime(bus.Log.Single(2), sentinel.ScheduledTime);
    }
}

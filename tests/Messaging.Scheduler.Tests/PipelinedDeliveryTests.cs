using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests;

/// <summary>The bridge keeps claiming while deliveries are in flight: one slow publish does not hold up the rest.</summary>
public sealed class PipelinedDeliveryTests
{
    [Fact]
    public async Task A_message_due_while_an_earlier_publish_hangs_is_delivered_without_waiting_for_it()
    {
        // The timeout and lease are far longer than the test waits: a bridge that waited for its earlier batch to finish
        // could deliver the second message only after the held publish, which happens only when the test opens the gate.
        await using var bus = await TestBus.Start(nameof(A_message_due_while_an_earlier_publish_hangs_is_delivered_without_waiting_for_it),
            s => s.Scheduler = o =>
            {
                o.LeaseDuration = TimeSpan.FromMinutes(5);
                o.DeliveryTimeout = TimeSpan.FromMinutes(2);
            });
        var heldId = NewId.NextGuid();
        var gate = new SendGate(heldId);
        using var connected = bus.Bus.ConnectSendObserver(gate);
        try
        {
            await bus.Scheduler.SchedulePublish(DateTime.UtcNow, bus.Probe(1, "held"),
                Pipe.Execute<SendContext<ProbeMessage>>(context => context.MessageId = heldId));
            await Wait.Until(() => gate.Reached, TimeSpan.FromSeconds(30), "the first message's publish reached the gate");

            var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(300), bus.Probe(2, "behind it"));

            await bus.Log.WaitFor(1, TimeSpan.FromSeconds(20));
            var delivery = bus.Log.Single(2);
            Timing.OnTime(delivery, scheduled.ScheduledTime);
            Assert.DoesNotContain(bus.Log.Deliveries, d => d.Message.Number == 1);
        }
        finally
        {
            gate.Open();
        }

        await bus.Log.WaitFor(2, TimeSpan.FromSeconds(30));
        Assert.Equal(heldId, bus.Log.Single(1).MessageId);
        var db = await TestServers.RedisDatabase();
        await Wait.Until(async () => await db.HashLengthAsync($"{bus.KeyPrefix}{{0}}:entries") == 0
                && await db.SortedSetLengthAsync($"{bus.KeyPrefix}{{0}}:inflight") == 0,
            TimeSpan.FromSeconds(30), "both messages are acknowledged");
    }
}

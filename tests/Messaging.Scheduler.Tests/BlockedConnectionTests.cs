using MassTransit;
using Messaging.Scheduler.Delivery;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// A blocked RabbitMQ connection (<c>connection.blocked</c>: a memory or disk alarm) is not a delivery failure: the
/// broker holds what was published and confirms it after the unblock. The fault suite's scenario 9 raises a real alarm;
/// here the block is marked on the bridge's <see cref="ConnectionBlocking" /> directly, because the shared RabbitMQ of the
/// tests must never be put under an alarm.
/// </summary>
public sealed class BlockedConnectionTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    static ConnectionBlocking NewBlocking(TimeProvider time) =>
        new(new ServiceCollection().BuildServiceProvider(), time, NullLogger<ConnectionBlocking>.Instance);

    /// <summary>Advances the fake clock in steps, letting the waiting code run between them.</summary>
    static async Task Advance(FakeTimeProvider time, TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(250);
        for (var done = TimeSpan.Zero; done < by; done += step)
        {
            time.Advance(step);
            await Task.Delay(5);
        }
    }

    [Fact]
    public async Task A_publish_that_hangs_on_an_unblocked_connection_is_given_up_after_the_timeout()
    {
        var time = new FakeTimeProvider();
        var blocking = NewBlocking(time);
        var publish = new TaskCompletionSource();

        var waiting = blocking.Completes(publish.Task, Timeout, CancellationToken.None);
        await Advance(time, Timeout - TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);
        await Advance(time, TimeSpan.FromSeconds(2));

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_publish_held_while_the_connection_is_blocked_is_not_timed_out_and_gets_the_whole_timeout_after_the_unblock()
    {
        var time = new FakeTimeProvider();
        var blocking = NewBlocking(time);
        var publish = new TaskCompletionSource();

        var waiting = blocking.Completes(publish.Task, Timeout, CancellationToken.None);
        await Advance(time, TimeSpan.FromSeconds(8));
        blocking.Blocked("low on memory");
        Assert.True(blocking.IsBlocked);

        // Blocked far longer than the timeout: the broker holds the publish, and it is waited for.
        await Advance(time, TimeSpan.FromSeconds(45));
        Assert.False(waiting.IsCompleted);

        // Unblocked: the clock starts again from zero, not from the 8 s before the block.
        blocking.Unblocked("connection.unblocked");
        await Advance(time, Timeout - TimeSpan.FromSeconds(1));
        Assert.False(waiting.IsCompleted);

        publish.SetResult();
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_publish_still_hanging_a_timeout_after_the_unblock_is_given_up()
    {
        var time = new FakeTimeProvider();
        var blocking = NewBlocking(time);
        var publish = new TaskCompletionSource();

        var waiting = blocking.Completes(publish.Task, Timeout, CancellationToken.None);
        blocking.Blocked("low on memory");
        await Advance(time, TimeSpan.FromSeconds(30));
        blocking.Unblocked("connection.unblocked");
        await Advance(time, Timeout + TimeSpan.FromSeconds(1));

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Stopping_ends_the_wait_for_a_held_publish()
    {
        var time = new FakeTimeProvider();
        var blocking = NewBlocking(time);
        blocking.Blocked("low on memory");
        using var stopping = new CancellationTokenSource();

        var waiting = blocking.Completes(new TaskCompletionSource().Task, Timeout, stopping.Token);
        await stopping.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task The_bridge_watches_the_connection_the_bus_publishes_on()
    {
        await using var bus = await TestBus.Start(nameof(The_bridge_watches_the_connection_the_bus_publishes_on));
        var blocking = bus.Services.GetRequiredService<ConnectionBlocking>();

        await Wait.Until(() => blocking.IsWatching, TimeSpan.FromSeconds(30), "the bridge watches the bus's RabbitMQ connection");
        Assert.False(blocking.IsBlocked);
    }

    [Fact]
    public async Task While_the_connection_is_blocked_a_held_publish_is_not_given_back_and_nothing_new_is_claimed()
    {
        // A short timeout and lease: the block lasts longer than both.
        var logs = new ListLoggerProvider();
        await using var bus = await TestBus.Start(nameof(While_the_connection_is_blocked_a_held_publish_is_not_given_back_and_nothing_new_is_claimed),
            s =>
            {
                s.Logs = logs;
                s.Scheduler = o =>
                {
                    o.LeaseDuration = TimeSpan.FromSeconds(3);
                    o.DeliveryTimeout = TimeSpan.FromSeconds(1);
                };
            });
        var blocking = bus.Services.GetRequiredService<ConnectionBlocking>();
        await Wait.Until(() => blocking.IsWatching, TimeSpan.FromSeconds(30), "the bridge watches the bus's RabbitMQ connection");

        var heldId = NewId.NextGuid();
        var gate = new SendGate(heldId);
        using var connected = bus.Bus.ConnectSendObserver(gate);
        try
        {
            await bus.Scheduler.SchedulePublish(DateTime.UtcNow, bus.Probe(1, "held"),
                Pipe.Execute<SendContext<ProbeMessage>>(context => context.MessageId = heldId));
            await Wait.Until(() => gate.Reached, TimeSpan.FromSeconds(30), "the first message's publish reached the gate");

            // The broker blocks the connection with the publish in flight (the gate stands for the broker holding it).
            blocking.Blocked("low on memory (test)");
            await bus.Scheduler.SchedulePublish(DateTime.UtcNow, bus.Probe(2, "due during the block"));

            // Four timeouts and more than a lease: the held publish is not given back, and the message due meanwhile is
            // not claimed.
            await Task.Delay(TimeSpan.FromSeconds(4.5));
            var db = await TestServers.RedisDatabase();
            Assert.Equal(1, await db.SortedSetLengthAsync($"{bus.KeyPrefix}{{0}}:due"));
            Assert.Equal(1, await db.SortedSetLengthAsync($"{bus.KeyPrefix}{{0}}:inflight"));
            Assert.Empty(bus.Log.Deliveries);
        }
        finally
        {
            blocking.Unblocked("connection.unblocked (test)");
            gate.Open();
        }

        await bus.Log.WaitFor(2, TimeSpan.FromSeconds(30));
        var db2 = await TestServers.RedisDatabase();
        await Wait.Until(async () => await db2.HashLengthAsync($"{bus.KeyPrefix}{{0}}:entries") == 0
                && await db2.SortedSetLengthAsync($"{bus.KeyPrefix}{{0}}:inflight") == 0,
            TimeSpan.FromSeconds(30), "both messages are acknowledged");
        await Task.Delay(TimeSpan.FromSeconds(1));

        // Each exactly once, the held one with its own MessageId, and no delivery counted as failed.
        Assert.Equal(heldId, bus.Log.Single(1).MessageId);
        bus.Log.Single(2);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("failed (attempt", StringComparison.Ordinal));
    }
}

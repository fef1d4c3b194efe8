using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.MassTransitFeatures;

/// <summary>
/// A saga state machine with MassTransit's <c>Schedule(...)</c> on this scheduler (direct provider, in-memory saga
/// repository): the timeout arrives, <c>Unschedule</c> cancels it, scheduling again replaces it, and a timeout that a
/// bridge had already claimed when the saga unscheduled it is ignored by the saga through its token header.
/// </summary>
public sealed class SagaScheduleTests
{
    /// <summary>A host with the reminder saga on a queue of its own, on the Redis scheduler under the test's prefix.</summary>
    static Task<FeatureHost> SagaHost(string name, Recorder recorder, bool bridge, Action<RedisSchedulerOptions>? options = null,
        ListLoggerProvider? logs = null) =>
        FeatureHost.Start(recorder, x =>
        {
            if (bridge)
                x.AddRedisSchedulerBridge(FeatureHost.Redis(name + ":", options));
            else
                x.AddRedisMessageScheduler(FeatureHost.Redis(name + ":", options));
            x.AddSagaStateMachine<ReminderStateMachine, ReminderSaga>().InMemoryRepository();
        }, (context, cfg) =>
        {
            cfg.UseRedisMessageScheduler(context);
            cfg.ConnectConsumeObserver(new ReminderDueObserver(recorder));
            cfg.ReceiveEndpoint(name, e =>
            {
                e.AutoDelete = true;
                e.ConfigureSaga<ReminderSaga>(context);
            });
        }, logs);

    static async Task Send(FeatureHost host, string queue, object command) =>
        await (await host.Bus.GetSendEndpoint(FeatureHost.AutoDeleteQueue(queue))).Send(command);

    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_timeout_arrives_when_due_with_the_token_the_saga_stored()
    {
        var name = TestServers.UniqueName("saga-timeout");
        var recorder = new Recorder(name);
        await using var host = await SagaHost(name, recorder, bridge: true);
        var id = NewId.NextGuid();

        var before = await Recorder.RedisNow();
        await Send(host, name, new StartReminder { ReminderId = id, DelayMilliseconds = 1500 });

        await recorder.WaitFor($"timeout:{id}", 1, Deadline);
        var scheduled = Assert.Single(recorder.Of($"scheduled:{id}"));
        var timeout = Assert.Single(recorder.Of($"timeout:{id}"));
        Assert.True(timeout.RedisTimeMs - before >= 1500, $"the timeout came {timeout.RedisTimeMs - before} ms after Start was sent, before its 1500 ms");
        var late = timeout.RedisTimeMs - scheduled.RedisTimeMs - 1500;
        Assert.True(late <= Timing.Bound.TotalMilliseconds, $"the timeout came {late} ms after it was due; the bound is {Timing.Bound.TotalMilliseconds} ms");
        Assert.Equal((Guid?)scheduled.Message, timeout.SchedulingTokenId);
    }

    [Fact]
    public async Task Unschedule_cancels_the_timeout()
    {
        var name = TestServers.UniqueName("saga-unschedule");
        var recorder = new Recorder(name);
        await using var host = await SagaHost(name, recorder, bridge: true);
        var (stopped, sentinel) = (NewId.NextGuid(), NewId.NextGuid());

        await Send(host, name, new StartReminder { ReminderId = stopped, DelayMilliseconds = 1500 });
        await recorder.WaitFor($"scheduled:{stopped}", 1, Deadline);
        await Send(host, name, new StopReminder { ReminderId = stopped });
        await recorder.WaitFor($"stopped:{stopped}", 1, Deadline);

        // A sentinel due a second after the stopped one: once it arrived, the stopped one would have too.
        await Send(host, name, new StartReminder { ReminderId = sentinel, DelayMilliseconds = 2500 });
        await recorder.WaitFor($"timeout:{sentinel}", 1, Deadline);

        Assert.Empty(recorder.Of($"handled:{stopped}"));
        Assert.Empty(recorder.Of($"timeout:{stopped}"));
    }

    [Fact]
    public async Task Scheduling_again_replaces_the_earlier_timeout_one_event_not_two()
    {
        var name = TestServers.UniqueName("saga-reschedule");
        var recorder = new Recorder(name);
        await using var host = await SagaHost(name, recorder, bridge: true);
        var id = NewId.NextGuid();

        await Send(host, name, new StartReminder { ReminderId = id, DelayMilliseconds = 1500 });
        await recorder.WaitFor($"scheduled:{id}", 1, Deadline);
        var beforeRestart = await Recorder.RedisNow();
        await Send(host, name, new RestartReminder { ReminderId = id, DelayMilliseconds = 3000 });
        await recorder.WaitFor($"rescheduled:{id}", 1, Deadline);

        await recorder.WaitFor($"timeout:{id}", 1, Deadline);
        var rescheduled = Assert.Single(recorder.Of($"rescheduled:{id}"));
        var timeout = Assert.Single(recorder.Of($"timeout:{id}"));
        Assert.True(timeout.RedisTimeMs - beforeRestart >= 3000,
            $"the timeout came {timeout.RedisTimeMs - beforeRestart} ms after Restart was sent: the earlier timeout (1500 ms) was not replaced");
        Assert.True(timeout.RedisTimeMs - rescheduled.RedisTimeMs - 3000 <= Timing.Bound.TotalMilliseconds,
            $"the timeout came {timeout.RedisTimeMs - rescheduled.RedisTimeMs - 3000} ms after it was due");
        Assert.Equal((Guid?)rescheduled.Message, timeout.SchedulingTokenId);

        // The earlier timeout was cancelled, not delivered and ignored: the endpoint handled one ReminderDue. "handled" is
        // recorded when the endpoint has finished with the message, after the saga recorded the timeout: wait for it; an
        // earlier timeout, due 1.5 s before this one, would have been handled before it.
        await recorder.WaitFor($"handled:{id}", 1, Deadline);
        Assert.Single(recorder.Of($"handled:{id}"));
    }

    [Fact]
    public async Task A_timeout_claimed_for_delivery_before_the_saga_unscheduled_it_is_ignored_through_its_token()
    {
        var name = TestServers.UniqueName("saga-claimed");
        var recorder = new Recorder(name);
        var logs = new ListLoggerProvider();

        // The saga's host has no bridge: the test plays the bridge that claims the timeout and then stalls.
        await using var host = await SagaHost(name, recorder, bridge: false, o => o.LeaseDuration = TimeSpan.FromSeconds(1), logs);
        var store = (RedisScheduleStore)host.Services.GetService(typeof(RedisScheduleStore))!;
        var id = NewId.NextGuid();

        await Send(host, name, new StartReminder { ReminderId = id, DelayMilliseconds = 300 });
        await recorder.WaitFor($"scheduled:{id}", 1, Deadline);
        var token = (Guid)Assert.Single(recorder.Of($"scheduled:{id}")).Message!;

        // Claim it when due, as a bridge would, and hold it (no acknowledgement): it is in flight.
        ClaimedMessage? claimed = null;
        await Wait.Until(async () =>
        {
            var batch = await store.Claim(store.Keyspace.Partitions[0]);
            claimed = batch.Messages.SingleOrDefault();
            return claimed != null;
        }, Deadline, "the timeout was claimed");
        Assert.Equal(token, Guid.Parse(claimed!.Token));

        // Now the saga unschedules it: too late for the store (it is claimed), so the saga forgets its token.
        await Send(host, name, new StopReminder { ReminderId = id });
        await recorder.WaitFor($"stopped:{id}", 1, Deadline);
        Assert.Empty(recorder.Of($"handled:{id}"));
        Assert.Contains(logs.Lines, l => l.Contains($"Too late to cancel scheduled message {token}", StringComparison.Ordinal));

        // A bridge takes the claim over when its lease ran out and delivers the timeout.
        await using var bridge = await FeatureHost.Start(recorder, x => x.AddRedisSchedulerBridge(FeatureHost.Redis(name + ":")), (_, _) => { });
        await recorder.WaitFor($"handled:{id}", 1, Deadline);

        var handled = Assert.Single(recorder.Of($"handled:{id}"));
        Assert.Equal(token, handled.SchedulingTokenId);
        Assert.Empty(recorder.Of($"timeout:{id}"));
        Assert.Empty(recorder.Of($"faulted:{id}"));
    }
}

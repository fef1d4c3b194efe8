using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Messaging.Scheduler.Tests.MassTransitFeatures;

/// <summary>A message whose consumer fails the first <see cref="Failures" /> times.</summary>
public sealed record FlakyWork
{
    public string RunId { get; init; } = string.Empty;
    public int Failures { get; init; }
}

/// <summary>Fails the first <see cref="FlakyWork.Failures" /> deliveries of its run's messages, recording each attempt.</summary>
public sealed class FlakyWorkConsumer : IConsumer<FlakyWork>
{
    readonly Recorder _recorder;

    public FlakyWorkConsumer(Recorder recorder)
    {
        _recorder = recorder;
    }

    public async Task Consume(ConsumeContext<FlakyWork> context)
    {
        if (context.Message.RunId != _recorder.RunId)
            return;
        await _recorder.Record("attempt", context, context.Message);
        if (context.GetRedeliveryCount() < context.Message.Failures)
            throw new InvalidOperationException($"failing attempt {context.GetRedeliveryCount()} on purpose");
    }
}

/// <summary>
/// MassTransit's second-level retry, <c>UseScheduledRedelivery</c>, on this scheduler: once with the direct provider
/// (<c>UseRedisMessageScheduler</c>) and once through the scheduler endpoint (stock <c>UseMessageScheduler(queue)</c>).
/// </summary>
public sealed class ScheduledRedeliveryTests(ITestOutputHelper output)
{
    static readonly TimeSpan[] Intervals = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    [Fact]
    public async Task A_consumer_that_fails_twice_is_redelivered_after_each_interval_with_the_direct_provider()
    {
        var name = TestServers.UniqueName("redelivery-direct");
        var recorder = new Recorder(name);
        var prefix = name + ":";
        await using var host = await FeatureHost.Start(recorder, x =>
        {
            x.AddRedisSchedulerBridge(FeatureHost.Redis(prefix));
            x.AddConsumer<FlakyWorkConsumer>();
        }, (context, cfg) =>
        {
            cfg.UseRedisMessageScheduler(context);
            cfg.ReceiveEndpoint(name, e =>
            {
                e.AutoDelete = true;
                e.UseScheduledRedelivery(r => r.Intervals(Intervals));
                e.ConfigureConsumer<FlakyWorkConsumer>(context);
            });
        });

        await Redelivered(host, recorder, prefix, FeatureHost.AutoDeleteQueue(name));
    }

    [Fact]
    public async Task A_consumer_that_fails_twice_is_redelivered_after_each_interval_through_the_scheduler_endpoint()
    {
        var name = TestServers.UniqueName("redelivery-endpoint");
        var recorder = new Recorder(name);
        var prefix = name + ":";
        var schedulerQueue = name + "-scheduler";
        var schedulerAddress = FeatureHost.AutoDeleteQueue(schedulerQueue);

        // The worker: the scheduler endpoint and the bridge.
        await using var worker = await FeatureHost.Start(recorder, x =>
        {
            x.AddRedisSchedulerBridge(FeatureHost.Redis(prefix));
            x.AddRedisSchedulerConsumers(o => o.QueueName = schedulerQueue);
        }, (context, cfg) => cfg.ConfigureEndpoints(context));

        // The service: stock MassTransit, as with Quartz.
        await using var service = await FeatureHost.Start(recorder, x =>
        {
            x.AddMessageScheduler(schedulerAddress);
            x.AddConsumer<FlakyWorkConsumer>();
        }, (context, cfg) =>
        {
            cfg.UseMessageScheduler(schedulerAddress);
            cfg.ReceiveEndpoint(name, e =>
            {
                e.AutoDelete = true;
                e.UseScheduledRedelivery(r => r.Intervals(Intervals));
                e.ConfigureConsumer<FlakyWorkConsumer>(context);
            });
        });

        await Redelivered(service, recorder, prefix, FeatureHost.AutoDeleteQueue(name));
    }

    /// <summary>Sends a message that fails twice and checks the three attempts: redelivery counts 0, 1, 2, each
    /// redelivery not before its interval after the failure and at most <see cref="Timing.Bound" /> (plus the endpoint's
    /// hop) after it, the original MessageId kept, and the redeliveries carried by this scheduler (its token header, its entry in Redis).</summary>
    async Task Redelivered(FeatureHost service, Recorder recorder, string prefix, Uri queue)
    {
        var db = await TestServers.RedisDatabase();
        var due = (StackExchange.Redis.RedisKey)(prefix + "{0}:due");
        var sawEntry = false;
        var endpoint = await service.Bus.GetSendEndpoint(queue);
        await endpoint.Send(new FlakyWork { RunId = recorder.RunId, Failures = 2 });

        await Wait.Until(async () =>
        {
            sawEntry |= await db.SortedSetLengthAsync(due) > 0;
            return recorder.Of("attempt").Count >= 3;
        }, TimeSpan.FromSeconds(30), $"three attempts (got {recorder.Of("attempt").Count})");

        var attempts = recorder.Of("attempt");
        Assert.Equal([0, 1, 2], attempts.Select(a => a.RedeliveryCount));
        // MassTransit's scheduled redelivery gives each redelivery a MessageId of its own and keeps the first one in
        // MT-OriginalMessageId (RedeliveryOptions.ReplaceMessageId); the scheduler keeps both as they were scheduled.
        Assert.Equal(3, attempts.Select(a => a.MessageId).Distinct().Count());
        Assert.All(attempts.Skip(1), a => Assert.Equal(attempts[0].MessageId?.ToString(), a.Headers["MT-OriginalMessageId"]?.ToString()));
        Assert.True(sawEntry, "no redelivery was ever waiting in the scheduler's Redis index");
        Assert.Null(attempts[0].SchedulingTokenId);
        Assert.All(attempts.Skip(1), a => Assert.NotNull(a.SchedulingTokenId));

        for (var i = 1; i < attempts.Count; i++)
        {
            var gap = attempts[i].RedisTimeMs - attempts[i - 1].RedisTimeMs;
            var interval = (long)Intervals[i - 1].TotalMilliseconds;
            output.WriteLine($"redelivery {i}: {gap} ms after the failure (interval {interval} ms)");
            Assert.True(gap >= interval, $"redelivery {i} came {gap} ms after the failure, before its interval of {interval} ms");
            var limit = interval + (long)Timing.Bound.TotalMilliseconds;
            Assert.True(gap <= limit, $"redelivery {i} came {gap} ms after the failure; the bound is {limit} ms");
        }

        // Nothing more: the third attempt succeeded.
        await Wait.Until(async () => await db.SortedSetLengthAsync(due) == 0, TimeSpan.FromSeconds(10), "the index is empty");
        Assert.Equal(3, recorder.Of("attempt").Count);
    }
}

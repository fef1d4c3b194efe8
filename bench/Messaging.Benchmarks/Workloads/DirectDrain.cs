using Messaging.Benchmarks.Direct;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Contracts;
using Messaging.Scheduler;
using Messaging.Scheduler.Delivery;
using Messaging.Scheduler.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Issue 12's experiment, the third side of a drain comparison: the messages waiting under a prefix, claimed with the
/// bridge's store (the same claim script, batch size, window and per-partition acknowledgement batchers as the bridge),
/// but published with RabbitMQ.Client directly (<see cref="DirectEnvelope" />, <see cref="DirectPublisher" />: one channel,
/// publisher confirms, up to the bridge's window in flight), and consumed by the same counting consumer on the same
/// endpoint settings as the worker and the raw ceiling.
/// </summary>
internal static class DirectDrain
{
    public static async Task<DrainResult> Run(BenchContext bench, string prefix, RunTracker tracker, DateTime? dueAt, TimeSpan timeout)
    {
        var ct = bench.Cancellation;
        var options = new RedisSchedulerOptions { Configuration = bench.Redis.Configuration, KeyPrefix = prefix };
        options.MapChannel<SellerNotification>("SELLER");
        var wrapped = Options.Create(options);
        var store = new RedisScheduleStore(new RedisConnection(wrapped), wrapped);
        var batchers = store.Keyspace.Partitions.Select(p => new AcknowledgementBatcher(store, p, options.ClaimBatchSize,
            NullLogger.Instance, AcknowledgementBatcher.RetryFor(options.LeaseDuration))).ToArray();

        // The consumer: the raw host's (the counting consumer and nothing of the scheduler), on a queue of its own.
        await using var consumer = await BenchHost.Start(bench, HostRole.Raw, prefix, tracker);
        var hostAddress = new Uri(consumer.Bus.Address.GetLeftPart(UriPartial.Authority) + "/");
        await using var publisher = await DirectPublisher.Open(bench.RabbitMq, ct);
        await store.CheckLayout();

        CpuSnapshot cpu0;
        long t0;
        string startedAt;
        if (dueAt is { } due && due > DateTime.UtcNow)
        {
            await Task.Delay(due - DateTime.UtcNow, ct);
            t0 = due.Ticks;
            startedAt = "due time";
        }
        else
        {
            t0 = DateTime.UtcNow.Ticks;
            startedAt = "direct path start";
        }

        cpu0 = bench.Cpu();
        var failures = 0;
        var lost = 0;
        async Task Deliver(ClaimedMessage claimed)
        {
            try
            {
                var stored = await store.Read(claimed);
                var message = DirectEnvelope.TryBuild(stored, claimed.Recurring?.MessageId(claimed.Token), hostAddress)
                    ?? throw new InvalidOperationException("the direct path does not handle this stored message");
                await publisher.Publish(message, ct);
                var outcome = await batchers[claimed.Partition.Partition].Acknowledge(new Acknowledgement(claimed.Token, claimed.LeaseExpiry));
                if (outcome != AcknowledgeOutcome.Acknowledged)
                    Interlocked.Increment(ref lost);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                if (Interlocked.Increment(ref failures) == 1)
                    bench.Progress($"direct path: a delivery failed: {ex.GetType().Name}: {ex.Message}");
            }
        }

        // The bridge's window: up to twice the claim batch in flight; claim again when at least half a batch is free.
        var batch = options.ClaimBatchSize;
        var capacity = 2 * batch;
        var enough = Math.Max(1, batch / 2);
        var pending = new List<Task>(capacity);
        var claimedCount = 0;
        var partitions = store.Keyspace.Partitions;
        var first = 0;
        var deadline = DateTime.UtcNow + timeout;
        while (claimedCount < tracker.Expected)
        {
            if (DateTime.UtcNow > deadline)
                throw new BenchmarkFailedException($"run {bench.Run}: the direct path claimed {claimedCount} of {tracker.Expected} within {timeout}");
            pending.RemoveAll(t => t.IsCompleted);
            var any = false;
            for (var i = 0; i < partitions.Count; i++)
            {
                var free = capacity - pending.Count;
                if (free < enough)
                    break;
                var partition = partitions[(first + i) % partitions.Count];
                var claimed = await store.Claim(partition, Math.Min(batch, free), ct);
                foreach (var message in claimed.Messages)
                    pending.Add(Deliver(message));
                claimedCount += claimed.Messages.Count;
                any |= claimed.Messages.Count > 0;
            }

            first = (first + 1) % partitions.Count;
            if (capacity - pending.Count < enough)
                await Task.WhenAny(pending);
            else if (!any)
                await Task.Delay(1, ct);
        }

        await Task.WhenAll(pending);
        await tracker.RequireAll(timeout, $"run {bench.Run}: direct-path drain of {tracker.Expected} messages", ct);
        var cpu = bench.Cpu().Since(cpu0);
        foreach (var batcher in batchers)
            await batcher.Idle();
        if (failures > 0 || lost > 0)
            bench.Results.Fail($"run {bench.Run}: the direct path had {failures} failed deliveries and {lost} acknowledgements that did not take");
        if (!await bench.Redis.WaitSettled(prefix, 0, ct))
            bench.Results.Fail($"run {bench.Run}: 30 s after the last consumption the direct path still had entries in flight or due under {prefix}");

        return new DrainResult(tracker.Expected, (tracker.LastTicks - t0) / 1e7, cpu, startedAt, tracker.Duplicates);
    }
}

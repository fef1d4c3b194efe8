using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Delivery;

/// <summary>One <see cref="AcknowledgementBatcher" /> per partition: the acknowledgements of a bridge.</summary>
internal sealed class PartitionAcknowledgements
{
    readonly AcknowledgementBatcher[] _batchers;

    public PartitionAcknowledgements(RedisScheduleStore store, IOptions<RedisSchedulerOptions> options, ILogger<AcknowledgementBatcher> logger)
    {
        _batchers = [.. store.Keyspace.Partitions.Select(p => new AcknowledgementBatcher(store, p, options.Value.ClaimBatchSize, logger,
            AcknowledgementBatcher.RetryFor(options.Value.LeaseDuration)))];
    }

    /// <summary>Queues the acknowledgement of a delivered entry of <paramref name="partition" />; completes once Redis
    /// answered for it (it never faults).</summary>
    public Task<AcknowledgeOutcome> Acknowledge(PartitionKeys partition, Acknowledgement acknowledgement) =>
        _batchers[partition.Partition].Acknowledge(acknowledgement);

    /// <summary>
    /// Acknowledges, in every partition, a token no entry has (the script finds no claim and writes nothing), so that the
    /// first real acknowledgement after a start does not pay for compiling the batcher, the call and the reading of its
    /// answer. Never throws (an acknowledgement never faults).
    /// </summary>
    public async Task WarmUp()
    {
        foreach (var batcher in _batchers)
        {
            await batcher.Acknowledge(new Acknowledgement(Guid.NewGuid().ToString("N"), 0)).ConfigureAwait(false);
        }
    }

    /// <summary>Completes when no acknowledgement is pending in any partition.</summary>
    public async Task Idle()
    {
        foreach (var batcher in _batchers)
            await batcher.Idle().ConfigureAwait(false);
    }
}

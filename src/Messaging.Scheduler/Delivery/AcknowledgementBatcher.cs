using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Acknowledges the delivered entries of one partition by group commit: when no acknowledgement of the partition is on
/// its way to Redis, a new one goes at once; while one is, the next ones gather and go together, in one
/// <c>ack-batch.lua</c> call, as soon as it has come back. No timer delays an acknowledgement.
/// A call that fails for a reason that passes (a slot being moved to another primary answers <c>TRYAGAIN</c>, a failover
/// <c>CLUSTERDOWN</c> or <c>READONLY</c>, a timeout or a dropped connection) is made again, with a growing pause, for up to
/// <see cref="RetryFor" />: an acknowledgement given up on leaves a delivered message to be delivered again when its lease
/// runs out. Making it again is safe: the script acknowledges an entry only while the lease it names is still the entry's.
/// </summary>
internal sealed class AcknowledgementBatcher
{
    readonly RedisScheduleStore _store;
    readonly PartitionKeys _partition;
    readonly int _maxBatch;
    readonly ILogger _logger;
    readonly TimeSpan _retryFor;
    readonly Lock _lock = new();
    List<(Acknowledgement Acknowledgement, TaskCompletionSource<AcknowledgeOutcome> Outcome)> _pending = [];
    Task _flushing = Task.CompletedTask;
    bool _running;

    // While _running, exactly one Flush loop works through _pending; a new one starts only after it found nothing left.

    /// <param name="store">The store.</param>
    /// <param name="partition">The partition whose entries this batcher acknowledges.</param>
    /// <param name="maxBatch">The most entries one script call acknowledges.</param>
    /// <param name="logger">Where a failed call is reported.</param>
    /// <param name="retryFor">How long a call that failed for a passing reason is made again (see <see cref="RetryFor" />).</param>
    public AcknowledgementBatcher(RedisScheduleStore store, PartitionKeys partition, int maxBatch, ILogger logger, TimeSpan retryFor)
    {
        _store = store;
        _partition = partition;
        _maxBatch = Math.Max(1, maxBatch);
        _logger = logger;
        _retryFor = retryFor;
    }

    /// <summary>How long the bridge's batchers make a failed acknowledgement again: a quarter of the lease, so that it is
    /// given up on well before another bridge may take the message over.</summary>
    public static TimeSpan RetryFor(TimeSpan leaseDuration) => leaseDuration / 4;

    /// <summary>Queues an acknowledgement; the task completes once Redis answered for it (it never faults).</summary>
    public Task<AcknowledgeOutcome> Acknowledge(Acknowledgement acknowledgement)
    {
        var outcome = new TaskCompletionSource<AcknowledgeOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _pending.Add((acknowledgement, outcome));
            if (!_running)
            {
                // Flush returns at its first line (Task.Yield), so the lock is not held while it works.
                _running = true;
                _flushing = Flush();
            }
        }

        return outcome.Task;
    }

    /// <summary>Completes when no acknowledgement of this partition is on its way to Redis any more.</summary>
    public Task Idle()
    {
        lock (_lock)
            return _flushing;
    }

    async Task Flush()
    {
        // Let the caller go on (and more acknowledgements gather) before the first call is made.
        await Task.Yield();
        while (true)
        {
            List<(Acknowledgement Acknowledgement, TaskCompletionSource<AcknowledgeOutcome> Outcome)> batch;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _running = false;
                    return;
                }

                if (_pending.Count <= _maxBatch)
                {
                    batch = _pending;
                    _pending = [];
                }
                else
                {
                    batch = _pending.GetRange(0, _maxBatch);
                    _pending.RemoveRange(0, _maxBatch);
                }
            }

            try
            {
                var results = await AcknowledgeWithRetries(batch.Select(p => p.Acknowledgement).ToArray()).ConfigureAwait(false);
                for (var i = 0; i < batch.Count; i++)
                    batch[i].Outcome.TrySetResult(results[i] ? AcknowledgeOutcome.Acknowledged : AcknowledgeOutcome.ClaimLost);
            }
            catch (Exception ex)
            {
                // Nothing is lost: the entries stay in flight, their leases run out, and they are delivered again (with
                // the same MessageId) by whichever bridge claims them next.
                SchedulerLog.AcknowledgeFailed(_logger, ex, batch.Count, _partition.Partition);
                foreach (var pending in batch)
                    pending.Outcome.TrySetResult(AcknowledgeOutcome.NotRecorded);
            }
        }
    }

    async Task<bool[]> AcknowledgeWithRetries(Acknowledgement[] acknowledgements)
    {
        var deadline = DateTime.UtcNow + _retryFor;
        var pause = TimeSpan.FromMilliseconds(25);
        while (true)
        {
            try
            {
                return await _store.AcknowledgeMany(_partition, acknowledgements).ConfigureAwait(false);
            }
            catch (Exception ex) when (PassingRedisFailure.Is(ex) && DateTime.UtcNow + pause < deadline)
            {
                SchedulerLog.AcknowledgeRetried(_logger, acknowledgements.Length, _partition.Partition, (long)pause.TotalMilliseconds, ex.Message);
                await Task.Delay(pause).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
    }
}

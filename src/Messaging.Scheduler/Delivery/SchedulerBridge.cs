using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// The bridge: the hosted service that moves due messages from Redis onto the bus, as a loop. It sleeps until the
/// earliest due time in the index (by the Redis clock; at most <see cref="RedisSchedulerOptions.SweepInterval" />, and
/// woken early by <see cref="TriggerListener" />), claims due entries under a lease (<see cref="RedisScheduleStore.Claim" />)
/// and hands each to <see cref="MessageDelivery" />, which republishes it and records the outcome. It keeps claiming while
/// deliveries are in flight, up to twice <see cref="RedisSchedulerOptions.ClaimBatchSize" /> of them
/// (<see cref="DeliveryWindow" />), so a slow publish does not hold up the messages due behind it; it claims nothing while
/// the bus is down (<see cref="BusHealthGate" />), and starts again with a backoff when Redis fails. Because the index is
/// the source of truth, a bridge that was stopped, a missed keyspace event or a restarted Redis loses nothing; several
/// bridges may run at once, each message claimed by exactly one.
/// </summary>
internal sealed class SchedulerBridge : BackgroundService
{
    readonly RedisScheduleStore _store;
    readonly MessageDelivery _delivery;
    readonly PartitionAcknowledgements _acknowledgements;
    readonly TriggerListener _trigger;
    readonly WakeSignal _signal;
    readonly BusHealthGate _bus;
    readonly ConnectionBlocking _blocking;
    readonly RedisSchedulerOptions _options;
    readonly SchedulerInstruments _instruments;
    readonly TimeProvider _time;
    readonly ILogger<SchedulerBridge> _logger;
    readonly RedisConnection _connection;
    readonly ServerSettingsCheck _settings;

    public SchedulerBridge(RedisScheduleStore store, MessageDelivery delivery, PartitionAcknowledgements acknowledgements, TriggerListener trigger,
        WakeSignal signal, BusHealthGate bus, ConnectionBlocking blocking, RedisConnection connection, ServerSettingsCheck settings, IOptions<RedisSchedulerOptions> options,
        SchedulerInstruments instruments, TimeProvider time, ILogger<SchedulerBridge> logger)
    {
        _store = store;
        _delivery = delivery;
        _acknowledgements = acknowledgements;
        _trigger = trigger;
        _signal = signal;
        _bus = bus;
        _blocking = blocking;
        _connection = connection;
        _settings = settings;
        _options = options.Value;
        _instruments = instruments;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var retry = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _bus.WaitUntilUsable(stoppingToken).ConfigureAwait(false);
                await _store.CheckLayout().ConfigureAwait(false);
                // Watch the bus's connection for connection.blocked before the first claim (alongside the warm-up).
                var watching = _blocking.Watch(TimeSpan.FromSeconds(5), stoppingToken);
                await _delivery.WarmUp(stoppingToken).ConfigureAwait(false);
                var keyspaceEvents = await _trigger.Start().ConfigureAwait(false);
                await watching.ConfigureAwait(false);
                foreach (var problem in await _settings.Problems().ConfigureAwait(false))
                    SchedulerLog.UnsafeServerSetting(_logger, problem);
                if (PartitionPlacement.Read(await _connection.Get().ConfigureAwait(false), _store.Keyspace) is { } placement)
                {
                    SchedulerLog.PartitionPlacement(_logger, placement.Summary);
                    if (placement.Problem is { } uneven)
                        SchedulerLog.UnsafeServerSetting(_logger, uneven);
                }
                SchedulerLog.BridgeRunning(_logger, _options.KeyPrefix, _options.Partitions, _connection.Describe(), keyspaceEvents);
                retry = TimeSpan.FromMilliseconds(250);
                await Run(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is RedisException or RedisSchedulerUnavailableException or TimeoutException)
            {
                SchedulerLog.ClaimFailed(_logger, ex, (long)retry.TotalMilliseconds);
            }
            catch (Exception ex)
            {
                SchedulerLog.BridgeFault(_logger, ex, (long)retry.TotalMilliseconds);
            }

            try
            {
                await Task.Delay(retry, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            retry = TimeSpan.FromMilliseconds(Math.Min(retry.TotalMilliseconds * 2, 5000));
        }

        try
        {
            await _trigger.Stop().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
        {
            // Stopping: the connection may already be gone.
        }

        SchedulerLog.BridgeStopped(_logger);
    }

    async Task Run(CancellationToken stoppingToken)
    {
        // Publishes already waiting for the broker's confirm get a few seconds to finish when the host stops; cancelling
        // them at once would hand back messages RabbitMQ may already have routed, and deliver them twice.
        using var grace = new CancellationTokenSource();
        using var stopping = stoppingToken.Register(() => grace.CancelAfter(DeliveryPolicy.StopGracePeriod));
        var window = new DeliveryWindow();
        try
        {
            await ClaimLoop(window, grace.Token, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            // Never leave a delivery behind, whether the host stops or Redis failed a claim: each one ends by itself (it
            // is confirmed and acknowledged, times out, or is given back once the grace period is over).
            await window.WhenAll().ConfigureAwait(false);
            await _acknowledgements.Idle().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The claim loop. Claimed messages are delivered while the loop goes on: it claims again as soon as something is due
    /// and the window has room for at least half a batch, so a slow publish does not hold up the messages due behind it.
    /// </summary>
    async Task ClaimLoop(DeliveryWindow window, CancellationToken delivering, CancellationToken stoppingToken)
    {
        var batchSize = _options.ClaimBatchSize;
        var capacity = 2 * batchSize;
        var enough = Math.Max(1, batchSize / 2);
        var partitions = _store.Keyspace.Partitions;
        var first = 0;
        var blockedBefore = false;
        // A partition whose claim failed while others answer (its cluster primary is down and its replica not yet promoted,
        // or the client not yet told) waits until then, so that it does not hold up the others (see Claim).
        var retryAt = new long[partitions.Count];
        var retryDelay = new TimeSpan[partitions.Count];

        while (!stoppingToken.IsCancellationRequested)
        {
            // RabbitMQ blocks the connection (an alarm, flow control): claim nothing, and let the publishes it holds wait;
            // they are confirmed once it unblocks the connection (MessageDelivery does not time them out meanwhile).
            _ = _blocking.Watch(TimeSpan.Zero, stoppingToken);
            var blocking = _blocking.Current;
            if (blocking.Blocked)
            {
                blockedBefore = true;
                await _signal.Wait(TimeSpan.FromSeconds(1), _time, stoppingToken, blocking.Changed).ConfigureAwait(false);
                continue;
            }

            if (blockedBefore)
            {
                // Unblocked: first let the publishes the broker held end (confirmed and acknowledged, in a moment), then
                // claim again. Their leases may have run out during the block, and a claim would take them back and
                // publish them a second time.
                blockedBefore = false;
                var held = window.Count;
                await window.WhenAll().ConfigureAwait(false);
                SchedulerLog.ClaimingAfterBlock(_logger, held, (long)_time.GetElapsedTime(blocking.Since).TotalMilliseconds);
                continue;
            }

            if (!_bus.IsUsable())
            {
                await _signal.Wait(TimeSpan.FromSeconds(1), _time, stoppingToken).ConfigureAwait(false);
                continue;
            }

            // The window is full: wait until deliveries finished (or a wake-up), not for the next due time; the deliveries
            // in flight end within the delivery timeout, the sweep interval only bounds the wait.
            var room = window.WhenAtMost(capacity - enough);
            if (!room.IsCompleted)
            {
                await _signal.Wait(_options.SweepInterval, _time, stoppingToken, room).ConfigureAwait(false);
                continue;
            }

            var wakeAt = _time.GetTimestamp() + ToTimestampTicks(_options.SweepInterval.TotalMilliseconds);
            var more = false;
            var claimedAll = true;
            long backlog = 0, inFlight = 0;

            // Each round starts with the next partition, so that no partition always gets the room first.
            for (var i = 0; i < partitions.Count; i++)
            {
                var free = capacity - window.Count;
                if (free < enough)
                {
                    // The window filled up: the partitions not claimed in this round come first in the next.
                    first = (first + i) % partitions.Count;
                    claimedAll = false;
                    more = true;
                    break;
                }

                var partition = partitions[(first + i) % partitions.Count];
                var max = Math.Min(batchSize, free);
                var claimedAt = _time.GetTimestamp();
                if (retryAt[partition.Partition] > claimedAt)
                {
                    wakeAt = Math.Min(wakeAt, retryAt[partition.Partition]);
                    continue;
                }

                var delay = NextRetryDelay(retryDelay[partition.Partition]);
                var (claimed, failure) = await Claim(partition, max, partitions.Count, delay, stoppingToken).ConfigureAwait(false);
                if (claimed is not { } batch)
                {
                    retryDelay[partition.Partition] = delay;
                    retryAt[partition.Partition] = _time.GetTimestamp() + ToTimestampTicks(delay.TotalMilliseconds);
                    wakeAt = Math.Min(wakeAt, retryAt[partition.Partition]);
                    // Every partition failing is Redis being gone, not one node: the bridge logs it and starts again.
                    if (retryDelay.All(d => d > TimeSpan.Zero))
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure!);
                    continue;
                }

                retryDelay[partition.Partition] = TimeSpan.Zero;
                retryAt[partition.Partition] = 0;
                backlog += batch.Backlog;
                inFlight += batch.InFlight;
                if (batch.Reclaimed > 0)
                    SchedulerLog.Reclaimed(_logger, batch.Reclaimed, partition.Partition);

                foreach (var (token, lease, reason) in batch.Unreadable)
                    await _delivery.DeadLetter(partition, token, lease, reason).ConfigureAwait(false);
                foreach (var token in batch.DeadLettered)
                    _delivery.DeadLettered(token, ClaimReplyReader.NoEntry);

                _instruments.ClaimAnswered(max, batch.Messages.Count + batch.Unreadable.Count);
                if (batch.Messages.Count > 0)
                    _instruments.Claimed(batch.Now);
                foreach (var message in batch.Messages)
                    window.Add(_delivery.Run(message, batch.Now, delivering));

                more |= batch.Messages.Count + batch.Unreadable.Count >= max;

                // Wake when the next entry is due (or the next lease may run out), measured on the Redis clock at the
                // claim, from the moment of the claim.
                foreach (var next in new[] { batch.NextDue, batch.NextLeaseExpiry })
                {
                    if (next is { } at)
                        wakeAt = Math.Min(wakeAt, claimedAt + ToTimestampTicks(Math.Max(0, at - batch.Now)));
                }
            }

            if (claimedAll)
            {
                _instruments.Observed(backlog, inFlight);
                first = (first + 1) % partitions.Count;
            }

            // A full claim may have left more due behind it: claim again at once (or wait for room, above).
            if (more)
                continue;

            var sleep = _time.GetElapsedTime(_time.GetTimestamp(), wakeAt);
            await _signal.Wait(sleep, _time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Claims from one partition. With several partitions, a claim that fails for a reason that passes
    /// (<see cref="PassingRedisFailure" />: its node is down, a cluster primary killed before its replica was promoted or
    /// before the client learned of it, or the partition's slot is moving to another primary, <c>TRYAGAIN</c>) is logged and
    /// answered with no batch and the failure, so that the other partitions go on being claimed.
    /// With one partition the failure ends the claim loop as before (the bridge logs it and starts again).
    /// </summary>
    async Task<(ClaimBatch? Batch, Exception? Failure)> Claim(PartitionKeys partition, int max, int partitions, TimeSpan retryDelay,
        CancellationToken stoppingToken)
    {
        try
        {
            return (await _store.Claim(partition, max, stoppingToken).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (partitions > 1 && PassingRedisFailure.Is(ex) && !stoppingToken.IsCancellationRequested)
        {
            SchedulerLog.PartitionClaimFailed(_logger, partition.Partition, ex.Message, (long)retryDelay.TotalMilliseconds);
            return (null, ex);
        }
    }

    static TimeSpan NextRetryDelay(TimeSpan previous) =>
        previous == TimeSpan.Zero ? PartitionRetryDelay : TimeSpan.FromMilliseconds(Math.Min(previous.TotalMilliseconds * 2, 5_000));

    static readonly TimeSpan PartitionRetryDelay = TimeSpan.FromMilliseconds(500);

    long ToTimestampTicks(double milliseconds) => (long)(milliseconds * _time.TimestampFrequency / 1000);
}

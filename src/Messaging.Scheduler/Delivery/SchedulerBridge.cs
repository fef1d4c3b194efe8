using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// The bridge: the hosted service that moves due messages from Redis onto the bus. It sleeps until the earliest due
/// time in the index (by the Redis clock; at most <see cref="RedisSchedulerOptions.SweepInterval" />, and woken early by
/// <see cref="TriggerListener" />), claims due entries under a lease (<see cref="RedisScheduleStore.Claim" />), republishes
/// each (<see cref="ScheduledMessageDispatcher" />), acknowledges it after the broker confirmed (together with the other
/// confirmed entries of its partition, <see cref="AcknowledgementBatcher" />), and releases it with a backoff when it
/// failed. It keeps claiming while deliveries are in flight, up to twice <see cref="RedisSchedulerOptions.ClaimBatchSize" />
/// of them (<see cref="DeliveryWindow" />), so a slow publish does not hold up the messages due behind it. Because the
/// index is the source of truth, a bridge that was stopped, a missed keyspace event or a restarted Redis loses nothing;
/// several bridges may run at once, each message claimed by exactly one.
/// </summary>
internal sealed class SchedulerBridge : BackgroundService
{
    readonly RedisScheduleStore _store;
    readonly ScheduledMessageDispatcher _dispatcher;
    readonly TriggerListener _trigger;
    readonly WakeSignal _signal;
    readonly IBusControl _bus;
    readonly RedisSchedulerOptions _options;
    readonly SchedulerInstruments _instruments;
    readonly TimeProvider _time;
    readonly ILogger<SchedulerBridge> _logger;
    readonly RedisConnection _connection;
    readonly ServerSettingsCheck _settings;
    readonly TimeSpan _deliveryTimeout;
    readonly AcknowledgementBatcher[] _acknowledgements;
    volatile bool _busWasDown;

    public SchedulerBridge(RedisScheduleStore store, RedisConnection connection, ServerSettingsCheck settings, IBusControl bus,
        IOptions<RedisSchedulerOptions> options, SchedulerInstruments instruments, TimeProvider time, ILogger<SchedulerBridge> logger)
    {
        _settings = settings;
        _store = store;
        _connection = connection;
        _bus = bus;
        _options = options.Value;
        _instruments = instruments;
        _time = time;
        _logger = logger;
        _signal = new WakeSignal();
        _dispatcher = new ScheduledMessageDispatcher(bus);
        _deliveryTimeout = TimeSpan.FromTicks(Math.Min(_options.DeliveryTimeout.Ticks, _options.LeaseDuration.Ticks * 4 / 5));
        _trigger = new TriggerListener(connection, _options, store.Keyspace, _signal, logger);
        _acknowledgements = [.. store.Keyspace.Partitions.Select(p => new AcknowledgementBatcher(store, p, _options.ClaimBatchSize, logger))];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var retry = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WaitForBus(stoppingToken).ConfigureAwait(false);
                await ReplayWarmUp.Run(stoppingToken).ConfigureAwait(false);
                var keyspaceEvents = await _trigger.Start().ConfigureAwait(false);
                foreach (var problem in await _settings.Problems().ConfigureAwait(false))
                    SchedulerLog.UnsafeServerSetting(_logger, problem);
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
        await using var stopping = stoppingToken.Register(() => grace.CancelAfter(StopGracePeriod));
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
            foreach (var batcher in _acknowledgements)
                await batcher.Idle().ConfigureAwait(false);
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

        while (!stoppingToken.IsCancellationRequested)
        {
            if (!BusIsUsable())
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
                var batch = await _store.Claim(partition, max).ConfigureAwait(false);
                backlog += batch.Backlog;
                inFlight += batch.InFlight;
                if (batch.Reclaimed > 0)
                    SchedulerLog.Reclaimed(_logger, batch.Reclaimed, partition.Partition);

                foreach (var (token, lease, reason) in batch.Unreadable)
                    await DeadLetter(partition, token, lease, reason).ConfigureAwait(false);

                foreach (var message in batch.Messages)
                    window.Add(Track(message, batch.Now, delivering));

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

    long ToTimestampTicks(double milliseconds) => (long)(milliseconds * _time.TimestampFrequency / 1000);

    /// <summary>One delivery, as the window tracks it: never faults, so no exception goes unobserved.</summary>
    async Task Track(ClaimedMessage claimed, long now, CancellationToken cancellationToken)
    {
        try
        {
            await Deliver(claimed, now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Redis failed while the outcome was recorded (a release or dead-letter): the lease runs out, and the message
            // is claimed again.
            SchedulerLog.OutcomeNotRecorded(_logger, ex, claimed.Token);
        }
    }

    static readonly TimeSpan StopGracePeriod = TimeSpan.FromSeconds(5);

    async Task Deliver(ClaimedMessage claimed, long now, CancellationToken cancellationToken)
    {
        StoredMessage message;
        try
        {
            message = await _store.Read(claimed).ConfigureAwait(false);
        }
        catch (FormatException ex)
        {
            await DeadLetter(claimed.Partition, claimed.Token, claimed.LeaseExpiry, "unreadable entry: " + ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is RedisException or RedisSchedulerUnavailableException)
        {
            // The names could not be read: Redis trouble, not the message's fault; the claim loop will notice it too.
            await Failed(claimed, ex).ConfigureAwait(false);
            return;
        }

        try
        {
            // A publish that never completes (RabbitMQ restarting while a confirm is pending) must not hold the bridge:
            // stop waiting after DeliveryTimeout and give the message back, even if the client ignores the cancellation.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_deliveryTimeout);
            var expiredAt = await _dispatcher.Dispatch(message, claimed.Recurring == null ? null : OccurrenceMessageId(claimed), timeout.Token)
                .WaitAsync(_deliveryTimeout, cancellationToken).ConfigureAwait(false);
            if (expiredAt is { } expiration)
                SchedulerLog.ExpiredBeforeDelivery(_logger, claimed.Token, expiration);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: hand the message back at once, so the next bridge need not wait for the lease to run out.
            await _store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, countAttempt: false, _options.MaxDeliveryAttempts,
                "the bridge stopped while delivering it").ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (PoisonReason(ex) is { } reason)
        {
            await DeadLetter(claimed.Partition, claimed.Token, claimed.LeaseExpiry, reason).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            await Failed(claimed, ex).ConfigureAwait(false);
            return;
        }

        // Confirmed by the broker: only now is the entry deleted (or, for a recurring schedule, moved to its next
        // occurrence in the same step), together with the other deliveries of its partition confirmed meanwhile.
        // Lateness is measured on the Redis clock at the claim.
        var acknowledged = new Acknowledgement(claimed.Token, claimed.LeaseExpiry, NextOccurrence(claimed, now));
        switch (await _acknowledgements[claimed.Partition.Partition].Acknowledge(acknowledged).ConfigureAwait(false))
        {
            case AcknowledgeOutcome.Acknowledged:
                var lateness = Math.Max(0, now - claimed.DueMilliseconds);
                _instruments.Delivered(claimed.Channel, lateness);
                SchedulerLog.Delivered(_logger, claimed.Channel, claimed.Token, message.Destination, lateness);
                break;
            case AcknowledgeOutcome.ClaimLost:
                SchedulerLog.ClaimLost(_logger, claimed.Token);
                break;
            default:
                // Redis could not be asked; the batcher said so once for the whole batch.
                break;
        }
    }

    /// <summary>A recurring schedule's occurrence after the one just delivered, by the Redis clock; null when it ended.</summary>
    DateTimeOffset? NextOccurrence(ClaimedMessage claimed, long now)
    {
        if (claimed.Recurring is not { } occurrence)
            return null;

        try
        {
            var definition = RecurringDefinition.Read(occurrence.Definition);
            var previous = DateTimeOffset.FromUnixTimeMilliseconds(occurrence.OccurrenceMilliseconds);
            var next = definition.Next(previous, DateTimeOffset.FromUnixTimeMilliseconds(now));
            if (next == null)
                SchedulerLog.RecurringEnded(_logger, definition.ScheduleGroup, definition.ScheduleId, previous, definition.EndTime);
            return next;
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or ArgumentException)
        {
            SchedulerLog.RecurringUnreadable(_logger, claimed.Token, ex.Message);
            return null;
        }
    }

    /// <summary>Each occurrence of a recurring schedule is a message of its own, with a MessageId that stays the same if
    /// that occurrence has to be delivered again.</summary>
    static Guid OccurrenceMessageId(ClaimedMessage claimed) =>
        NameBasedGuid.From($"{claimed.Token}\n{claimed.Recurring!.OccurrenceMilliseconds}");

    async Task Failed(ClaimedMessage claimed, Exception exception)
    {
        // A failure while the bus is down is not the message's fault: it waits without using up its attempts.
        var counts = BusIsUsable();
        var attempt = claimed.Attempts + (counts ? 1 : 0);
        var delay = RetryDelay(Math.Max(attempt, 1));
        _instruments.Failed(claimed.Channel);
        SchedulerLog.DeliveryFailed(_logger, exception, claimed.Channel, claimed.Token, attempt, (long)delay.TotalMilliseconds);

        var result = await _store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, delay, counts, _options.MaxDeliveryAttempts,
            $"delivery failed {attempt} time(s); last error: {exception.GetType().Name}: {exception.Message}").ConfigureAwait(false);
        if (result.Outcome == ReleaseOutcome.DeadLettered)
        {
            _instruments.DeadLettered();
            SchedulerLog.DeadLettered(_logger, claimed.Token, $"delivery failed {attempt} time(s): {exception.Message}");
        }
    }

    async Task DeadLetter(PartitionKeys partition, string token, long lease, string reason)
    {
        var result = await _store.Release(partition, token, lease, TimeSpan.Zero, countAttempt: true, attemptsAllowed: 0, reason).ConfigureAwait(false);
        if (result.Outcome == ReleaseOutcome.DeadLettered)
        {
            _instruments.DeadLettered();
            SchedulerLog.DeadLettered(_logger, token, reason);
        }
    }

    TimeSpan RetryDelay(int attempt)
    {
        var ms = _options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, _options.MaxRetryDelay.TotalMilliseconds));
    }

    /// <summary>The reason a message can never be delivered, or null when trying again may work.</summary>
    static string? PoisonReason(Exception exception)
    {
        for (var ex = exception; ex != null; ex = ex.InnerException)
        {
            if (ex is System.Runtime.Serialization.SerializationException or System.Text.Json.JsonException or FormatException or UriFormatException)
                return $"the stored message cannot be read: {ex.GetType().Name}: {ex.Message}";
        }

        return null;
    }

    bool BusIsUsable()
    {
        var health = _bus.CheckHealth();
        var usable = health.Status != BusHealthStatus.Unhealthy;

        // Say it once when the bus goes down, not once a second while it stays down.
        if (!usable && !_busWasDown)
            SchedulerLog.BusUnavailable(_logger, health.Description ?? health.Status.ToString());
        _busWasDown = !usable;
        return usable;
    }

    async Task WaitForBus(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested && _bus.CheckHealth().Status == BusHealthStatus.Unhealthy)
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, stoppingToken).ConfigureAwait(false);
    }
}

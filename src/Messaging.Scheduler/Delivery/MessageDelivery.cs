using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Steps 6 and 7 of a message's life, for one claimed entry: read it, republish it (<see cref="ScheduledMessageDispatcher" />)
/// within <see cref="DeliveryPolicy.Timeout" />, and tell the store what came of it: acknowledged once the broker
/// confirmed (<see cref="PartitionAcknowledgements" />), released with a backoff after a failure, dead-lettered when it
/// can never be delivered, handed back at once when the bridge stops.
/// </summary>
internal sealed class MessageDelivery
{
    readonly RedisScheduleStore _store;
    readonly ScheduledMessageDispatcher _dispatcher;
    readonly PartitionAcknowledgements _acknowledgements;
    readonly BusHealthGate _bus;
    readonly ConnectionBlocking _blocking;
    readonly DeliveryPolicy _policy;
    readonly SchedulerInstruments _instruments;
    readonly ILogger _logger;
    Task? _endpointWarmUp;

    public MessageDelivery(RedisScheduleStore store, ScheduledMessageDispatcher dispatcher, PartitionAcknowledgements acknowledgements, BusHealthGate bus,
        ConnectionBlocking blocking, DeliveryPolicy policy, SchedulerInstruments instruments, ILogger<MessageDelivery> logger)
    {
        _blocking = blocking;
        _store = store;
        _dispatcher = dispatcher;
        _acknowledgements = acknowledgements;
        _bus = bus;
        _policy = policy;
        _instruments = instruments;
        _logger = logger;
    }

    /// <summary>Delivers one claimed entry and records the outcome. Never faults, so that no exception goes unobserved.</summary>
    /// <param name="claimed">The entry.</param>
    /// <param name="now">The Redis clock at the claim, Unix ms: lateness and the next occurrence are measured from it.</param>
    /// <param name="cancellationToken">Cancelled when the bridge stops (after its grace period): the entry is handed back.</param>
    public async Task Run(ClaimedMessage claimed, long now, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        Activity? activity = null;
        try
        {
            var (message, unreadable) = await Read(claimed).ConfigureAwait(false);
            activity = SchedulerActivities.StartDeliver(claimed, message, now, started);
            var outcome = unreadable ?? await Attempt(message!, claimed, cancellationToken).ConfigureAwait(false);
            SchedulerActivities.Delivered(activity, outcome);
            await Record(claimed, now, outcome).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Redis failed while the outcome was recorded: the lease runs out, and the message is claimed again.
            SchedulerLog.OutcomeNotRecorded(_logger, ex, claimed.Token);
        }
        finally
        {
            activity?.Dispose();
        }
    }

    /// <summary>
    /// Before the first claim: compiles the replay path (<see cref="ReplayWarmUp" />); then, once per process and in the
    /// background, so that a message already due at start is not held up by it, opens the send endpoints the first
    /// deliveries will use (<see cref="EndpointWarmUp" />), acknowledges a token no entry has in every partition
    /// (<see cref="PartitionAcknowledgements.WarmUp" />) and, with <see cref="RedisSchedulerOptions.WarmUpReceivePath" />,
    /// runs a probe through this host's consume path (<see cref="ReceiveWarmUp" />), so that the first message due after a
    /// start is as punctual as the next. Bounded in time; never throws for a destination that cannot be opened.
    /// </summary>
    public async Task WarmUp(CancellationToken cancellationToken)
    {
        await ReplayWarmUp.Run(cancellationToken).ConfigureAwait(false);
        _endpointWarmUp ??= Task.Run(async () =>
        {
            try
            {
                await _dispatcher.WarmUp(_store, cancellationToken).ConfigureAwait(false);
                await _acknowledgements.WarmUp().ConfigureAwait(false);
                await _dispatcher.WarmUpReceivePath(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The host is stopping.
            }
        }, CancellationToken.None);
    }

    /// <summary>Moves an entry that can never be delivered to the dead-letter set, with the reason.</summary>
    /// <param name="partition">The entry's partition.</param>
    /// <param name="token">The entry's token.</param>
    /// <param name="lease">The lease its claim returned.</param>
    /// <param name="reason">Why.</param>
    /// <param name="recurring">True for an occurrence of a recurring schedule: the occurrence is dead-lettered, the
    /// schedule goes on with <paramref name="nextOccurrence" /> (see <see cref="RedisScheduleStore.Release" />).</param>
    /// <param name="nextOccurrence">The schedule's next occurrence; null when it has ended.</param>
    public async Task DeadLetter(PartitionKeys partition, string token, long lease, string reason, bool recurring = false,
        DateTimeOffset? nextOccurrence = null)
    {
        var result = await _store.Release(partition, token, lease, TimeSpan.Zero, countAttempt: true, attemptsAllowed: 0, reason, recurring, nextOccurrence)
            .ConfigureAwait(false);
        if (result.Outcome == ReleaseOutcome.DeadLettered)
            DeadLettered(token, reason);
    }

    /// <summary>Counts and logs a message that went to the dead-letter set.</summary>
    public void DeadLettered(string token, string reason)
    {
        using var activity = SchedulerActivities.StartDeadLetter(token, reason);
        _instruments.DeadLettered();
        SchedulerLog.DeadLettered(_logger, token, reason);
    }

    /// <summary>Reads the claimed entry: the stored message, or the outcome when it cannot be read.</summary>
    async Task<(StoredMessage? Message, DeliveryOutcome? Failure)> Read(ClaimedMessage claimed)
    {
        try
        {
            return (await _store.Read(claimed).ConfigureAwait(false), null);
        }
        catch (Exception ex) when (ex is RedisException or RedisSchedulerUnavailableException)
        {
            // The names could not be read: Redis trouble, not the message's fault.
            return (null, new DeliveryOutcome(DeliveryOutcomeKind.Failed, Error: ex));
        }
        catch (FormatException ex)
        {
            return (null, DeliveryOutcome.Unreadable("unreadable entry: " + ex.Message));
        }
        catch (Exception ex)
        {
            // Whatever else reading it threw, no retry reads it better: dead-lettered at the first attempt, not retried
            // for ever.
            return (null, DeliveryOutcome.Unreadable($"unreadable entry ({ex.GetType().Name}): {ex.Message}"));
        }
    }

    async Task<DeliveryOutcome> Attempt(StoredMessage message, ClaimedMessage claimed, CancellationToken cancellationToken)
    {
        Task<DateTime?>? dispatch = null;
        try
        {
            // A publish that never completes (RabbitMQ restarting while a confirm is pending) must not hold the bridge:
            // stop waiting after the timeout and give the message back, even if the client ignores the cancellation. The
            // timeout counts only time the connection was not blocked: a publish the broker holds (connection.blocked, an
            // alarm) is routed and confirmed once it unblocks, and giving it back would deliver it twice.
            using var send = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            dispatch = _dispatcher.Dispatch(message, claimed.Recurring?.MessageId(claimed.Token), send.Token);
            if (!await _blocking.Completes(dispatch, _policy.Timeout, cancellationToken).ConfigureAwait(false))
            {
                await send.CancelAsync().ConfigureAwait(false);
                throw new TimeoutException($"RabbitMQ did not confirm the publish within {(long)_policy.Timeout.TotalMilliseconds} ms");
            }

            var expiredAt = await dispatch.ConfigureAwait(false);
            return DeliveryOutcome.Confirmed(message.Destination, expiredAt);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Abandon(dispatch);
            return DeliveryOutcome.Interrupted;
        }
        catch (Exception ex)
        {
            Abandon(dispatch);
            return DeliveryOutcome.Of(ex);
        }
    }

    /// <summary>A publish no longer waited for may still fail later: its exception is observed, not left to the finalizer.</summary>
    static void Abandon(Task? dispatch) =>
        dispatch?.ContinueWith(static task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    Task Record(ClaimedMessage claimed, long now, DeliveryOutcome outcome) => outcome.Kind switch
    {
        DeliveryOutcomeKind.Confirmed => Acknowledge(claimed, now, outcome),
        DeliveryOutcomeKind.Unreadable => DeadLetter(claimed.Partition, claimed.Token, claimed.LeaseExpiry, outcome.Reason!,
            claimed.Recurring != null, NextOccurrence(claimed, now)),
        DeliveryOutcomeKind.Interrupted => _store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, countAttempt: false,
            _policy.MaxAttempts, outcome.Reason!),
        _ => Failed(claimed, now, outcome.Error!),
    };

    async Task Acknowledge(ClaimedMessage claimed, long now, DeliveryOutcome outcome)
    {
        if (outcome.ExpiredAt is { } expiration)
            SchedulerLog.ExpiredBeforeDelivery(_logger, claimed.Token, expiration);

        // Only now is the entry deleted (or, for a recurring schedule, moved to its next occurrence in the same step),
        // together with the other deliveries of its partition confirmed meanwhile.
        var acknowledgement = new Acknowledgement(claimed.Token, claimed.LeaseExpiry, NextOccurrence(claimed, now));
        switch (await _acknowledgements.Acknowledge(claimed.Partition, acknowledgement).ConfigureAwait(false))
        {
            case AcknowledgeOutcome.Acknowledged:
                var lateness = Math.Max(0, now - claimed.DueMilliseconds);
                _instruments.Delivered(claimed.Channel, lateness);
                SchedulerLog.Delivered(_logger, claimed.Channel, claimed.Token, outcome.Destination!, lateness);
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

        using var activity = SchedulerActivities.StartRecurringNext(claimed.Token);
        try
        {
            var definition = occurrence.ReadDefinition();
            var next = occurrence.Next(definition, DateTimeOffset.FromUnixTimeMilliseconds(now));
            SchedulerActivities.NextOccurrence(activity, next);
            if (next == null)
                SchedulerLog.RecurringEnded(_logger, definition.ScheduleGroup, definition.ScheduleId, occurrence.At, definition.EndTime);
            return next;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            SchedulerLog.RecurringUnreadable(_logger, claimed.Token, ex.Message);
            activity?.SetStatus(ActivityStatusCode.Error, "the recurring schedule cannot be read");
            return null;
        }
    }

    async Task Failed(ClaimedMessage claimed, long now, Exception exception)
    {
        // A failure while the bus is down (or its connection blocked) is not the message's fault: it waits without using
        // up its attempts.
        var counts = _bus.IsUsable() && !_blocking.IsBlocked;
        var attempt = claimed.Attempts + (counts ? 1 : 0);
        var delay = _policy.RetryDelay(attempt);
        _instruments.Failed(claimed.Channel);
        SchedulerLog.DeliveryFailed(_logger, exception, claimed.Channel, claimed.Token, attempt, (long)delay.TotalMilliseconds);

        // When this failure dead-letters a recurring schedule's occurrence, the schedule goes on with its next one.
        var last = _policy.MaxAttempts == 0 || attempt >= _policy.MaxAttempts;
        var next = last ? NextOccurrence(claimed, now) : null;
        var result = await _store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, delay, counts, _policy.MaxAttempts,
            $"delivery failed {attempt} time(s); last error: {exception.GetType().Name}: {exception.Message}", last && claimed.Recurring != null, next)
            .ConfigureAwait(false);
        if (result.Outcome == ReleaseOutcome.DeadLettered)
        {
            DeadLettered(claimed.Token, $"delivery failed {attempt} time(s): {exception.Message}");
        }
    }
}

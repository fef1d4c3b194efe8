using MassTransit;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Consuming;

/// <summary>
/// The idempotent-consumer filter, on one consumer's pipe: by MessageId, a message this consumer already consumed
/// successfully is acknowledged without running it again; while a copy runs on one worker, a second copy waits (polls
/// until the first is done, or its lease runs out because its worker died) instead of running in parallel; a consumer
/// that throws leaves no mark, so MassTransit's retry runs it again. A message without a MessageId runs as usual.
/// </summary>
/// <typeparam name="TConsumer">The consumer.</typeparam>
internal sealed class RedisIdempotentConsumerFilter<TConsumer> : IFilter<ConsumerConsumeContext<TConsumer>>
    where TConsumer : class
{
    static readonly string ConsumerName = typeof(TConsumer).Name;

    readonly ConsumedMarks _marks;
    readonly ILogger _logger;

    public RedisIdempotentConsumerFilter(ConsumedMarks marks, ILogger logger)
    {
        _marks = marks;
        _logger = logger;
    }

    public async Task Send(ConsumerConsumeContext<TConsumer> context, IPipe<ConsumerConsumeContext<TConsumer>> next)
    {
        if (context.MessageId is not { } messageId)
        {
            await next.Send(context).ConfigureAwait(false);
            return;
        }

        var key = _marks.KeyFor(ConsumerName, messageId);
        var lease = "lease:" + Guid.NewGuid().ToString("N");
        var waited = false;
        var unavailableSince = (long?)null;
        var backoff = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            string? holder;
            var attempt = Environment.TickCount64;
            try
            {
                holder = await _marks.TryAcquire(key, lease).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                // Redis is away: wait for it a while, then run the consumer unchecked. Failing the message instead would
                // send it to the error queue: a lost SMS is worse than a possible second one. The wait counts from the
                // first attempt that failed, including the time that attempt itself waited for an answer.
                unavailableSince ??= attempt;
                if (Environment.TickCount64 - unavailableSince.Value >= _marks.Options.UnavailableTimeout.TotalMilliseconds)
                {
                    SchedulerLog.ConsumeUnchecked(_logger, ex, ConsumerName, messageId);
                    await next.Send(context).ConfigureAwait(false);
                    return;
                }

                await Task.Delay(backoff, context.CancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 1000));
                continue;
            }

            if (holder == null)
                break;

            if (holder == ConsumedMarks.Done)
            {
                SchedulerLog.AlreadyConsumed(_logger, ConsumerName, messageId);
                return;
            }

            if (holder.Length > 0 && !waited)
            {
                waited = true;
                SchedulerLog.ConsumeWaits(_logger, ConsumerName, messageId);
            }

            if (holder.Length > 0)
                await Task.Delay(_marks.Options.PollInterval, context.CancellationToken).ConfigureAwait(false);
        }

        using var renewing = new CancellationTokenSource();
        var renewal = Renew(key, lease, renewing.Token);
        try
        {
            await next.Send(context).ConfigureAwait(false);
        }
        catch
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
            try
            {
                await _marks.Release(key, lease).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                // The lease runs out by itself; a retry before then waits for it.
                SchedulerLog.ConsumeMarkNotWritten(_logger, ex, ConsumerName, messageId);
            }

            throw;
        }

        await renewing.CancelAsync().ConfigureAwait(false);
        await renewal.ConfigureAwait(false);
        try
        {
            await _marks.MarkDone(key, lease).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            // The consumer succeeded: the message is acknowledged. Without the mark a copy of it would run again once
            // the lease ran out; failing the message here would not undo the SMS either.
            SchedulerLog.ConsumeMarkNotWritten(_logger, ex, ConsumerName, messageId);
        }
    }

    /// <summary>Any Redis failure: not reachable, timed out, or an answer such as <c>LOADING</c> from a Redis that restarts
    /// (found by the fault suite's scenario 3b). A permanent one (an ACL) also runs the consumer unchecked, with a warning
    /// per message, rather than failing every message.</summary>
    static bool IsUnavailable(Exception ex) =>
        ex is StackExchange.Redis.RedisException or RedisSchedulerUnavailableException or TimeoutException or ObjectDisposedException;

    async Task Renew(StackExchange.Redis.RedisKey key, string lease, CancellationToken stop)
    {
        var every = _marks.Options.LeaseDuration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(every, stop).ConfigureAwait(false);
                await _marks.Renew(key, lease).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The consumer finished.
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or RedisSchedulerUnavailableException)
        {
            SchedulerLog.ConsumeLeaseNotRenewed(_logger, ex, ConsumerName);
        }
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("redisIdempotentConsumer");
}

using MassTransit;
using MassTransit.Scheduling;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Scheduling;

/// <summary>
/// The entry point of a message's life: MassTransit's <see cref="IScheduleMessageProvider" />, behind every
/// <c>SchedulePublish</c>, <c>ScheduleSend</c> and <c>CancelScheduledSend</c>. It serializes the message
/// (<see cref="ScheduledMessageSerializer" />) and writes it to Redis in one script (<see cref="RedisScheduleStore" />);
/// when the call returns, the message is durable in Redis.
/// </summary>
internal sealed class RedisScheduleMessageProvider : IScheduleMessageProvider
{
    readonly RedisScheduleStore _store;
    readonly ScheduledMessageSerializer _serializer;
    readonly ChannelName _channels;
    readonly SchedulerInstruments _instruments;
    readonly ILogger _logger;
    readonly Uri? _sourceAddress;
    readonly ConsumeContext? _consumeContext;

    public RedisScheduleMessageProvider(RedisScheduleStore store, ScheduledMessageSerializer serializer, ChannelName channels,
        SchedulerInstruments instruments, ILogger logger, Uri? sourceAddress, ConsumeContext? consumeContext)
    {
        _store = store;
        _serializer = serializer;
        _channels = channels;
        _instruments = instruments;
        _logger = logger;
        _sourceAddress = sourceAddress;
        _consumeContext = consumeContext;
    }

    public async Task<ScheduledMessage<T>> ScheduleSend<T>(Uri destinationAddress, DateTime scheduledTime, T message, IPipe<SendContext<T>> pipe,
        CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(destinationAddress);
        ArgumentNullException.ThrowIfNull(message);
        if (!MessageTypeCache<T>.IsValidMessageType)
            throw new ArgumentException(MessageTypeCache<T>.InvalidMessageTypeReason, nameof(message));

        // MassTransit's rule: Local times are converted, Unspecified times are taken as UTC.
        var dueUtc = scheduledTime.Kind == DateTimeKind.Local
            ? scheduledTime.ToUniversalTime()
            : DateTime.SpecifyKind(scheduledTime, DateTimeKind.Utc);

        var tokenId = ScheduleTokenIdCache<T>.GetTokenId(message);
        var source = _consumeContext?.ReceiveContext.InputAddress ?? _sourceAddress;

        var (stored, token) = await _serializer.Serialize(destinationAddress, message, pipe ?? Pipe.Empty<SendContext<T>>(), tokenId, source,
            _consumeContext, cancellationToken).ConfigureAwait(false);

        var channel = _channels.For(typeof(T));
        var untilDue = await _store.Schedule(token, dueUtc, channel, stored).ConfigureAwait(false);

        _instruments.Scheduled(channel);
        SchedulerLog.Scheduled(_logger, channel, token, dueUtc, untilDue.TotalMilliseconds, destinationAddress);

        return new ScheduledMessageHandle<T>(token, dueUtc, destinationAddress, message);
    }

    public Task CancelScheduledSend(Guid tokenId, CancellationToken cancellationToken) => Cancel(tokenId);

    public Task CancelScheduledSend(Uri destinationAddress, Guid tokenId, CancellationToken cancellationToken) => Cancel(tokenId);

    async Task Cancel(Guid tokenId)
    {
        var outcome = await _store.Cancel(tokenId).ConfigureAwait(false);
        switch (outcome)
        {
            case CancelOutcome.Cancelled:
                _instruments.Cancelled();
                SchedulerLog.Cancelled(_logger, tokenId);
                break;
            case CancelOutcome.TooLate:
                SchedulerLog.CancelTooLate(_logger, tokenId);
                break;
            default:
                SchedulerLog.CancelNotFound(_logger, tokenId);
                break;
        }
    }
}

using MassTransit;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// The entry point of a message's life: MassTransit's <see cref="IScheduleMessageProvider" />, behind every
/// <c>SchedulePublish</c>, <c>ScheduleSend</c> and <c>CancelScheduledSend</c>. One per consume context (or one for code
/// outside consumers), so that a message scheduled while consuming carries that message's conversation; the work is
/// done by <see cref="ScheduleWriter" />. When a call returns, the message is durable in Redis.
/// </summary>
internal sealed class RedisScheduleMessageProvider : IScheduleMessageProvider
{
    readonly ScheduleWriter _writer;
    readonly Uri? _sourceAddress;
    readonly ConsumeContext? _consumeContext;
    readonly ISendEndpointProvider? _sendEndpoints;

    /// <param name="writer">Stores the message.</param>
    /// <param name="sourceAddress">The source address outside consumers.</param>
    /// <param name="consumeContext">The message being consumed, if any.</param>
    /// <param name="sendEndpoints">The bus's send endpoints: a scheduled message goes through the send pipeline (topology,
    /// send filters) a send to its destination would, before it is stored.</param>
    public RedisScheduleMessageProvider(ScheduleWriter writer, Uri? sourceAddress, ConsumeContext? consumeContext, ISendEndpointProvider? sendEndpoints)
    {
        _writer = writer;
        _sourceAddress = sourceAddress;
        _consumeContext = consumeContext;
        _sendEndpoints = sendEndpoints;
    }

    public Task<ScheduledMessage<T>> ScheduleSend<T>(Uri destinationAddress, DateTime scheduledTime, T message, IPipe<SendContext<T>> pipe,
        CancellationToken cancellationToken)
        where T : class =>
        _writer.Schedule(destinationAddress, scheduledTime, message, pipe ?? Pipe.Empty<SendContext<T>>(),
            _consumeContext?.ReceiveContext.InputAddress ?? _sourceAddress, _consumeContext, _sendEndpoints, cancellationToken);

    public Task CancelScheduledSend(Guid tokenId, CancellationToken cancellationToken) => _writer.Cancel(tokenId);

    public Task CancelScheduledSend(Uri destinationAddress, Guid tokenId, CancellationToken cancellationToken) => _writer.Cancel(tokenId);
}

using MassTransit;
using MassTransit.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Scheduling;

/// <summary>
/// Makes the <see cref="IMessageScheduler" /> that writes to Redis: one per consume context (so that a message scheduled
/// from a consumer carries the conversation and initiator of the message being consumed), or one for code outside consumers.
/// </summary>
internal sealed class RedisSchedulerFactory
{
    readonly RedisScheduleStore _store;
    readonly ScheduledMessageSerializer _serializer;
    readonly ChannelName _channels;
    readonly SchedulerInstruments _instruments;
    readonly ILogger _logger;

    public RedisSchedulerFactory(RedisScheduleStore store, IOptions<RedisSchedulerOptions> options, SchedulerInstruments instruments,
        ILogger<RedisScheduleMessageProvider> logger)
    {
        _store = store;
        _serializer = new ScheduledMessageSerializer(options.Value.MaxMessageBytes);
        _channels = new ChannelName(options.Value.Channels);
        _instruments = instruments;
        _logger = logger;
    }

    public IScheduleMessageProvider CreateProvider(Uri? sourceAddress, ConsumeContext? consumeContext) =>
        new RedisScheduleMessageProvider(_store, _serializer, _channels, _instruments, _logger, sourceAddress, consumeContext);

    /// <summary>For <see cref="MessageSchedulerFactory" />: the scheduler of a consume context.</summary>
    public IMessageScheduler Create(ConsumeContext context) =>
        new MessageScheduler(CreateProvider(context.ReceiveContext.InputAddress, context), context.GetPayload<IBusTopology>());

    /// <summary>The scheduler of code outside consumers (or inside, when a consume context is given).</summary>
    public IMessageScheduler Create(IBus bus, ConsumeContext? context) =>
        new MessageScheduler(CreateProvider(bus.Address, context), bus.Topology);
}

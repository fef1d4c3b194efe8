using MassTransit;
using MassTransit.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Step 6 of a message's life: republishes a claimed message onto the bus. A scheduled publish goes to its message
/// type's exchange, a scheduled send to its address; the task completes when the broker confirmed it (MassTransit waits
/// for RabbitMQ's publisher confirm).
/// </summary>
internal sealed class ScheduledMessageDispatcher
{
    readonly IBus _bus;
    readonly RedisConnection _connection;
    readonly IReadOnlyDictionary<Type, string> _channels;
    readonly ILogger _logger;
    readonly IBusRegistrationContext? _registration;
    readonly bool _warmUpReceivePath;

    public ScheduledMessageDispatcher(IBus bus, RedisConnection connection, IOptions<RedisSchedulerOptions> options, ILogger<ScheduledMessageDispatcher> logger,
        IBusRegistrationContext? registration = null)
    {
        _bus = bus;
        _registration = registration;
        _connection = connection;
        _channels = options.Value.Channels;
        _warmUpReceivePath = options.Value.WarmUpReceivePath;
        _logger = logger;
    }

    /// <summary>Opens the send endpoints the first deliveries will use (<see cref="EndpointWarmUp" />) when the bridge starts.</summary>
    public Task WarmUp(RedisScheduleStore store, CancellationToken cancellationToken) =>
        EndpointWarmUp.Run(_bus, store, _connection, _channels, _logger, cancellationToken);

    /// <summary>
    /// With <see cref="RedisSchedulerOptions.WarmUpReceivePath" />, runs a probe through this host's receive and consume path
    /// (<see cref="ReceiveWarmUp" />), which a delivered message takes next in a host that consumes it; otherwise nothing.
    /// </summary>
    public Task WarmUpReceivePath(CancellationToken cancellationToken) =>
        _warmUpReceivePath ? ReceiveWarmUp.Run(_bus, _registration, _channels.Keys, _logger, cancellationToken) : Task.CompletedTask;

    /// <param name="message">The stored message.</param>
    /// <param name="messageId">A MessageId for this delivery, or null to keep the stored one.</param>
    /// <param name="cancellationToken">Stops the send.</param>
    /// <returns>The expiration the message passed while it waited, if it did.</returns>
    public async Task<DateTime?> Dispatch(StoredMessage message, Guid? messageId, CancellationToken cancellationToken)
    {
        var pipe = new ReplayPipe(message, messageId);
        var endpoint = await _bus.GetSendEndpoint(message.Destination).ConfigureAwait(false);
        await endpoint.Send(new SerializedMessageBody(), pipe, cancellationToken).ConfigureAwait(false);
        return pipe.ExpiredAt;
    }
}

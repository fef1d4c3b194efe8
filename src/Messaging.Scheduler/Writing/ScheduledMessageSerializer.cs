using System.Diagnostics;
using MassTransit;
using MassTransit.Context;
using MassTransit.Logging;
using MassTransit.RabbitMqTransport;
using MassTransit.Scheduling;
using MassTransit.Serialization;
using RabbitMQ.Client;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// Step 1 of a message's life: turns a message the caller schedules (or a <c>ScheduleMessage</c> command's payload) into
/// the entry kept in Redis. It runs the caller's pipe on a real MassTransit send context (so headers, IDs, time-to-live
/// and RabbitMQ properties the caller sets are kept), stamps the scheduling token header, and takes the envelope
/// MassTransit's JSON serializer would write (<see cref="JsonMessageEnvelope" />) for the entry, as the Quartz integration
/// stores a <c>ScheduleMessage</c> payload.
/// </summary>
internal sealed class ScheduledMessageSerializer
{
    /// <summary>Transport properties that must not be replayed: the exchange comes from the destination, and a delay
    /// would ask the broker's delayed-exchange plugin for a second delay.</summary>
    static readonly string[] DroppedProperties = ["RMQ-Exchange", "Delay"];

    readonly int _maxMessageBytes;

    public ScheduledMessageSerializer(int maxMessageBytes)
    {
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>Runs <paramref name="pipe" /> on a send context of its own and encodes the entry for the store, made from the
    /// envelope MassTransit would serialize (<see cref="Entry{T}" />).</summary>
    /// <returns>The entry, and the token (the caller's pipe may have set its own).</returns>
    public Task<(EncodedEntry Entry, Guid TokenId)> Encode<T>(Uri destination, T message, IPipe<SendContext<T>> pipe, Guid tokenId,
        Uri? sourceAddress, ConsumeContext? consumeContext, CancellationToken cancellationToken)
        where T : class =>
        Encode(destination, message, pipe, tokenId, sourceAddress, consumeContext, null, cancellationToken);

    /// <summary>Runs <paramref name="pipe" /> and encodes the entry for the store, made from the envelope MassTransit would
    /// serialize (<see cref="Entry{T}" />). With <c>sendEndpoints</c> (the bus's, or the consume context's receive
    /// endpoint's), the message runs through the send pipeline of its destination first (<see cref="BusSendPipe" />); null:
    /// a context of its own, with the caller's pipe only.</summary>
    /// <returns>The entry, and the token (the caller's pipe may have set its own).</returns>
    public async Task<(EncodedEntry Entry, Guid TokenId)> Encode<T>(Uri destination, T message, IPipe<SendContext<T>> pipe, Guid tokenId,
        Uri? sourceAddress, ConsumeContext? consumeContext, ISendEndpointProvider? sendEndpoints, CancellationToken cancellationToken)
        where T : class
    {
        var (context, token) = await Prepare(destination, message, pipe, tokenId, sourceAddress, consumeContext, sendEndpoints, cancellationToken)
            .ConfigureAwait(false);
        var json = IsEnvelope(context) || ReplayFormat.IsRawJson(ContentTypeOf(context));
        var envelope = json ? new JsonMessageEnvelope(context, context.Message) : null;
        return (Entry(envelope, context, destination, token, typeof(T).Name, null), token);
    }

    /// <summary>Runs <paramref name="pipe" /> and serializes the whole envelope, as MassTransit would send it.</summary>
    /// <returns>The stored form, and the token (the caller's pipe may have set its own).</returns>
    public async Task<(StoredMessage Message, Guid TokenId)> Serialize<T>(Uri destination, T message, IPipe<SendContext<T>> pipe, Guid tokenId,
        Uri? sourceAddress, ConsumeContext? consumeContext, CancellationToken cancellationToken)
        where T : class
    {
        var (context, token) = await Prepare(destination, message, pipe, tokenId, sourceAddress, consumeContext, null, cancellationToken).ConfigureAwait(false);
        return (Finish(context, destination, typeof(T).Name, null), token);
    }

    static async Task<(MessageSendContext<T> Context, Guid TokenId)> Prepare<T>(Uri destination, T message, IPipe<SendContext<T>> pipe,
        Guid tokenId, Uri? sourceAddress, ConsumeContext? consumeContext, ISendEndpointProvider? sendEndpoints, CancellationToken cancellationToken)
        where T : class
    {
        var scheduling = new SchedulingPipe<T>(pipe, tokenId, sourceAddress, consumeContext);
        var context = sendEndpoints != null
            ? await BusSendPipe.Create(sendEndpoints, destination, message, scheduling, cancellationToken).ConfigureAwait(false)
            : null;
        if (context == null)
        {
            context = new RabbitMqMessageSendContext<T>(new BasicProperties(), string.Empty, message, cancellationToken)
            {
                DestinationAddress = destination,
                SourceAddress = sourceAddress,
                Serializer = SystemTextJsonMessageSerializer.Instance,
            };
            await scheduling.Send(context).ConfigureAwait(false);
        }

        SchedulerActivities.Identify(context.MessageId, context.ConversationId);

        // The entry's destination is where it goes, whatever address form the send endpoint normalized it to.
        context.DestinationAddress = destination;
        var token = context.ScheduledMessageId ?? tokenId;
        context.Headers.Set(MessageHeaders.SchedulingTokenId, token.ToString("D"));
        return (context, token);
    }

    /// <summary>The scheduler's part of the send pipeline, run after the bus's topology and send filters: the source
    /// address, the token, the headers of the message being consumed and the trace, then the caller's pipe.</summary>
    sealed class SchedulingPipe<T>(IPipe<SendContext<T>> pipe, Guid tokenId, Uri? sourceAddress, ConsumeContext? consumeContext) : IPipe<SendContext<T>>
        where T : class
    {
        public async Task Send(SendContext<T> context)
        {
            if (sourceAddress != null)
                context.SourceAddress = sourceAddress;
            context.ScheduledMessageId = tokenId;

            if (consumeContext != null)
                context.TransferConsumeContextHeaders(consumeContext);

            if (Activity.Current?.Id is { } activityId)
                context.Headers.Set(DiagnosticHeaders.ActivityId, activityId);

            if (pipe.IsNotEmpty())
                await pipe.Send(context).ConfigureAwait(false);
        }

        public void Probe(ProbeContext context) => pipe.Probe(context);
    }

    static System.Net.Mime.ContentType? ContentTypeOf(SendContext context) => context.ContentType ?? context.Serializer?.ContentType;

    /// <summary>The context is serialized as MassTransit's JSON envelope.</summary>
    static bool IsEnvelope(SendContext context) =>
        string.Equals(ContentTypeOf(context)?.MediaType ?? SystemTextJsonMessageSerializer.JsonContentType.MediaType,
            SystemTextJsonMessageSerializer.JsonContentType.MediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Encodes the entry for the message a <see cref="ScheduleMessage" /> command carries, as MassTransit's Quartz consumer
    /// serializes it: the payload with its message types, and the IDs, addresses, expiration, headers and transport
    /// properties of the command (which the sending service's scheduler copied from the message it scheduled).
    /// </summary>
    public (EncodedEntry Entry, Uri Destination) Encode(ConsumeContext<ScheduleMessage> context) =>
        EncodeCommand(context, context.Message.Destination, context.Message.Payload, context.Message.PayloadType, context.Message.CorrelationId);

    /// <summary>Encodes the entry for the message a <see cref="ScheduleRecurringMessage" /> command carries, under the
    /// schedule's token.</summary>
    public (EncodedEntry Entry, Uri Destination) Encode(ConsumeContext<ScheduleRecurringMessage> context, Guid scheduleToken) =>
        EncodeCommand(context, context.Message.Destination, context.Message.Payload, context.Message.PayloadType, scheduleToken);

    (EncodedEntry Entry, Uri Destination) EncodeCommand<TCommand>(ConsumeContext<TCommand> context, Uri? destination, object? payload, string[]? payloadType,
        Guid token)
        where TCommand : class
    {
        var name = typeof(TCommand).Name;
        if (destination == null)
            throw new ArgumentException($"The {name} command has no Destination: there is nowhere to deliver it.", nameof(context));
        if (payload == null || payloadType is not { Length: > 0 })
            throw new ArgumentException($"The {name} command has no Payload or PayloadType: there is nothing to deliver.", nameof(context));

        var serializer = context.SerializerContext.GetMessageSerializer(payload, payloadType);
        var send = new RabbitMqMessageSendContext<TCommand>(new BasicProperties(), string.Empty, context.Message, context.CancellationToken)
        {
            MessageId = context.MessageId,
            RequestId = context.RequestId,
            CorrelationId = context.CorrelationId,
            ConversationId = context.ConversationId,
            InitiatorId = context.InitiatorId,
            SourceAddress = context.SourceAddress,
            DestinationAddress = destination,
            ResponseAddress = context.ResponseAddress,
            FaultAddress = context.FaultAddress,
            SupportedMessageTypes = payloadType,
            Serializer = serializer,
        };

        if (context.ExpirationTime is { } expiration)
            send.TimeToLive = expiration.ToUniversalTime() - DateTime.UtcNow;

        foreach (var header in context.Headers.GetAll())
            send.Headers.Set(header.Key, header.Value);
        send.Headers.Set(MessageHeaders.SchedulingTokenId, token.ToString("D"));

        // The trace header names the span that scheduled the message (ours, under the consume span), as on the direct path.
        if (Activity.Current?.Id is { } activityId)
            send.Headers.Set(DiagnosticHeaders.ActivityId, activityId);

        // The transport properties the message would have had: those of the service's own topology never reach us (the
        // command was sent, not the message), so the worker's send topology of the message type gives them, under those the
        // command itself carried.
        var received = new Dictionary<string, object>();
        if (context.TryGetPayload<IBusTopology>(out var topology))
        {
            foreach (var (property, value) in SendTopologyProperties.For(topology, context.SerializerContext, payload, payloadType, destination,
                context.CancellationToken))
                received[property] = value;
        }

        if (context.ReceiveContext.TryGetPayload<TransportReceiveContext>(out var transport) && transport.GetTransportProperties() is { } carried)
        {
            foreach (var (property, value) in carried)
                received[property] = value;
        }

        // The envelope MassTransit's body serializer writes for a payload it received as JSON: built from the command, then
        // updated from the send context.
        JsonMessageEnvelope? envelope = null;
        if (serializer is SystemTextJsonBodyMessageSerializer
            && (serializer.ContentType.MediaType == SystemTextJsonMessageSerializer.JsonContentType.MediaType || ReplayFormat.IsRawJson(serializer.ContentType)))
        {
            envelope = new JsonMessageEnvelope(context.SerializerContext, payload, payloadType);
            envelope.Update(send);
        }

        return (Entry(envelope, send, destination, token, payloadType[0], received), destination);
    }

    /// <summary>
    /// The one way from a MassTransit envelope to an entry: taken apart (<see cref="CompactEnvelope.FromEnvelope" />) when
    /// it is MassTransit's JSON envelope and the format holds it exactly, otherwise the body the send context's serializer
    /// writes, kept whole.
    /// </summary>
    EncodedEntry Entry<T>(JsonMessageEnvelope? envelope, MessageSendContext<T> context, Uri destination, Guid token, string typeName,
        IDictionary<string, object>? received)
        where T : class
    {
        if (envelope != null && CompactEnvelope.FromEnvelope(envelope, destination, token, TransportProperties(context, received)) is { } compact)
        {
            CheckSize(compact.Message.Length + (compact.Headers?.Length ?? 0), typeName);
            return StoredMessageCodec.Encode(compact);
        }

        // A whole envelope's message type is not read back from its body: the send context knows it (the first URN).
        return StoredMessageCodec.Encode(new WholeEnvelope(Finish(context, destination, typeName, received)))
            .WithLabel(context.SupportedMessageTypes is [var type, ..] ? type : null, destination.ToString());
    }

    StoredMessage Finish<T>(MessageSendContext<T> context, Uri destination, string typeName, IDictionary<string, object>? transportProperties)
        where T : class
    {
        var body = context.Body.GetBytes();
        CheckSize(body.Length, typeName);
        var contentType = context.ContentType?.ToString() ?? SystemTextJsonMessageSerializer.JsonContentType.ToString();
        return new StoredMessage(destination, contentType, TransportProperties(context, transportProperties), body);
    }

    void CheckSize(int bytes, string typeName)
    {
        if (bytes > _maxMessageBytes)
        {
            throw new MessageTooLargeException(
                $"The scheduled {typeName} serializes to {bytes} bytes, over the scheduler's limit of {_maxMessageBytes} bytes " +
                $"({RedisSchedulerOptions.SectionName}:{nameof(RedisSchedulerOptions.MaxMessageBytes)}). Nothing was stored: send a smaller " +
                "message (for example a reference to the data) or raise the limit.");
        }
    }

    static Dictionary<string, object> TransportProperties<T>(MessageSendContext<T> context, IDictionary<string, object>? received)
        where T : class
    {
        var properties = new Dictionary<string, object>();
        context.WritePropertiesTo(properties);
        if (received != null)
        {
            foreach (var (name, value) in received)
                properties[name] = value;
        }

        foreach (var name in DroppedProperties)
            properties.Remove(name);
        if (ReplayFormat.IsRawJson(ContentTypeOf(context)))
            properties[ReplayFormat.PropertyName] = ReplayFormat.RawJson;
        return properties;
    }
}

using MassTransit;
using MassTransit.Context;
using MassTransit.Transports;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// Runs a message the caller schedules through the bus's own send pipeline, as a send to its destination would run it,
/// but without sending it: the serializer, the send topology of its message type (a routing key formatter, for example)
/// and the bus's send filters (<c>UseSendFilter</c>) all act on the send context, whose headers, IDs and transport
/// properties are then stored. MassTransit's own transport-delay scheduler gets the same by sending the message itself.
/// </summary>
internal static class BusSendPipe
{
    /// <summary>The send context the bus would send for <paramref name="message" />, with <paramref name="pipe" /> run last
    /// (after the topology and the send filters, as a caller's pipe runs on a send); null when the endpoint cannot make one
    /// without sending (not a MassTransit transport endpoint).</summary>
    public static async Task<MessageSendContext<T>?> Create<T>(ISendEndpointProvider endpoints, Uri destination, T message, IPipe<SendContext<T>> pipe,
        CancellationToken cancellationToken)
        where T : class
    {
        var endpoint = await endpoints.GetSendEndpoint(destination).ConfigureAwait(false);
        if (endpoint is not ITransportSendEndpoint transport)
            return null;

        // CreateSendContext runs the pipeline of a send (serializer, topology, filters, the caller's pipe) on the transport's
        // own send context and returns it unsent: no channel is used, so scheduling does not need the broker.
        var context = await transport.CreateSendContext(message, pipe, cancellationToken).ConfigureAwait(false);
        return context as MessageSendContext<T>;
    }
}

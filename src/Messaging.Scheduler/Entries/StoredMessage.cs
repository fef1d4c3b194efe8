namespace Messaging.Scheduler.Entries;

/// <summary>
/// What the scheduler keeps of a message until it is due: the serialized MassTransit envelope (which carries the
/// MessageId, correlation, conversation and initiator IDs, addresses, expiration, message types and every header,
/// including <c>MT-Scheduling-TokenId</c>), where it goes, and the transport properties set when it was scheduled.
/// </summary>
/// <param name="Destination">The publish exchange of the message type for a scheduled publish, or the send address.</param>
/// <param name="ContentType">The envelope's content type, which picks the deserializer on replay.</param>
/// <param name="TransportProperties">RabbitMQ (or other transport) send properties: routing key, priority, ...</param>
/// <param name="Body">The serialized envelope.</param>
internal sealed record StoredMessage(
    Uri Destination,
    string ContentType,
    IReadOnlyDictionary<string, object> TransportProperties,
    ReadOnlyMemory<byte> Body);

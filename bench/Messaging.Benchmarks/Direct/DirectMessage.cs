using RabbitMQ.Client;

namespace Messaging.Benchmarks.Direct;

/// <summary>An AMQP message, ready for <c>basic.publish</c>.</summary>
internal sealed record DirectMessage(string Exchange, string RoutingKey, BasicProperties Properties, byte[] Body);

using RabbitMQ.Client;

namespace Messaging.Benchmarks.Direct;

/// <summary>
/// One RabbitMQ.Client connection and one channel with publisher confirms, tracked by the client: each
/// <see cref="Publish" /> completes when the broker confirmed that message, and any number may be in flight at once, so
/// the broker confirms them in groups (batched confirms).
/// </summary>
internal sealed class DirectPublisher : IAsyncDisposable
{
    readonly IConnection _connection;
    readonly IChannel _channel;

    DirectPublisher(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<DirectPublisher> Open(Uri amqp, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { Uri = amqp, ClientProvidedName = "bench-direct" };
        var connection = await factory.CreateConnectionAsync(cancellationToken);
        try
        {
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true), cancellationToken);
            return new DirectPublisher(connection, channel);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes; completes once the broker confirmed it (throws when it nacked or returned it).</summary>
    public ValueTask Publish(DirectMessage message, CancellationToken cancellationToken) =>
        _channel.BasicPublishAsync(message.Exchange, message.RoutingKey, mandatory: false, message.Properties, message.Body, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}

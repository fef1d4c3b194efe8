using System.Collections.Concurrent;
using System.Reflection;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.RabbitMqTransport;
using MassTransit.Serialization;
using RabbitMQ.Client;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// The transport properties the bus's send topology gives a message of a known type (the routing key of a
/// <c>UseRoutingKeyFormatter</c>, for example), for a message the scheduler endpoint received as a command's payload: the
/// service's own topology never ran on it (MassTransit's endpoint scheduler sends the command, not the message), so the
/// worker applies its own, as the service would have. Only the topology runs (not the worker's send filters), on a
/// context that is never sent.
/// </summary>
internal static class SendTopologyProperties
{
    static readonly MethodInfo ForTypeMethod = typeof(SendTopologyProperties).GetMethod(nameof(ForType), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary><see cref="ForType{T}" /> for each message type met, made once.</summary>
    static readonly ConcurrentDictionary<Type, ForTypeDelegate> ForTypes = new();

    delegate IReadOnlyDictionary<string, object> ForTypeDelegate(IBusTopology topology, SerializerContext serializer, object payload, Uri destination,
        CancellationToken cancellationToken);

    /// <summary>The properties, or an empty dictionary when the message type is not known here, its topology sets none, or
    /// the payload cannot be read as this process's version of the type.</summary>
    public static IReadOnlyDictionary<string, object> For(IBusTopology topology, SerializerContext serializer, object payload, string[] payloadType,
        Uri destination, CancellationToken cancellationToken)
    {
        foreach (var urn in payloadType)
        {
            if (MessageTypeResolver.Resolve(urn) is not { } type || !type.IsClass)
                continue;
            var forType = ForTypes.GetOrAdd(type, static t => ForTypeMethod.MakeGenericMethod(t).CreateDelegate<ForTypeDelegate>());
            return forType(topology, serializer, payload, destination, cancellationToken);
        }

        return new Dictionary<string, object>();
    }

    static IReadOnlyDictionary<string, object> ForType<T>(IBusTopology topology, SerializerContext serializer, object payload, Uri destination,
        CancellationToken cancellationToken)
        where T : class
    {
        var properties = new Dictionary<string, object>();
        var builder = new FilterCollector<SendContext<T>>();
        topology.Send<T>().Apply(builder);
        if (builder.Filters.Count == 0)
            return properties;

        T? message;
        try
        {
            message = serializer.DeserializeObject<T>(payload);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or System.Runtime.Serialization.SerializationException or NotSupportedException
                                       or InvalidOperationException or ArgumentException)
        {
            // The worker's version of the type does not read this payload: the message is stored as it came, as before.
            return properties;
        }

        if (message == null)
            return properties;

        var context = new RabbitMqMessageSendContext<T>(new BasicProperties(), string.Empty, message, cancellationToken) { DestinationAddress = destination };
        Run(builder.Filters, context).GetAwaiter().GetResult();
        context.WritePropertiesTo(properties);
        return properties;
    }

    static async Task Run<T>(IReadOnlyList<IFilter<SendContext<T>>> filters, SendContext<T> context)
        where T : class
    {
        foreach (var filter in filters)
            await filter.Send(context, Pipe.Empty<SendContext<T>>()).ConfigureAwait(false);
    }

    /// <summary>Collects the filters a message send topology adds.</summary>
    sealed class FilterCollector<TContext> : ITopologyPipeBuilder<TContext>
        where TContext : class, PipeContext
    {
        public List<IFilter<TContext>> Filters { get; } = [];

        public bool IsDelegated => false;
        public bool IsImplemented => false;

        public void AddFilter(IFilter<TContext> filter) => Filters.Add(filter);

        public ITopologyPipeBuilder<TContext> CreateDelegatedBuilder() => this;
    }
}

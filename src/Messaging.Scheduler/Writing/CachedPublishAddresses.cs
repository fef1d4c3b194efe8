using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MassTransit;

namespace Messaging.Scheduler.Writing;

/// <summary>
/// The bus's topology for <see cref="MassTransit.Scheduling.MessageScheduler" />, with the publish address of each message
/// type kept once it was asked for. MassTransit's <c>SchedulePublish</c> asks for it on every call, and the RabbitMQ
/// topology builds it anew each time (a <see cref="UriBuilder" /> and a new <see cref="Uri" />); for a given bus the answer
/// never changes. Everything else is the bus's own topology.
/// </summary>
internal sealed class CachedPublishAddresses : IBusTopology
{
    static readonly ConditionalWeakTable<IBusTopology, CachedPublishAddresses> PerBus = new();

    readonly IBusTopology _topology;
    readonly ConcurrentDictionary<Type, Uri?> _addresses = new();
    readonly ConcurrentDictionary<Type, Uri?> _genericAddresses = new();

    CachedPublishAddresses(IBusTopology topology)
    {
        _topology = topology;
    }

    /// <summary>The cached view of <paramref name="topology" /> (one per topology).</summary>
    public static IBusTopology Of(IBusTopology topology) =>
        topology as CachedPublishAddresses ?? PerBus.GetValue(topology, static t => new CachedPublishAddresses(t));

    public IPublishTopology PublishTopology => _topology.PublishTopology;

    public ISendTopology SendTopology => _topology.SendTopology;

    public IMessagePublishTopology<T> Publish<T>()
        where T : class =>
        _topology.Publish<T>();

    public IMessageSendTopology<T> Send<T>()
        where T : class =>
        _topology.Send<T>();

    public IMessageTopology<T> Message<T>()
        where T : class =>
        _topology.Message<T>();

    public bool TryGetPublishAddress(Type messageType, out Uri publishAddress)
    {
        var address = _addresses.GetOrAdd(messageType, static (type, topology) => topology.TryGetPublishAddress(type, out var found) ? found : null, _topology);
        publishAddress = address!;
        return address != null;
    }

    public bool TryGetPublishAddress<T>(out Uri publishAddress)
        where T : class
    {
        if (_genericAddresses.TryGetValue(typeof(T), out var address))
        {
            publishAddress = address!;
            return address != null;
        }

        var found = _topology.TryGetPublishAddress<T>(out publishAddress);
        _genericAddresses.TryAdd(typeof(T), found ? publishAddress : null);
        return found;
    }
}

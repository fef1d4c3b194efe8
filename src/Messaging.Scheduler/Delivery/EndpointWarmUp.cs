using System.Diagnostics;
using MassTransit;
using MassTransit.Serialization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Opens, when the bridge starts (in the background, alongside its first claims), what the first delivery to each
/// destination would otherwise open while a message waits: the bus's send endpoint, its send transport, its RabbitMQ channel
/// and the exchange it declares on that channel (a warm-up message goes through the endpoint and is redirected, at the last
/// step, to an exchange bound to nothing: <see cref="SendNowhere" />). The destinations are the publish exchanges
/// of the message types the host maps to a channel (<see cref="RedisSchedulerOptions.MapChannel{T}" />) and those of the
/// first entries in each partition's due index. It also runs one whole republish (<see cref="ReplayWarmUp.Publish" />) to an
/// exchange bound to nothing, so that the publish and confirm path is compiled too, and caches the names the first entries
/// refer to (<see cref="NameTable" />), or, with nothing due yet, looks up one name no entry uses, so that the names lookup
/// of a message scheduled after the start is compiled too. Nothing reaches a consumer; the whole
/// warm-up stops after <see cref="Budget" />, and a failure is logged, never thrown: a destination not warmed is opened by
/// its first delivery, as before.
/// </summary>
internal static class EndpointWarmUp
{
    /// <summary>How long the warm-up may take at most.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    /// <summary>How many entries of each partition's due index are peeked at.</summary>
    const int PeekPerPartition = 20;

    /// <summary>More destinations than this are left to their first delivery.</summary>
    const int MaxDestinations = 64;

    public static async Task Run(IBus bus, RedisScheduleStore store, RedisConnection connection, IReadOnlyDictionary<Type, string> channels, ILogger logger,
        CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Budget);

        var destinations = new List<Uri>();
        void Add(Uri address)
        {
            if (destinations.Count < MaxDestinations && !destinations.Contains(address))
                destinations.Add(address);
        }

        foreach (var type in channels.Keys)
        {
            if (bus.Topology.TryGetPublishAddress(type, out var address))
                Add(address);
        }

        try
        {
            foreach (var address in await Peek(store, connection, budget.Token).ConfigureAwait(false))
                Add(address);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            SchedulerLog.WarmUpFailed(logger, "the due index", ex.GetType().Name + ": " + ex.Message);
        }

        try
        {
            await LoadScripts(connection, budget.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            SchedulerLog.WarmUpFailed(logger, "the delivery scripts", ex.GetType().Name + ": " + ex.Message);
        }

        // Also declares the exchange SendNowhere redirects to: publishing to an exchange that does not exist would close the
        // channel the first deliveries are about to use.
        var nowhere = false;
        try
        {
            await ReplayWarmUp.Publish(bus, budget.Token).ConfigureAwait(false);
            nowhere = true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            SchedulerLog.WarmUpFailed(logger, ReplayWarmUp.Exchange.ToString(), ex.GetType().Name + ": " + ex.Message);
        }

        var opened = 0;
        foreach (var destination in destinations)
        {
            if (budget.IsCancellationRequested)
                break;
            try
            {
                await Open(bus, destination, nowhere, budget.Token).ConfigureAwait(false);
                opened++;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                SchedulerLog.WarmUpFailed(logger, destination.ToString(), ex.GetType().Name + ": " + ex.Message);
            }
        }

        SchedulerLog.WarmedUp(logger, opened, destinations.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// Loads the scripts a delivery runs after its claim (acknowledge, release) into each primary's script cache with
    /// <c>SCRIPT LOAD</c>, so that the first acknowledgement after a start is an <c>EVALSHA</c> like every later one, not an
    /// <c>EVAL</c> carrying the script's text for Redis to compile while deliveries wait for it.
    /// </summary>
    static async Task LoadScripts(RedisConnection connection, CancellationToken cancellationToken)
    {
        var multiplexer = await connection.Get().ConfigureAwait(false);
        foreach (var endpoint in multiplexer.GetEndPoints())
        {
            var server = multiplexer.GetServer(endpoint);
            if (!server.IsConnected || server.IsReplica)
                continue;
            foreach (var script in (string[])[LuaScripts.AcknowledgeBatch, LuaScripts.Release, LuaScripts.Claim])
                await server.ScriptLoadAsync(script).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The destinations of the first entries due in each partition (the names come from the names hash).</summary>
    static async Task<List<Uri>> Peek(RedisScheduleStore store, RedisConnection connection, CancellationToken cancellationToken)
    {
        var db = await connection.Database().ConfigureAwait(false);
        var found = new List<Uri>();
        foreach (var partition in store.Keyspace.Partitions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var tokens = await db.SortedSetRangeByRankAsync(partition.Due, 0, PeekPerPartition - 1).ConfigureAwait(false);
            if (tokens.Length == 0)
            {
                // Nothing due yet: look up a name no entry uses, so that the first delivery's names lookup (a message
                // scheduled after the start refers to names this process has not read) does not pay for compiling it.
                await store.Names.Load(partition, [NameTable.IdOf(ReplayWarmUp.Exchange.ToString())]).ConfigureAwait(false);
                continue;
            }

            var entries = await db.HashGetAsync(partition.Entries, tokens).ConfigureAwait(false);
            var destinations = new HashSet<ulong>();
            var ids = new HashSet<ulong>();
            foreach (var entry in entries)
            {
                if (entry.IsNull || !EntryHeader.TryRead((byte[])entry!, out var header))
                    continue;
                if (header.Label is { } label)
                    destinations.Add(label.Destination);
                try
                {
                    // The other names these entries refer to (addresses, types, host) are cached too: their first read
                    // would otherwise be a round trip to Redis while the message waits.
                    switch (StoredMessageCodec.Decode(header.Payload))
                    {
                        case CompactEnvelope compact:
                            destinations.Add(compact.Destination);
                            ids.UnionWith(compact.NameIds);
                            break;
                        case WholeEnvelope whole:
                            found.Add(whole.Message.Destination);
                            break;
                    }
                }
                catch (FormatException)
                {
                    // Its delivery reports it.
                }
            }

            ids.UnionWith(destinations);
            if (ids.Count == 0)
                continue;

            var names = await store.Names.Load(partition, ids).ConfigureAwait(false);
            foreach (var id in destinations)
            {
                if (names.TryGetValue(id, out var name) && Uri.TryCreate(name, UriKind.Absolute, out var address))
                    found.Add(address);
            }
        }

        return found;
    }

    /// <summary>
    /// Gets the send endpoint and sends one warm-up message through it (<see cref="SendNowhere" />): the endpoint opens its
    /// channel and declares its exchange on it, as its first delivery would, and the message goes to
    /// <see cref="ReplayWarmUp.Exchange" />, which routes it nowhere. When that exchange may not exist
    /// (<paramref name="nowhere" /> false), on another transport than RabbitMQ, or if the redirect does not take, the send
    /// stops before anything is published: the endpoint is then open, its exchange declared by its first delivery.
    /// </summary>
    static async Task Open(IBus bus, Uri destination, bool nowhere, CancellationToken cancellationToken)
    {
        var endpoint = await bus.GetSendEndpoint(destination).ConfigureAwait(false);
        var message = await ReplayWarmUp.Stored(destination, bus.Address, cancellationToken).ConfigureAwait(false);
        try
        {
            // Send observers see where it really goes: the warm-up exchange, on the bus's host and virtual host.
            var sentTo = new Uri(bus.Address, ReplayWarmUp.ExchangeName);
            await endpoint.Send(new SerializedMessageBody(), new SendNowhere(new ReplayPipe(message, null), nowhere, sentTo), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (IsStop(ex))
        {
            // The channel is open; nothing was sent.
        }
    }

    static bool IsStop(Exception? exception)
    {
        for (; exception != null; exception = exception.InnerException)
        {
            if (exception is WarmUpStopException)
                return true;
        }

        return false;
    }

    /// <summary>
    /// Replays the warm-up message onto the send context, then points the RabbitMQ send at <see cref="ReplayWarmUp.Exchange" />
    /// the way a stored message's transport properties are restored (<see cref="MassTransit.Context.TransportSendContext.ReadPropertiesFrom" />).
    /// MassTransit then declares the endpoint's exchange on the channel and publishes to that exchange instead. Whatever is
    /// not a RabbitMQ send that now goes to that exchange, with no routing key, is stopped before it is published.
    /// </summary>
    /// <param name="replay">The warm-up message, replayed as a delivery replays a stored one.</param>
    /// <param name="redirect">False: stop every send before it is published.</param>
    /// <param name="sentTo">The send's destination address as send observers see it: the warm-up exchange's.</param>
    sealed class SendNowhere(ReplayPipe replay, bool redirect, Uri sentTo) : IPipe<SendContext<SerializedMessageBody>>
    {
        /// <summary>MassTransit's name for a RabbitMQ send context's exchange among its transport properties.</summary>
        const string ExchangeProperty = "RMQ-Exchange";

        public async Task Send(SendContext<SerializedMessageBody> context)
        {
            if (!redirect || context is not RabbitMqSendContext rabbit || context is not MassTransit.Context.TransportSendContext transport)
                throw new WarmUpStopException();

            await replay.Send(context).ConfigureAwait(false);
            transport.ReadPropertiesFrom(new Dictionary<string, object> { [ExchangeProperty] = ReplayWarmUp.ExchangeName });
            rabbit.Mandatory = false;
            context.DestinationAddress = sentTo;
            if (!string.Equals(rabbit.Exchange, ReplayWarmUp.ExchangeName, StringComparison.Ordinal) || !string.IsNullOrEmpty(rabbit.RoutingKey))
                throw new WarmUpStopException();
        }

        public void Probe(ProbeContext context) => context.CreateScope("redisSchedulerWarmUp");
    }

    sealed class WarmUpStopException() : Exception("warm-up: the send endpoint is open; nothing is published");
}

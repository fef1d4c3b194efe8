using StackExchange.Redis;

namespace Messaging.Scheduler;

/// <summary>
/// Settings of the Redis message scheduler: where messages are stored, and how the bridge claims and republishes them.
/// Every value has a default; the host validates them at start-up and names the option at fault.
/// </summary>
public sealed class RedisSchedulerOptions
{
    /// <summary>The configuration section these options bind from: <c>RedisScheduler</c>.</summary>
    public const string SectionName = "RedisScheduler";

    readonly Dictionary<Type, string> _channels = new();
    Uri? _schedulerEndpoint;

    /// <summary>
    /// The StackExchange.Redis configuration string, for example <c>localhost:6379</c> or
    /// <c>redis1:6379,password=...,ssl=true</c>. Default: <c>localhost:6379</c>.
    /// </summary>
    public string Configuration { get; set; } = "localhost:6379";

    /// <summary>
    /// An optional callback that adjusts the parsed Redis configuration (TLS certificates, a user name, ...).
    /// </summary>
    public Action<ConfigurationOptions>? ConfigureRedis { get; set; }

    /// <summary>
    /// The prefix of every key the scheduler writes, so that several schedulers (or tests) can share one Redis.
    /// Letters, digits and <c>:_-.</c> only. Default: <c>scheduler:</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "scheduler:";

    /// <summary>
    /// How many partitions the entries are spread over. Each partition is one Redis Cluster hash slot with its own
    /// due index. Default: 1. Changing it while messages are pending strands them in partitions the bridge no longer reads.
    /// </summary>
    public int Partitions { get; set; } = 1;

    /// <summary>
    /// How partitions are named and which partition a token belongs to; only matters with more than one partition. Every
    /// process that shares a <see cref="KeyPrefix" /> must use the same <see cref="Partitions" /> and layout: the first
    /// one to reach Redis records both under <c>&lt;prefix&gt;layout</c>, and the others refuse to run with different
    /// ones. Default: <see cref="RedisPartitionLayout.Spread" />; set <see cref="RedisPartitionLayout.Original" /> only for
    /// a keyspace written by an earlier version with more than one partition (the scheduler says when).
    /// </summary>
    public RedisPartitionLayout PartitionLayout { get; set; } = RedisPartitionLayout.Spread;

    /// <summary>
    /// Write a TTL trigger key (<c>&lt;prefix&gt;{p}:SELLER:&lt;token&gt;</c>) per message, whose <c>expired</c> keyspace event
    /// wakes the bridge and whose <c>TTL</c> shows an operator how long the message has left. The bridge's own timer is
    /// the guarantee either way; turn this off for large deployments, where expiry events come late. Default: true.
    /// </summary>
    public bool TriggerKeys { get; set; } = true;

    /// <summary>
    /// Ask Redis (<c>CONFIG SET</c>) to publish the <c>expired</c> keyspace events the trigger keys need, when they are
    /// not on already. Where <c>CONFIG</c> is forbidden the bridge logs one warning and works by its timer. When false, the
    /// scheduler sends no <c>CONFIG</c> command at all. Default: true.
    /// </summary>
    public bool EnableKeyspaceEvents { get; set; } = true;

    /// <summary>
    /// Whether <see cref="IRedisScheduledMessages.Show" /> (and so the dashboard and the <c>scheduler</c> tool) returns a
    /// message's body. Bodies hold phone numbers and the like: off by default. Bodies are never logged either way.
    /// </summary>
    public bool ShowMessageBodies { get; set; }

    /// <summary>
    /// For a host that also consumes what its bridge delivers: when the bridge starts, one probe message is sent to the
    /// bus's own endpoint (its temporary queue) and consumed there by a consumer of the scheduler's, created in a scope of
    /// the host's container and run through the idempotent consumer filter when the host uses one, so that the host's first
    /// delivered message does not wait while MassTransit's receive and consume path is compiled (about 20-30 ms on a
    /// 2-core machine). The probe reaches none of the host's consumers, but the host's bus-wide consume filters and
    /// observers, and MassTransit's consume metrics and traces, see it: one probe per start. Off by default.
    /// </summary>
    public bool WarmUpReceivePath { get; set; }

    /// <summary>How long a bridge owns a claimed message before another bridge may take it over. Default: 30 s.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the bridge waits for the broker to confirm one republished message before it gives the message back
    /// with a backoff (a publish can hang when RabbitMQ restarts mid-confirm). The bridge uses at most four fifths of
    /// <see cref="LeaseDuration" />, so that a message is given back before another bridge may take it. Default: 10 s.
    /// </summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most messages a bridge claims (and republishes concurrently) in one round trip. Default: 100.</summary>
    public int ClaimBatchSize { get; set; } = 100;

    /// <summary>
    /// The longest the bridge sleeps between two sweeps of the due index, even when nothing is due: the bound on how late
    /// a message can be when every wake-up signal was lost. Default: 1 s.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many failed deliveries (with the bus healthy) move a message to the dead-letter set. Default: 10.</summary>
    public int MaxDeliveryAttempts { get; set; } = 10;

    /// <summary>The delay before the first redelivery after a failure; it doubles with each attempt. Default: 1 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two redeliveries. Default: 1 minute.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The largest serialized message the scheduler accepts; a larger one is refused with an exception when it is
    /// scheduled, and nothing is stored. Default: 256 KiB.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 256 * 1024;

    /// <summary>How long a scheduling or cancelling call waits for Redis before it fails. Default: 5 s.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many replicas must confirm a scheduling call's write before the call returns (Redis <c>WAIT</c>, sent to the
    /// primary that ran the script, after its reply). Redis replication is asynchronous: with 0, a message acknowledged by a
    /// primary that dies before its replica got it is lost in a failover. With 1 or more, a call whose write fewer replicas
    /// confirmed within <see cref="WaitForReplicasTimeout" /> fails with <see cref="RedisSchedulerUnavailableException" />
    /// (<see cref="RedisSchedulerCallOutcome.NotReplicated" />): the message is on the primary, and scheduling it again with
    /// the same token is safe. Applies to scheduling, cancelling and rescheduling calls, recurring-schedule changes and
    /// filtered dead-letter requeues and deletes (not to the bridge's own writes). These calls then use a connection of their own, since <c>WAIT</c> holds its connection. Default: 0.
    /// </summary>
    public int WaitForReplicas { get; set; }

    /// <summary>
    /// How long Redis waits for <see cref="WaitForReplicas" /> replicas to confirm a write (the <c>WAIT</c> timeout). It holds
    /// the writing connection for that long when a replica is down, and must be shorter than <see cref="OperationTimeout" />.
    /// Default: 1 s (a healthy replica confirms within a millisecond on a LAN).
    /// </summary>
    public TimeSpan WaitForReplicasTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The scheduler endpoint: the queue a worker that runs <c>AddRedisSchedulerConsumers</c> consumes, and where the
    /// registered <c>IRecurringMessageScheduler</c> sends recurring schedules. Binds from <c>RedisScheduler:Endpoint</c>.
    /// </summary>
    public RedisSchedulerEndpointOptions Endpoint { get; } = new();

    /// <summary>
    /// The scheduler endpoint's address, where the registered <c>IRecurringMessageScheduler</c> sends recurring schedules
    /// (and what services with stock MassTransit pass to <c>UseMessageScheduler</c>). Derived from
    /// <see cref="RedisSchedulerEndpointOptions.QueueName" /> (<c>queue:scheduler</c> by default) unless set, for example to
    /// add queue settings such as <c>?autodelete=true</c>.
    /// </summary>
    public Uri SchedulerEndpoint
    {
        get => _schedulerEndpoint ?? new Uri($"queue:{Endpoint.QueueName}");
        set => _schedulerEndpoint = value;
    }

    /// <summary>
    /// The legacy-key adapter: keys written the seed's way (<c>SET SELLER:AAA 1 EX 900</c>) become scheduled messages.
    /// Off until a pattern is mapped: <c>o.LegacyKeys.Map("SELLER:*", key =&gt; new SellerNotification { CorrelationKey = key })</c>.
    /// </summary>
    public LegacyKeyOptions LegacyKeys { get; } = new();

    /// <summary>The channel names set with <see cref="MapChannel{T}" />, by message type.</summary>
    public IReadOnlyDictionary<Type, string> Channels => _channels;

    /// <summary>
    /// Names the channel of a message type, such as <c>SELLER</c> or <c>OPERATOR</c>; the channel is part of the
    /// trigger key. Without a mapping the channel is derived from the type's name: <c>SellerNotification</c> becomes
    /// <c>SELLER</c>.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="channel">Letters, digits and <c>_-.</c> only.</param>
    /// <returns>These options, for chaining.</returns>
    public RedisSchedulerOptions MapChannel<T>(string channel)
        where T : class
    {
        _channels[typeof(T)] = channel;
        return this;
    }
}

using MassTransit;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>How a <see cref="TestBus" /> is set up.</summary>
public sealed class TestBusSettings
{
    /// <summary>Run the bridge in this host.</summary>
    public bool Bridge { get; set; } = true;

    /// <summary>Run the consumers (and their queue) in this host.</summary>
    public bool Consumers { get; set; } = true;

    /// <summary>The Redis key prefix; by default the run's own.</summary>
    public string? KeyPrefix { get; set; }

    /// <summary>The Redis to use; by default <see cref="TestServers.Redis" />.</summary>
    public string? Redis { get; set; }

    /// <summary>The scheduler's <see cref="RedisSchedulerOptions.Partitions" />; by default the option's default.</summary>
    public int? Partitions { get; set; }

    /// <summary>The run id whose messages this bus records; by default a new one.</summary>
    public string? RunId { get; set; }

    /// <summary>Adjusts the scheduler's options after the test defaults.</summary>
    public Action<RedisSchedulerOptions>? Scheduler { get; set; }

    /// <summary>Run the scheduler endpoint (<c>AddRedisSchedulerConsumers</c>) on this queue.</summary>
    public string? SchedulerEndpoint { get; set; }

    /// <summary>Use no part of this package: stock MassTransit's <c>AddMessageScheduler</c>/<c>UseMessageScheduler</c>
    /// with this scheduler queue address, as a service owned by another team would.</summary>
    public Uri? StockSchedulerAddress { get; set; }

    /// <summary>When set, every log line of the host at every level goes here too.</summary>
    public ListLoggerProvider? Logs { get; set; }

    /// <summary>Use the idempotent consumer's marks (<c>AddRedisIdempotentConsumers</c>) in this host.</summary>
    public bool IdempotentConsumers { get; set; }

    /// <summary>When set, sees every message any consumer of this host's bus consumes.</summary>
    public IConsumeObserver? ConsumeObserver { get; set; }
}

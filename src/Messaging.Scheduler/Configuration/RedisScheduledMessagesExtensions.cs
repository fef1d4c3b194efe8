using Messaging.Scheduler;
using Messaging.Scheduler.Inspection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MassTransit;

/// <summary>
/// Registers <see cref="IRedisScheduledMessages" /> (and <see cref="IRedisSchedulerDeadLetters" />) in a host that has no
/// MassTransit bus, for example a command-line tool or a dashboard that runs apart from the services. A host that calls
/// <c>AddRedisMessageScheduler</c> has them already.
/// </summary>
public static class RedisScheduledMessagesExtensions
{
    /// <summary>
    /// Adds <see cref="IRedisScheduledMessages" /> on the scheduler's Redis store. Options bind from the <c>RedisScheduler</c>
    /// configuration section when one exists, then <paramref name="configure" /> runs; they are validated on first use
    /// (and when the host starts, for a host).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options: the Redis connection, key prefix and partitions must be those the scheduler
    /// writes with.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddRedisScheduledMessages(this IServiceCollection services, Action<RedisSchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<RedisSchedulerOptions>().Configure<IServiceProvider>((o, provider) =>
            provider.GetService<IConfiguration>()?.GetSection(RedisSchedulerOptions.SectionName).Bind(o));
        if (configure != null)
            options.Configure(configure);
        options.ValidateOnStart();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisSchedulerOptions>, RedisSchedulerOptionsValidator>());
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<RedisScheduleStore>();
        services.TryAddSingleton<IRedisSchedulerDeadLetters, RedisDeadLetters>();
        AddInspection(services);
        return services;
    }

    /// <summary>The query and steering API's own services, on a store registered already.</summary>
    internal static void AddInspection(IServiceCollection services)
    {
        services.TryAddSingleton<ScheduleCounts>();
        services.TryAddSingleton<ScheduleSteering>();
        services.TryAddSingleton<ScheduleBrowser>();
        services.TryAddSingleton<BridgeRegistry>();
        services.TryAddSingleton<IRedisScheduledMessages, RedisScheduledMessages>();
    }
}

using MassTransit.DependencyInjection;
using Messaging.Scheduler;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// Extension methods live in MassTransit's namespace, as MassTransit's own integrations do, so that they show up on `x.`.
namespace MassTransit;

/// <summary>
/// Registers the Redis message scheduler with MassTransit's registration configurator (<c>services.AddMassTransit(x =&gt; ...)</c>).
/// </summary>
public static class RedisSchedulerRegistrationExtensions
{
    /// <summary>
    /// Adds the Redis message scheduler: a scoped <see cref="IMessageScheduler" /> that stores scheduled messages in Redis,
    /// for code outside consumers, and a scoped <see cref="IRecurringMessageScheduler" /> that sends recurring schedules to
    /// the scheduler endpoint (<see cref="RedisSchedulerOptions.SchedulerEndpoint" />). Call <c>cfg.UseRedisMessageScheduler(context)</c> on the bus as well, so that
    /// <c>ConsumeContext.SchedulePublish</c> and friends use it inside consumers. Options bind from the
    /// <c>RedisScheduler</c> configuration section when one exists, then <paramref name="configure" /> runs; they are
    /// validated when the host starts.
    /// </summary>
    /// <param name="configurator">The registration configurator.</param>
    /// <param name="configure">Sets the options, for example the Redis connection and key prefix.</param>
    public static void AddRedisMessageScheduler(this IBusRegistrationConfigurator configurator, Action<RedisSchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configurator);

        // Bind the section when the host has configuration; a bare ServiceCollection works too.
        var options = configurator.AddOptions<RedisSchedulerOptions>().Configure<IServiceProvider>((o, provider) =>
            provider.GetService<IConfiguration>()?.GetSection(RedisSchedulerOptions.SectionName).Bind(o));
        if (configure != null)
            options.Configure(configure);
        options.ValidateOnStart();

        configurator.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisSchedulerOptions>, RedisSchedulerOptionsValidator>());
        configurator.AddMetrics();
        configurator.TryAddSingleton(TimeProvider.System);
        configurator.TryAddSingleton<RedisConnection>();
        configurator.TryAddSingleton<RedisScheduleStore>();
        configurator.TryAddSingleton<SchedulerInstruments>();
        configurator.TryAddSingleton<ScheduleWriter>();
        configurator.TryAddSingleton<ServerSettingsCheck>();
        configurator.TryAddSingleton<IRedisSchedulerDeadLetters, RedisDeadLetters>();
        RedisScheduledMessagesExtensions.AddInspection(configurator);
        configurator.AddHealthChecks().AddCheck<RedisSchedulerHealthCheck>(RedisSchedulerHealthCheck.Name, tags: ["ready", "scheduler"]);
        configurator.TryAddSingleton<RedisSchedulerFactory>();
        configurator.TryAddScoped(provider =>
        {
            var consumeContexts = provider.GetService<IScopedConsumeContextProvider>();
            var consumeContext = consumeContexts is { HasContext: true } ? consumeContexts.GetContext() : null;
            return provider.GetRequiredService<RedisSchedulerFactory>().Create(provider.GetRequiredService<IBus>(), consumeContext);
        });

        // Recurring schedules go through the scheduler endpoint, with MassTransit's own commands and client.
        configurator.TryAddScoped<IRecurringMessageScheduler>(provider => new MassTransit.Scheduling.EndpointRecurringMessageScheduler(
            provider.GetRequiredService<ISendEndpointProvider>(), provider.GetRequiredService<IOptions<RedisSchedulerOptions>>().Value.SchedulerEndpoint,
            provider.GetRequiredService<IBus>().Topology));
    }

    /// <summary>
    /// Runs the bridge in this host: the hosted service that republishes due messages from Redis onto the bus, with their
    /// original MessageId and headers. Run it in the worker (one or more instances); producers need only
    /// <see cref="AddRedisMessageScheduler" />. Calls <see cref="AddRedisMessageScheduler" /> if it was not called.
    /// </summary>
    /// <param name="configurator">The registration configurator.</param>
    /// <param name="configure">Sets the options, as in <see cref="AddRedisMessageScheduler" />.</param>
    public static void AddRedisSchedulerBridge(this IBusRegistrationConfigurator configurator, Action<RedisSchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configurator);

        if (!configurator.Any(d => d.ServiceType == typeof(RedisSchedulerFactory)))
            configurator.AddRedisMessageScheduler(configure);
        else if (configure != null)
            configurator.Configure(configure);

        configurator.TryAddSingleton<WakeSignal>();
        configurator.TryAddSingleton<TriggerListener>();
        configurator.TryAddSingleton<BusHealthGate>();
        configurator.TryAddSingleton<ConnectionBlocking>();
        configurator.TryAddSingleton<DeliveryPolicy>();
        configurator.TryAddSingleton<ScheduledMessageDispatcher>();
        configurator.TryAddTransient<ReceiveWarmUpConsumer>();
        configurator.TryAddSingleton<PartitionAcknowledgements>();
        configurator.TryAddSingleton<MessageDelivery>();
        configurator.AddHostedService<SchedulerBridge>();
        configurator.AddHostedService<BridgeReporter>();

        // The legacy-key adapter: runs only when RedisSchedulerOptions.LegacyKeys maps a pattern.
        configurator.TryAddSingleton<LegacyInstruments>();
        configurator.TryAddSingleton<LegacyKeyImporter>();
        configurator.TryAddSingleton<LegacyKeyAdapter>();
        configurator.AddHostedService(provider => provider.GetRequiredService<LegacyKeyAdapter>());
    }

    /// <summary>
    /// Runs the scheduler endpoint in this host: consumers for <c>ScheduleMessage</c>, <c>CancelScheduledMessage</c> and the
    /// recurring commands (<c>ScheduleRecurringMessage</c>, cancel, pause, resume) on
    /// a queue (<c>scheduler</c> by default), so that services with stock MassTransit only configure
    /// <c>x.AddMessageScheduler(new Uri("queue:scheduler"))</c> and <c>cfg.UseMessageScheduler(new Uri("queue:scheduler"))</c>,
    /// as for Quartz or Hangfire, and need neither this package nor a Redis connection. Messages go into the same store as
    /// the direct provider's. <c>cfg.ConfigureEndpoints(context)</c> creates the endpoint. Calls
    /// <see cref="AddRedisMessageScheduler" /> if it was not called.
    /// </summary>
    /// <param name="configurator">The registration configurator.</param>
    /// <param name="configure">Sets the queue name, prefetch count and concurrency, after the
    /// <c>RedisScheduler:Endpoint</c> configuration section was bound.</param>
    public static void AddRedisSchedulerConsumers(this IBusRegistrationConfigurator configurator, Action<RedisSchedulerEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configurator);

        if (!configurator.Any(d => d.ServiceType == typeof(RedisSchedulerFactory)))
            configurator.AddRedisMessageScheduler();

        if (configure != null)
            configurator.Configure<RedisSchedulerOptions>(o => configure(o.Endpoint));

        configurator.TryAddSingleton<SchedulerEndpointDefinition>();
        configurator.AddConsumer<ScheduleMessageConsumer, ScheduleMessageConsumerDefinition>();
        configurator.AddConsumer<CancelScheduledMessageConsumer, CancelScheduledMessageConsumerDefinition>();
        configurator.AddConsumer<PauseScheduledMessageConsumer, PauseScheduledMessageConsumerDefinition>();
    }
}

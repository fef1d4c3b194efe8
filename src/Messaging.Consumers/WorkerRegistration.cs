using MassTransit;
using Messaging.Contracts;
using Messaging.Scheduler;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Messaging.Consumers;

/// <summary>
/// The worker's whole MassTransit set-up, in one place so that the tests run exactly what the worker runs:
/// RabbitMQ, the Redis scheduler and its bridge, and the two notification consumers.
/// </summary>
public static class WorkerRegistration
{
    /// <summary>
    /// Adds the worker to <paramref name="services" />. Connections come from configuration: <c>ConnectionStrings:RabbitMq</c>
    /// (an <c>amqp://user:password@host:port/vhost</c> URI) and <c>ConnectionStrings:Redis</c> (a StackExchange.Redis
    /// configuration string); the <c>RedisScheduler</c> section sets the scheduler's options.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The host's configuration.</param>
    /// <param name="configureScheduler">Adjusts the scheduler options after configuration was read (tests use it for their key prefix).</param>
    public static IServiceCollection AddNotificationWorker(this IServiceCollection services, IConfiguration configuration,
        Action<RedisSchedulerOptions>? configureScheduler = null)
    {
        services.TryAddSingleton<ISmsSender, LoggingSmsSender>();

        services.AddMassTransit(x =>
        {
            x.AddRedisSchedulerBridge(options =>
            {
                options.Configuration = configuration.GetConnectionString("Redis") ?? options.Configuration;
                options.MapChannel<SellerNotification>(SellerNotificationConsumer.Channel);
                options.MapChannel<OperatorNotification>(OperatorNotificationConsumer.Channel);
                // This worker consumes what its bridge delivers: the first SMS after a start should not wait while
                // MassTransit compiles the consume path.
                options.WarmUpReceivePath = true;
                if (configuration.GetValue<bool>(LegacyKeysSetting))
                    MapLegacyKeys(options);
                configureScheduler?.Invoke(options);
            });

            // The bus's health check, in the worker's readiness (/health/ready) next to the Redis scheduler's.
            x.ConfigureHealthCheckOptions(o =>
            {
                o.Name = "masstransit-bus";
                o.Tags.Add("ready");
                o.Tags.Add("masstransit");
            });

            // One SMS per message: a redelivered copy of a message already consumed is acknowledged without a second SMS.
            x.AddRedisIdempotentConsumers();

            // The scheduler endpoint (queue RedisScheduler:Endpoint:QueueName, "scheduler" by default): services with stock
            // MassTransit schedule through it, and recurring schedules live there.
            x.AddRedisSchedulerConsumers();

            x.AddConsumer<SellerNotificationConsumer>((context, c) => c.UseRedisIdempotentConsumer(context));
            x.AddConsumer<OperatorNotificationConsumer>((context, c) => c.UseRedisIdempotentConsumer(context));

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(RabbitMqAddress(configuration));
                cfg.UseRedisMessageScheduler(context);
                cfg.ConfigureEndpoints(context);
            });
        });

        return services;
    }

    /// <summary>The setting (<c>Worker:LegacyKeys</c>, true or false) that turns on the legacy-key adapter in the worker.</summary>
    public const string LegacyKeysSetting = "Worker:LegacyKeys";

    /// <summary>
    /// Maps the seed's keys to the notifications: <c>SET SELLER:AAA 1 EX 900</c> becomes a <see cref="SellerNotification" />
    /// with <c>CorrelationKey = "AAA"</c> in 900 s, <c>OPERATOR:BBB</c> an <see cref="OperatorNotification" />.
    /// </summary>
    /// <param name="options">The scheduler's options.</param>
    public static void MapLegacyKeys(RedisSchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LegacyKeys
            .Map("SELLER:*", key => new SellerNotification { CorrelationKey = key })
            .Map("OPERATOR:*", key => new OperatorNotification { CorrelationKey = key });
    }

    /// <summary>
    /// The RabbitMQ address from <c>ConnectionStrings:RabbitMq</c>, or <c>amqp://guest:guest@localhost:5672/</c>.
    /// </summary>
    /// <param name="configuration">The host's configuration.</param>
    public static Uri RabbitMqAddress(IConfiguration configuration)
    {
        var text = configuration.GetConnectionString("RabbitMq");
        if (string.IsNullOrWhiteSpace(text))
            return new Uri("amqp://guest:guest@localhost:5672/");

        if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || address.Scheme is not ("amqp" or "amqps" or "rabbitmq" or "rabbitmqs"))
            throw new InvalidOperationException("ConnectionStrings:RabbitMq must be a URI such as 'amqp://user:password@host:5672/vhost'; the value given is not one.");

        return address;
    }
}

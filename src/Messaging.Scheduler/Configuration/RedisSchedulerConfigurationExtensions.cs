using Microsoft.Extensions.DependencyInjection;

namespace MassTransit;

/// <summary>
/// Puts the Redis message scheduler on a bus (<c>x.UsingRabbitMq((context, cfg) =&gt; cfg.UseRedisMessageScheduler(context))</c>).
/// </summary>
public static class RedisSchedulerConfigurationExtensions
{
    /// <summary>
    /// Makes <c>ConsumeContext.SchedulePublish</c>, <c>ScheduleSend</c>, <c>CancelScheduledSend</c> and the rest of
    /// MassTransit's scheduling API store messages in Redis, for every consumer on this bus. Needs
    /// <c>x.AddRedisMessageScheduler()</c> in the registration.
    /// </summary>
    /// <param name="configurator">The bus configurator.</param>
    /// <param name="context">The registration context passed to <c>UsingRabbitMq</c>.</param>
    public static void UseRedisMessageScheduler(this IBusFactoryConfigurator configurator, IRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        ArgumentNullException.ThrowIfNull(context);

        var factory = context.GetService<RedisSchedulerFactory>()
            ?? throw new InvalidOperationException(
                "UseRedisMessageScheduler needs the scheduler's services: call x.AddRedisMessageScheduler(...) (or x.AddRedisSchedulerBridge(...)) inside AddMassTransit.");

        configurator.AddPrePipeSpecification(new RedisMessageSchedulerSpecification(factory));
    }
}

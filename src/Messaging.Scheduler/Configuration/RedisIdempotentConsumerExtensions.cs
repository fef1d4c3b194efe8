using Messaging.Scheduler;
using Messaging.Scheduler.Consuming;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MassTransit;

/// <summary>
/// The idempotent consumer: <c>x.AddConsumer&lt;SellerNotificationConsumer&gt;((context, c) =&gt; c.UseRedisIdempotentConsumer(context))</c>.
/// </summary>
public static class RedisIdempotentConsumerExtensions
{
    /// <summary>
    /// Sets the idempotent consumer's options (they bind from <c>RedisScheduler:IdempotentConsumer</c> first, and are
    /// validated when the host starts). Optional: <see cref="UseRedisIdempotentConsumer{TConsumer}" /> works with the
    /// defaults. Calls <c>AddRedisMessageScheduler</c> if it was not called, for the Redis connection.
    /// </summary>
    /// <param name="configurator">The registration configurator.</param>
    /// <param name="configure">Sets the options.</param>
    public static void AddRedisIdempotentConsumers(this IBusRegistrationConfigurator configurator, Action<RedisIdempotentConsumerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configurator);
        if (!configurator.Any(d => d.ServiceType == typeof(RedisSchedulerFactory)))
            configurator.AddRedisMessageScheduler();

        var options = configurator.AddOptions<RedisIdempotentConsumerOptions>().Configure<IServiceProvider>((o, provider) =>
            provider.GetService<IConfiguration>()?.GetSection(RedisIdempotentConsumerOptions.SectionName).Bind(o));
        if (configure != null)
            options.Configure(configure);
        options.Validate(o => RedisIdempotentConsumerOptionsCheck.Problem(o) == null, "RedisScheduler:IdempotentConsumer is not valid").ValidateOnStart();
        configurator.TryAddSingleton<ConsumedMarks>();
    }

    /// <summary>
    /// Makes this consumer idempotent by MessageId, with marks in Redis: a message it already consumed successfully is
    /// acknowledged without running it again (for <see cref="RedisIdempotentConsumerOptions.Retention" />, 7 days by
    /// default); a copy that arrives while another worker runs it waits, never runs in parallel; a consumer that threw
    /// leaves no mark, so that retries run it. Needs <c>AddRedisMessageScheduler</c> (or <c>AddRedisSchedulerBridge</c>) for
    /// the Redis connection.
    /// </summary>
    /// <typeparam name="TConsumer">The consumer.</typeparam>
    /// <param name="configurator">The consumer's configurator (<c>x.AddConsumer&lt;T&gt;((context, c) =&gt; ...)</c> or a
    /// consumer definition's <c>ConfigureConsumer</c>).</param>
    /// <param name="context">The registration context.</param>
    public static void UseRedisIdempotentConsumer<TConsumer>(this IConsumerConfigurator<TConsumer> configurator, IRegistrationContext context)
        where TConsumer : class
    {
        ArgumentNullException.ThrowIfNull(configurator);
        ArgumentNullException.ThrowIfNull(context);
        var marks = context.GetService<ConsumedMarks>() ?? ActivatorUtilities.CreateInstance<ConsumedMarks>(context);
        if (RedisIdempotentConsumerOptionsCheck.Problem(marks.Options) is { } problem)
            throw new OptionsValidationException(RedisIdempotentConsumerOptions.SectionName, typeof(RedisIdempotentConsumerOptions), [problem]);

        var logger = context.GetService<ILoggerFactory>()?.CreateLogger("Messaging.Scheduler.IdempotentConsumer") ?? NullLogger.Instance;
        configurator.UseFilter(new RedisIdempotentConsumerFilter<TConsumer>(marks, logger));
    }
}

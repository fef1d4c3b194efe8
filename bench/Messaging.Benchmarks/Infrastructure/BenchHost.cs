using MassTransit;
using Messaging.Contracts;
using Messaging.Scheduler;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// One MassTransit host of a run, in this process: a producer, a worker (bridge + counting consumer) or the raw ceiling's
/// publisher-and-consumer. Each run uses its own key prefix and its own queue (auto-delete, deleted again on dispose).
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    /// <summary>The consumer endpoint's prefetch, the same for the worker and the raw ceiling.</summary>
    public const int PrefetchCount = 100;

    readonly IHost _host;
    readonly BenchContext _bench;
    readonly AsyncServiceScope _scope;

    BenchHost(IHost host, BenchContext bench, string? queueName)
    {
        _host = host;
        _bench = bench;
        QueueName = queueName;
        _scope = host.Services.CreateAsyncScope();
    }

    public string? QueueName { get; }

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    /// <summary>The host's services (the inspection workload switches the store's counting off through them).</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>The IMessageScheduler the registration provides (producer and worker).</summary>
    public IMessageScheduler Scheduler => _scope.ServiceProvider.GetRequiredService<IMessageScheduler>();

    /// <summary>When the bridge was started (worker only).</summary>
    public StartMarker? Marker => _host.Services.GetService<StartMarker>();

    /// <summary>Builds and starts a host; returns once the bus is up (MassTransit's WaitUntilStarted).</summary>
    /// <param name="bench">The benchmark's servers and settings.</param>
    /// <param name="role">What to run.</param>
    /// <param name="keyPrefix">The run's key prefix.</param>
    /// <param name="tracker">The run's tracker (worker and raw).</param>
    /// <param name="configure">Adjusts the scheduler options (e.g. TriggerKeys) after the benchmark's own settings.</param>
    /// <param name="idempotent">Puts the idempotent-consumer filter (<c>UseRedisIdempotentConsumer</c>) on the counting consumer.</param>
    public static async Task<BenchHost> Start(BenchContext bench, HostRole role, string keyPrefix, RunTracker? tracker = null,
        Action<RedisSchedulerOptions>? configure = null, bool idempotent = false)
    {
        var queueName = role == HostRole.Producer ? null : "bench-" + keyPrefix.TrimEnd(':').Replace(':', '-');
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
        }).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        if (tracker != null)
            builder.Services.AddSingleton(tracker);

        builder.Services.AddMassTransit(x =>
        {
            void Options(RedisSchedulerOptions o)
            {
                o.Configuration = bench.Redis.Configuration;
                o.KeyPrefix = keyPrefix;
                o.MapChannel<SellerNotification>("SELLER");
                configure?.Invoke(o);
            }

            switch (role)
            {
                case HostRole.Producer:
                    x.AddRedisMessageScheduler(Options);
                    break;
                case HostRole.Worker:
                    x.AddRedisMessageScheduler(Options);
                    // Between MassTransit's hosted service (registered by AddMassTransit before this callback) and the bridge's.
                    x.AddSingleton(bench.Pids);
                    x.AddSingleton<StartMarker>();
                    x.AddSingleton<IHostedService>(p => p.GetRequiredService<StartMarker>());
                    x.AddRedisSchedulerBridge();
                    break;
            }

            if (role != HostRole.Producer && idempotent)
                x.AddConsumer<CountingConsumer>((context, c) => c.UseRedisIdempotentConsumer(context));
            else if (role != HostRole.Producer)
                x.AddConsumer<CountingConsumer>();

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(bench.RabbitMq);
                if (role != HostRole.Raw)
                    cfg.UseRedisMessageScheduler(context);
                if (queueName != null)
                {
                    cfg.ReceiveEndpoint(queueName, e =>
                    {
                        e.Durable = !bench.Options.Transient;
                        e.AutoDelete = true;
                        e.PrefetchCount = PrefetchCount;
                        e.ConfigureConsumer<CountingConsumer>(context);
                    });
                }
            });
        });

        var host = builder.Build();
        try
        {
            await host.StartAsync(bench.Cancellation);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new BenchHost(host, bench, queueName);
    }

    public async ValueTask DisposeAsync()
    {
        await _scope.DisposeAsync();
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _host.StopAsync(stop.Token);
        }
        finally
        {
            _host.Dispose();
            if (QueueName != null)
                await _bench.Management.DeleteQueueAndExchange(QueueName);
        }
    }
}

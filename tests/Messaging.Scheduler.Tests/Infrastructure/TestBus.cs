using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>
/// A real host for one test: MassTransit on the real RabbitMQ, the Redis scheduler on the real Redis under a key prefix
/// of its own, optionally the bridge, and the recording consumers on a queue of its own (auto-deleted).
/// </summary>
public sealed class TestBus : IAsyncDisposable
{
    readonly IHost _host;

    TestBus(IHost host, string runId, string keyPrefix, string queueName, Uri? queueAddress, DeliveryLog log)
    {
        QueueAddress = queueAddress;
        _host = host;
        RunId = runId;
        KeyPrefix = keyPrefix;
        QueueName = queueName;
        Log = log;
    }

    public string RunId { get; }
    public string KeyPrefix { get; }
    public string QueueName { get; }

    /// <summary>The consumers' queue, with its declaration settings, for a scheduled send.</summary>
    public Uri? QueueAddress { get; }
    public DeliveryLog Log { get; }

    public IServiceProvider Services => _host.Services;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    /// <summary>The <see cref="IMessageScheduler" /> the registration provides for code outside consumers.</summary>
    public IMessageScheduler Scheduler => _host.Services.CreateScope().ServiceProvider.GetRequiredService<IMessageScheduler>();

    /// <summary>The <see cref="IRecurringMessageScheduler" /> the registration provides (it sends to the scheduler endpoint).</summary>
    public IRecurringMessageScheduler RecurringScheduler => _host.Services.CreateScope().ServiceProvider.GetRequiredService<IRecurringMessageScheduler>();

    public static async Task<TestBus> Start(string testName, Action<TestBusSettings>? configure = null)
    {
        await TestServers.EnsureRabbitMq();
        await TestServers.RedisDatabase();

        var settings = new TestBusSettings();
        configure?.Invoke(settings);

        var runId = settings.RunId ?? TestServers.UniqueName(testName);
        var keyPrefix = settings.KeyPrefix ?? runId + ":";
        var queueName = TestServers.UniqueName(testName);
        var log = new DeliveryLog(runId);
        Uri? queueAddress = null;

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(log);
        if (settings.Logs is { } logs)
            builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddMassTransit(x =>
        {
            void Options(RedisSchedulerOptions o)
            {
                o.Configuration = settings.Redis ?? TestServers.Redis;
                o.KeyPrefix = keyPrefix;
                if (settings.Partitions is { } partitions)
                    o.Partitions = partitions;
                if (settings.SchedulerEndpoint is { } queue)
                    o.SchedulerEndpoint = SchedulerQueueAddress(queue);
                settings.Scheduler?.Invoke(o);
            }

            if (settings.StockSchedulerAddress is { } stock)
                x.AddMessageScheduler(stock);
            else if (settings.Bridge)
                x.AddRedisSchedulerBridge(Options);
            else
                x.AddRedisMessageScheduler(Options);

            if (settings.SchedulerEndpoint is { } endpoint)
                x.AddRedisSchedulerConsumers(o => o.QueueName = endpoint);

            if (settings.IdempotentConsumers)
                x.AddRedisIdempotentConsumers();

            x.AddConfigureEndpointsCallback((_, cfg) =>
            {
                if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit)
                    rabbit.AutoDelete = true;
            });

            if (settings.Consumers)
            {
                x.AddConsumer<ProbeConsumer>();
                x.AddConsumer<SchedulingConsumer>();
            }

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(TestServers.RabbitMq);
                if (settings.StockSchedulerAddress is { } stock)
                    cfg.UseMessageScheduler(stock);
                else
                    cfg.UseRedisMessageScheduler(context);

                if (settings.SchedulerEndpoint != null)
                    cfg.ConfigureEndpoints(context, filter => filter.Exclude(typeof(ProbeConsumer), typeof(SchedulingConsumer)));

                if (settings.Consumers)
                {
                    cfg.ReceiveEndpoint(queueName, e =>
                    {
                        e.AutoDelete = true;
                        e.Durable = false;
                        queueAddress = e.InputAddress;
                        e.ConfigureConsumer<ProbeConsumer>(context);
                        e.ConfigureConsumer<SchedulingConsumer>(context);
                    });
                }
            });
        });

        var host = builder.Build();
        if (settings.ConsumeObserver is { } observer)
            host.Services.GetRequiredService<IBus>().ConnectConsumeObserver(observer);
        await host.StartAsync();
        return new TestBus(host, runId, keyPrefix, queueName, queueAddress, log);
    }

    /// <summary>A test's scheduler queue: deleted by RabbitMQ when the test's worker stops.</summary>
    public static Uri SchedulerQueueAddress(string queue) => new($"queue:{queue}?autodelete=true");

    /// <summary>The keys of the partition the bus's scheduler keeps this token in.</summary>
    internal PartitionKeys PartitionOf(Guid token) => _host.Services.GetRequiredService<RedisScheduleStore>().Keyspace.For(token);

    public ProbeMessage Probe(int number, string text = "probe") => new() { RunId = RunId, Number = number, Text = text };

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

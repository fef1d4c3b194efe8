using MassTransit;
using Messaging.Scheduler.Storage;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Cli.Tests;

/// <summary>
/// A service that schedules with the public scheduler API (MassTransit's <see cref="IMessageScheduler" /> on the Redis
/// scheduler, and recurring schedules through a scheduler endpoint of its own), on a key prefix of its own, without a bridge:
/// what it schedules stays stored for the tool to see and steer.
/// </summary>
public sealed class SchedulerService : IAsyncDisposable
{
    readonly IHost _host;

    SchedulerService(IHost host, string keyPrefix)
    {
        _host = host;
        KeyPrefix = keyPrefix;
    }

    public string KeyPrefix { get; }

    public const string Channel = "PROBE";

    public IMessageScheduler Scheduler => _host.Services.CreateScope().ServiceProvider.GetRequiredService<IMessageScheduler>();

    public IRecurringMessageScheduler RecurringScheduler => _host.Services.CreateScope().ServiceProvider.GetRequiredService<IRecurringMessageScheduler>();

    internal RedisScheduleStore Store => _host.Services.GetRequiredService<RedisScheduleStore>();

    /// <summary>The connection options every run of the tool in the test gets.</summary>
    public string[] Connection => ["--redis", TestServers.Redis, "--prefix", KeyPrefix];

    public static async Task<SchedulerService> Start(string name)
    {
        await TestServers.EnsureRabbitMq();
        var run = TestServers.UniqueName(name);
        var keyPrefix = $"test:{run}:";
        var queue = run + "-scheduler";

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(30);
            o.StopTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddMassTransit(x =>
        {
            x.AddRedisMessageScheduler(o =>
            {
                o.Configuration = TestServers.Redis;
                o.KeyPrefix = keyPrefix;
                o.SchedulerEndpoint = new Uri($"queue:{queue}?autodelete=true");
                o.MapChannel<CliProbe>(Channel);
            });
            x.AddRedisSchedulerConsumers(o => o.QueueName = queue);
            x.AddConfigureEndpointsCallback((_, cfg) =>
            {
                if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit)
                    rabbit.AutoDelete = true;
            });
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(TestServers.RabbitMq);
                cfg.UseRedisMessageScheduler(context);
                cfg.ConfigureEndpoints(context);
            });
        });

        var host = builder.Build();
        await host.StartAsync();
        return new SchedulerService(host, keyPrefix);
    }

    /// <summary>Schedules a message due now, claims it and dead-letters it, as a bridge does after its last failed attempt.</summary>
    public async Task<string> DeadLetter(int number, string reason)
    {
        var scheduled = await Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(-1), new CliProbe { Number = number });
        var token = scheduled.TokenId.ToString("N");
        var partition = Store.Keyspace.For(scheduled.TokenId);
        var claimed = (await Store.Claim(partition, 1000)).Messages.Single(m => m.Token == token);
        await Store.Release(partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, countAttempt: true, attemptsAllowed: 0, reason);
        return token;
    }

    /// <summary>Schedules a message due now and claims it, as a bridge does before it delivers: the message is in flight.</summary>
    public async Task<string> InFlight(int number)
    {
        var scheduled = await Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(-1), new CliProbe { Number = number });
        var token = scheduled.TokenId.ToString("N");
        var partition = Store.Keyspace.For(scheduled.TokenId);
        Assert.Contains((await Store.Claim(partition, 1000)).Messages, m => m.Token == token);
        return token;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
            using var redis = await TestServers.ConnectRedis();
            await TestServers.DeleteRedisKeys(redis, KeyPrefix);
        }
    }
}

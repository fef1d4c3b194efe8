using MassTransit;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Messaging.Scheduler.Tests;

/// <summary>Bad input and misconfiguration: a clear error that says what to fix, and nothing lost or half-written.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task A_message_over_the_size_limit_is_refused_naming_the_limit_and_nothing_is_stored()
    {
        await using var bus = await TestBus.Start(nameof(A_message_over_the_size_limit_is_refused_naming_the_limit_and_nothing_is_stored), s =>
        {
            s.Bridge = false;
            s.Consumers = false;
            s.Scheduler = o => o.MaxMessageBytes = 2048;
        });

        var error = await Assert.ThrowsAsync<MessageTooLargeException>(() =>
            bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMinutes(1), bus.Probe(1, new string('x', 5000))));

        Assert.Contains("2048 bytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("RedisScheduler:MaxMessageBytes", error.Message, StringComparison.Ordinal);
        var db = await TestServers.RedisDatabase();
        Assert.Equal(0, await db.SortedSetLengthAsync($"{bus.KeyPrefix}{{0}}:due"));
        Assert.Equal(0, await db.HashLengthAsync($"{bus.KeyPrefix}{{0}}:entries"));
    }

    [Fact]
    public async Task Invalid_options_stop_the_host_at_start_up_naming_the_option()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddMassTransit(x =>
        {
            x.AddRedisSchedulerBridge(o =>
            {
                o.KeyPrefix = "";
                o.LeaseDuration = TimeSpan.Zero;
            });
            x.UsingInMemory((context, cfg) => cfg.UseRedisMessageScheduler(context));
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("RedisScheduler:KeyPrefix is empty", error.Message, StringComparison.Ordinal);
        Assert.Contains("RedisScheduler:LeaseDuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dead_lettered_messages_can_be_listed_requeued_and_deleted()
    {
        await using var bus = await TestBus.Start(nameof(Dead_lettered_messages_can_be_listed_requeued_and_deleted), s =>
        {
            s.Bridge = false;
            s.Consumers = false;
        });
        var store = bus.Services.GetRequiredService<RedisScheduleStore>();
        var deadLetters = bus.Services.GetRequiredService<IRedisSchedulerDeadLetters>();
        var partition = store.Keyspace.Partitions[0];

        var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(-1), bus.Probe(1));
        var claimed = Assert.Single((await store.Claim(partition)).Messages);
        await store.Release(partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, countAttempt: true, attemptsAllowed: 0, "the broker said no");

        var dead = Assert.Single(await deadLetters.List());
        Assert.Equal(scheduled.TokenId.ToString("N"), dead.Token);
        Assert.Equal("the broker said no", dead.Reason);

        Assert.True(await deadLetters.Requeue(dead.Token));
        Assert.Empty(await deadLetters.List());
        var again = Assert.Single((await store.Claim(partition)).Messages);
        Assert.Equal(0, again.Attempts);

        await store.Release(partition, again.Token, again.LeaseExpiry, TimeSpan.Zero, countAttempt: true, attemptsAllowed: 0, "still no");
        Assert.True(await deadLetters.Delete(again.Token));
        Assert.False(await deadLetters.Delete(again.Token));
        Assert.False(await deadLetters.Requeue(again.Token));
        var db = await TestServers.RedisDatabase();
        Assert.Equal(0, await db.HashLengthAsync(partition.Entries));
    }

    [Fact]
    public async Task An_eviction_policy_or_missing_persistence_degrades_health_and_says_what_to_set()
    {
        await using var unsafeRedis = await RedisServerProcess.Start("--maxmemory-policy", "volatile-lru", "--appendonly", "no");
        await using var safeRedis = await RedisServerProcess.Start("--maxmemory-policy", "noeviction", "--appendonly", "yes");

        var unsafeHealth = await Health(unsafeRedis.Configuration);
        var safeHealth = await Health(safeRedis.Configuration);
        var unreachable = await Health("127.0.0.1:1");

        Assert.Equal(HealthStatus.Degraded, unsafeHealth.Status);
        Assert.Contains("maxmemory-policy noeviction", unsafeHealth.Description, StringComparison.Ordinal);
        Assert.Contains("appendonly yes", unsafeHealth.Description, StringComparison.Ordinal);
        Assert.Equal(HealthStatus.Healthy, safeHealth.Status);
        Assert.Equal(HealthStatus.Unhealthy, unreachable.Status);
    }

    static async Task<HealthReportEntry> Health(string redis)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMassTransit(x =>
        {
            x.AddRedisMessageScheduler(o =>
            {
                o.Configuration = redis;
                o.OperationTimeout = TimeSpan.FromSeconds(1);
            });
            x.UsingInMemory();
        });
        await using var provider = services.BuildServiceProvider();
        var report = await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == RedisSchedulerHealthCheck.Name);
        return report.Entries[RedisSchedulerHealthCheck.Name];
    }
}

using System.Diagnostics;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// Redis faults, each on a redis-server of the test's own (never the shared one, which other tests use): a call that timed
/// out while Redis was paused says that its outcome is unknown (it runs when the pause ends), a call that never reached Redis
/// says nothing was stored; at <c>maxmemory</c> scheduling is refused with a clear error while claiming, acknowledging,
/// releasing, cancelling and dead-lettering go on, and the health check says so.
/// </summary>
public sealed class RedisFaultTests
{
    internal static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_schedule_or_cancel_that_timed_out_while_redis_was_paused_says_its_outcome_is_unknown_and_does_take_effect()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var fixture = await Fixture.Create(redis.Configuration);
        var waiting = Guid.NewGuid();
        await fixture.Store.Schedule(waiting, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message());

        await fixture.Pause(TimeSpan.FromSeconds(4));
        var token = Guid.NewGuid();
        var schedule = await Assert.ThrowsAsync<RedisSchedulerUnavailableException>(() =>
            fixture.Store.Schedule(token, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message()));
        var cancel = await Assert.ThrowsAsync<RedisSchedulerUnavailableException>(() => fixture.Store.Cancel(waiting));

        Assert.Equal(RedisSchedulerCallOutcome.Unknown, schedule.Outcome);
        Assert.Contains("outcome is unknown", schedule.Message, StringComparison.Ordinal);
        Assert.Contains("same token is safe", schedule.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing was stored", schedule.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(RedisSchedulerCallOutcome.Unknown, cancel.Outcome);
        Assert.Contains("Cancelling again is safe", cancel.Message, StringComparison.Ordinal);

        // When the pause ends, Redis runs both: the schedule the caller was told nothing about is stored, the cancel done.
        var db = fixture.Admin.GetDatabase();
        var partition = fixture.Store.Keyspace.For(token);
        await Wait.Until(async () => await db.HashExistsAsync(partition.Entries, SchedulerKeyspace.Format(token)), TimeSpan.FromSeconds(10),
            "the timed-out schedule is stored once the pause ends");

        // Cancelling again, as the message advises, is safe whether or not the first one took effect.
        Assert.Contains(await fixture.Store.Cancel(waiting), new[] { CancelOutcome.Cancelled, CancelOutcome.NotFound });
        Assert.False(await db.HashExistsAsync(partition.Entries, SchedulerKeyspace.Format(waiting)));

        // Scheduling again with the same token, as the message advises, replaces it: one entry.
        await fixture.Store.Schedule(token, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message());
        Assert.Equal(1, await db.SortedSetLengthAsync(partition.Due));
    }

    [Fact]
    public async Task A_schedule_after_the_server_lost_its_scripts_loads_them_again_and_is_stored_once()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var fixture = await Fixture.Create(redis.Configuration);
        var first = Guid.NewGuid();
        await fixture.Store.Schedule(first, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message());

        // A restart or a failover leaves the server without the scripts: the call by SHA-1 is answered NOSCRIPT (and
        // runs nothing), then the script is sent whole.
        await fixture.Admin.GetServer(fixture.Admin.GetEndPoints()[0]).ScriptFlushAsync();
        var second = Guid.NewGuid();
        Assert.NotNull(await fixture.Store.Schedule(second, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message()));

        var db = fixture.Admin.GetDatabase();
        foreach (var token in new[] { first, second })
        {
            var partition = fixture.Store.Keyspace.For(token);
            Assert.NotNull(await db.SortedSetScoreAsync(partition.Due, SchedulerKeyspace.Format(token)));
        }

        long entries = 0;
        foreach (var partition in fixture.Store.Keyspace.Partitions)
            entries += await db.SortedSetLengthAsync(partition.Due);
        Assert.Equal(2, entries);
    }

    [Fact]
    public async Task A_schedule_that_never_reached_redis_says_nothing_was_stored()
    {
        string configuration;
        await using (var stopped = await RedisServerProcess.Start())
            configuration = stopped.Configuration;

        var options = new RedisSchedulerOptions { Configuration = configuration, OperationTimeout = Timeout, KeyPrefix = "t:" };
        await using var connection = new RedisConnection(Options.Create(options));
        var store = new RedisScheduleStore(connection, Options.Create(options));

        var ex = await Assert.ThrowsAsync<RedisSchedulerUnavailableException>(() =>
            store.Schedule(Guid.NewGuid(), DateTime.UtcNow.AddMinutes(1), "A", StoreTestBase.Message()));

        Assert.Equal(RedisSchedulerCallOutcome.NothingChanged, ex.Outcome);
        Assert.Contains("never sent: nothing was stored", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task At_maxmemory_scheduling_is_refused_with_a_clear_error_and_the_rest_keeps_working()
    {
        await using var redis = await RedisServerProcess.Start("--maxmemory-policy", "noeviction");
        await using var fixture = await Fixture.Create(redis.Configuration);
        var store = fixture.Store;
        var partition = store.Keyspace.Partitions[0];
        var db = fixture.Admin.GetDatabase();
        var now = DateTime.UtcNow;
        var tokens = Enumerable.Range(0, 6).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var token in tokens)
            await store.Schedule(token, now.AddSeconds(-1), "A", StoreTestBase.Message());
        var waiting = Guid.NewGuid();
        await store.Schedule(waiting, now.AddMinutes(10), "A", StoreTestBase.Message());
        var recurring = new RecurringDefinition("hourly", "maxmemory", "0 0 * * * ?", "UTC", now, null, MassTransit.Scheduling.MissedEventPolicy.Default);
        await store.Schedule(recurring.Token, now.AddHours(1), "A", StoreTestBase.Message(), recurring: recurring);

        // Redis at its limit: a plain SET is refused.
        await fixture.SetMaxMemory(await fixture.UsedMemory() / 2);
        var set = await Assert.ThrowsAsync<RedisServerException>(() => db.StringSetAsync("filler", "x"));
        Assert.StartsWith("OOM", set.Message, StringComparison.Ordinal);

        // Scheduling is refused at once, says why and that nothing was stored; nothing was.
        var refused = Guid.NewGuid();
        var ex = await Assert.ThrowsAsync<RedisSchedulerOutOfMemoryException>(() =>
            store.Schedule(refused, now.AddMinutes(1), "A", StoreTestBase.Message()));
        Assert.Equal(RedisSchedulerCallOutcome.NothingChanged, ex.Outcome);
        Assert.Contains("'maxmemory'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was stored", ex.Message, StringComparison.Ordinal);
        Assert.False(await db.HashExistsAsync(partition.Entries, SchedulerKeyspace.Format(refused)));
        Assert.Null(await db.SortedSetScoreAsync(partition.Due, SchedulerKeyspace.Format(refused)));
        Assert.Null(await db.SortedSetScoreAsync(partition.InFlight, SchedulerKeyspace.Format(refused)));

        // Claim, acknowledge, release (retry and dead-letter), requeue, cancel (also a cancel command that leaves a marker),
        // pause, resume and cancel a recurring schedule.
        var claimed = (await store.Claim(partition)).Messages;
        Assert.Equal(6, claimed.Count);
        Assert.True(await store.Acknowledge(partition, claimed[0].Token, claimed[0].LeaseExpiry));
        Assert.Equal(ReleaseOutcome.Retried, (await store.Release(partition, claimed[1].Token, claimed[1].LeaseExpiry, TimeSpan.Zero, true, 5, "test")).Outcome);
        Assert.Equal(ReleaseOutcome.DeadLettered, (await store.Release(partition, claimed[2].Token, claimed[2].LeaseExpiry, TimeSpan.Zero, true, 0, "test")).Outcome);
        var deadLetters = new RedisDeadLetters(fixture.Connection, store);
        Assert.True(await deadLetters.Requeue(Guid.ParseExact(claimed[2].Token, "N")));
        Assert.Equal(CancelOutcome.Cancelled, await store.Cancel(waiting));
        Assert.Equal(CancelOutcome.NotFound, await store.Cancel(Guid.NewGuid(), DateTime.UtcNow));
        Assert.True(await store.ChangeRecurring(recurring.Token, RecurringChange.Pause));
        Assert.True(await store.ChangeRecurring(recurring.Token, RecurringChange.Resume, now.AddHours(2)));
        Assert.True(await store.ChangeRecurring(recurring.Token, RecurringChange.Cancel));
        Assert.True(await store.AcknowledgeMany(partition, claimed.Skip(3).Select(c => new Acknowledgement(c.Token, c.LeaseExpiry, null)).ToList())
            is [true, true, true]);

        // The health check says so, naming the limit.
        var health = await new RedisSchedulerHealthCheck(new ServerSettingsCheck(fixture.Connection)).CheckHealthAsync(new HealthCheckContext
        {
            Registration = new HealthCheckRegistration(RedisSchedulerHealthCheck.Name, _ => null!, HealthStatus.Unhealthy, null),
        });
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        Assert.Contains("maxmemory", health.Description, StringComparison.Ordinal);

        // Memory back: scheduling works again.
        await fixture.SetMaxMemory(0);
        await store.Schedule(refused, now.AddMinutes(1), "A", StoreTestBase.Message());
        Assert.True(await db.HashExistsAsync(partition.Entries, SchedulerKeyspace.Format(refused)));
    }

    /// <summary>A store on a server of the test's own, connected, and an admin connection to pause it.</summary>
    internal sealed class Fixture : IAsyncDisposable
    {
        Fixture(RedisConnection connection, RedisScheduleStore store, ConnectionMultiplexer admin)
        {
            Connection = connection;
            Store = store;
            Admin = admin;
        }

        public RedisConnection Connection { get; }
        public RedisScheduleStore Store { get; }
        public ConnectionMultiplexer Admin { get; }

        public static Task<Fixture> Create(string configuration) =>
            Create(new RedisSchedulerOptions { Configuration = configuration, OperationTimeout = Timeout, KeyPrefix = "t:" });

        public static async Task<Fixture> Create(RedisSchedulerOptions options)
        {
            var configuration = options.Configuration;
            var connection = new RedisConnection(Options.Create(options));
            var store = new RedisScheduleStore(connection, Options.Create(options));
            await store.Now();
            var admin = await ConnectionMultiplexer.ConnectAsync(configuration + ",allowAdmin=true");
            return new Fixture(connection, store, admin);
        }

        /// <summary><c>CLIENT PAUSE</c> for every command of every client (Redis answers nothing meanwhile).</summary>
        public Task Pause(TimeSpan duration) => Admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", (long)duration.TotalMilliseconds, "ALL");

        public async Task<long> UsedMemory()
        {
            var info = await Admin.GetServer(Admin.GetEndPoints()[0]).InfoAsync("memory");
            return long.Parse(info.SelectMany(s => s).First(p => p.Key == "used_memory").Value, System.Globalization.CultureInfo.InvariantCulture);
        }

        public Task SetMaxMemory(long bytes) => Admin.GetServer(Admin.GetEndPoints()[0]).ConfigSetAsync("maxmemory", bytes);

        public async ValueTask DisposeAsync()
        {
            await Admin.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}

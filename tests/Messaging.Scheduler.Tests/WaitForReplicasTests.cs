using System.Diagnostics;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// <see cref="RedisSchedulerOptions.WaitForReplicas" /> on a primary and a replica of the test's own: a call returns once the
/// replica has its write; with the replica stopped (SIGSTOP) it fails within the timeout saying that the message is on the
/// primary but not on a replica; with 0 no <c>WAIT</c> is sent at all.
/// </summary>
public sealed class WaitForReplicasTests
{
    const int SigStop = 19;
    const int SigCont = 18;

    [Fact]
    public async Task With_one_replica_required_a_schedule_returns_once_the_replica_has_it()
    {
        await using var pair = await Pair.Start();
        await using var fixture = await pair.Store(waitForReplicas: 1);
        var waitsBefore = await pair.WaitCalls();

        // Many at once: each returns only after the replica has its entry (one WAIT may cover several of them).
        var tokens = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToArray();
        await Task.WhenAll(tokens.Select(async token =>
        {
            await fixture.Store.Schedule(token, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message());
            var partition = fixture.Store.Keyspace.For(token);
            Assert.True(await pair.ReplicaDb.HashExistsAsync(partition.Entries, SchedulerKeyspace.Format(token)),
                $"the replica has {token} when the call returns");
        }));

        var cancelled = tokens[0];
        Assert.Equal(CancelOutcome.Cancelled, await fixture.Store.Cancel(cancelled));
        Assert.False(await pair.ReplicaDb.HashExistsAsync(fixture.Store.Keyspace.For(cancelled).Entries, SchedulerKeyspace.Format(cancelled)),
            "the replica no longer has the cancelled message when the cancel returns");

        Assert.True(await pair.WaitCalls() > waitsBefore, "WAIT was sent to the primary");
        Assert.InRange(fixture.Store.ReplicaWaitsSent, 1, tokens.Length + 1);
    }

    [Fact]
    public async Task With_the_replica_stopped_a_schedule_fails_within_the_timeout_saying_the_message_is_on_the_primary_only()
    {
        await using var pair = await Pair.Start();
        var timeout = TimeSpan.FromMilliseconds(500);
        await using var fixture = await pair.Store(waitForReplicas: 1, timeout);
        await fixture.Store.Schedule(Guid.NewGuid(), DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message());

        Assert.True(Posix.Kill(pair.Replica.Pid, SigStop), "the replica is stopped");
        var token = Guid.NewGuid();
        RedisSchedulerUnavailableException ex;
        var watch = Stopwatch.StartNew();
        try
        {
            ex = await Assert.ThrowsAsync<RedisSchedulerUnavailableException>(() =>
                fixture.Store.Schedule(token, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message()));
            watch.Stop();
        }
        finally
        {
            Posix.Kill(pair.Replica.Pid, SigCont);
        }

        // Not before Redis's WAIT timeout, and well before the call's own timeout (3 s).
        Assert.InRange(watch.Elapsed, timeout - TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(2500));
        Assert.Equal(RedisSchedulerCallOutcome.NotReplicated, ex.Outcome);
        Assert.Contains("on the primary but not confirmed on a replica", ex.Message, StringComparison.Ordinal);
        Assert.Contains("only 0 of the 1 replicas", ex.Message, StringComparison.Ordinal);
        Assert.Contains("same token is safe", ex.Message, StringComparison.Ordinal);
        Assert.Contains("WaitForReplicas", ex.Message, StringComparison.Ordinal);
        var partition = fixture.Store.Keyspace.For(token);
        Assert.True(await pair.PrimaryDb.HashExistsAsync(partition.Entries, SchedulerKeyspace.Format(token)), "the message is on the primary");

        // Scheduling again with the same token, as the message says, succeeds once the replica is back: one entry, on both.
        await Wait.Until(async () =>
        {
            try
            {
                await fixture.Store.Schedule(token, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message());
                return true;
            }
            catch (RedisSchedulerUnavailableException e) when (e.Outcome == RedisSchedulerCallOutcome.NotReplicated)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "scheduling again succeeds once the replica runs again");
        Assert.True(await pair.ReplicaDb.HashExistsAsync(partition.Entries, SchedulerKeyspace.Format(token)));
        Assert.Equal(2, await pair.PrimaryDb.SortedSetLengthAsync(partition.Due));
        Assert.Equal(2, await pair.ReplicaDb.SortedSetLengthAsync(partition.Due));
    }

    [Fact]
    public async Task With_zero_no_wait_is_sent()
    {
        await using var pair = await Pair.Start();
        await using var fixture = await pair.Store(waitForReplicas: 0);
        var waitsBefore = await pair.WaitCalls();

        for (var i = 0; i < 20; i++)
            await fixture.Store.Schedule(Guid.NewGuid(), DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message());
        await fixture.Store.Cancel(Guid.NewGuid());

        Assert.Equal(waitsBefore, await pair.WaitCalls());
        Assert.Equal(0, fixture.Store.ReplicaWaitsSent);
    }

    [Fact]
    public async Task A_connection_made_again_between_the_write_and_its_WAIT_does_not_count_as_a_confirmation()
    {
        await using var pair = await Pair.Start();
        await using var fixture = await pair.Store(waitForReplicas: 1, TimeSpan.FromMilliseconds(500));
        await fixture.Store.Schedule(Guid.NewGuid(), DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message());
        var writes = await fixture.Connection.GetForWrites();

        // The replica is stopped: no write made from now on can be on it. Its link stays up. Between the write and its WAIT
        // every client connection to the primary is closed, and the WAIT goes over the connection made again. Redis counts
        // a replica for WAIT once it has the client's last write offset, and a connection's first commands (the client's
        // handshake) set that offset to the primary's at that moment, past the write: the stopped replica is not counted.
        // (A connection whose very first command is WAIT would count it at once: redis-cli shows that on Redis 7.0.)
        Assert.True(Posix.Kill(pair.Replica.Pid, SigStop), "the replica is stopped");
        var token = Guid.NewGuid();
        try
        {
            fixture.Store.AfterWriteForTests = async () =>
            {
                var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                void OnRestored(object? sender, ConnectionFailedEventArgs e)
                {
                    if (e.ConnectionType == ConnectionType.Interactive)
                        restored.TrySetResult();
                }

                writes.ConnectionRestored += OnRestored;
                try
                {
                    await pair.KillClients();
                    await restored.Task.WaitAsync(TimeSpan.FromSeconds(10));
                }
                finally
                {
                    writes.ConnectionRestored -= OnRestored;
                }
            };

            var ex = await Assert.ThrowsAsync<RedisSchedulerUnavailableException>(() =>
                fixture.Store.Schedule(token, DateTime.UtcNow.AddMinutes(10), "A", StoreTestBase.Message()));
            Assert.Equal(RedisSchedulerCallOutcome.NotReplicated, ex.Outcome);
            Assert.Contains("same token is safe", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Store.AfterWriteForTests = null;
            Posix.Kill(pair.Replica.Pid, SigCont);
        }

        var partition = fixture.Store.Keyspace.For(token);
        Assert.True(await pair.PrimaryDb.HashExistsAsync(partition.Entries, SchedulerKeyspace.Format(token)), "the message is on the primary");
    }

    /// <summary>A primary and its replica, on free ports, linked.</summary>
    sealed class Pair : IAsyncDisposable
    {
        Pair(RedisServerProcess primary, RedisServerProcess replica, ConnectionMultiplexer primaryAdmin, ConnectionMultiplexer replicaAdmin)
        {
            Primary = primary;
            Replica = replica;
            PrimaryAdmin = primaryAdmin;
            ReplicaAdmin = replicaAdmin;
        }

        public RedisServerProcess Primary { get; }
        public RedisServerProcess Replica { get; }
        ConnectionMultiplexer PrimaryAdmin { get; }
        ConnectionMultiplexer ReplicaAdmin { get; }
        public IDatabase PrimaryDb => PrimaryAdmin.GetDatabase();
        public IDatabase ReplicaDb => ReplicaAdmin.GetDatabase();

        public static async Task<Pair> Start()
        {
            var primary = await RedisServerProcess.Start();
            var replica = await RedisServerProcess.Start("--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var primaryAdmin = await ConnectionMultiplexer.ConnectAsync(primary.Configuration + ",allowAdmin=true");
            var replicaAdmin = await ConnectionMultiplexer.ConnectAsync(replica.Configuration + ",allowAdmin=true");
            var pair = new Pair(primary, replica, primaryAdmin, replicaAdmin);
            await Wait.Until(async () => (await Info(replicaAdmin, "replication")).GetValueOrDefault("master_link_status") == "up"
                                         && (await Info(primaryAdmin, "replication")).GetValueOrDefault("connected_slaves") == "1",
                TimeSpan.FromSeconds(20), "the replica is linked to the primary");
            return pair;
        }

        public async Task<RedisFaultTests.Fixture> Store(int waitForReplicas, TimeSpan? timeout = null)
        {
            var options = new RedisSchedulerOptions
            {
                Configuration = Primary.Configuration, OperationTimeout = TimeSpan.FromSeconds(3), KeyPrefix = "w:", WaitForReplicas = waitForReplicas,
                WaitForReplicasTimeout = timeout ?? TimeSpan.FromSeconds(1),
            };
            Assert.True(new RedisSchedulerOptionsValidator().Validate(null, options).Succeeded);
            return await RedisFaultTests.Fixture.Create(options);
        }

        /// <summary>Closes every client connection to the primary but the admin's own (not the replica's link).</summary>
        public Task KillClients() => PrimaryDb.ExecuteAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");

        /// <summary>How many WAIT commands the primary has run (INFO commandstats).</summary>
        public async Task<long> WaitCalls()
        {
            var stats = await Info(PrimaryAdmin, "commandstats");
            if (!stats.TryGetValue("cmdstat_wait", out var line))
                return 0;
            var calls = line.Split(',')[0];
            return long.Parse(calls["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
        }

        static async Task<Dictionary<string, string>> Info(ConnectionMultiplexer admin, string section)
        {
            var info = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync(section);
            return info.SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        }

        public async ValueTask DisposeAsync()
        {
            await PrimaryAdmin.DisposeAsync();
            await ReplicaAdmin.DisposeAsync();
            await Replica.DisposeAsync();
            await Primary.DisposeAsync();
        }
    }
}

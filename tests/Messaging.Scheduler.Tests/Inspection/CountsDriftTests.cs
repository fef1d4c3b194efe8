using System.Globalization;
using Messaging.Scheduler.Tests.Infrastructure;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>The counts never drift: after a random (seeded) mix of every operation that changes entries, and bridges that
/// die holding claims, <see cref="IRedisScheduledMessages.Counts" /> equals a full scan of the partitions' keys.</summary>
/// <remarks>The seed is in every failure message; <c>DRIFT_SEED</c> runs another one.</remarks>
public abstract class CountsDriftTestBase(string name, int partitions, int seed, string? configuration = null)
    : InspectionTestBase(name, new RedisSchedulerOptions
    {
        Configuration = configuration ?? TestServers.Redis, Partitions = partitions, LeaseDuration = TimeSpan.FromMilliseconds(400),
    })
{
    static readonly string?[] Types = ["urn:message:Contracts:Notice", "urn:message:Contracts:Reminder", null];
    static readonly string[] Destinations = ["rabbitmq://localhost/sellers", "rabbitmq://localhost/buyers"];
    static readonly string[] Channels = ["SELLER", "BUYER"];
    static readonly string[] RecurringIds = ["r1", "r2", "r3", "r4"];

    readonly int _seed = int.TryParse(Environment.GetEnvironmentVariable("DRIFT_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var chosen)
        ? chosen
        : seed;

    [Fact]
    public async Task Counts_equal_a_full_scan_after_a_random_mix_of_operations_and_a_bridge_kill()
    {
        var random = new Random(_seed);
        var tokens = new List<Guid>();
        var held = new List<ClaimedMessage>();
        var log = new List<string>();
        var reclaimed = 0L;
        T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

        async Task<DateTime> Due() => random.Next(2) == 0 ? (await RedisUtc()).AddSeconds(-random.Next(1, 60)) : (await RedisUtc()).AddMinutes(random.Next(1, 120));

        async Task<List<string>> DeadTokens()
        {
            var all = new List<string>();
            foreach (var partition in Store.Keyspace.Partitions)
                all.AddRange((await Db.SortedSetRangeByRankAsync(partition.Dead)).Select(t => (string)t!));
            return all;
        }

        async Task Claim()
        {
            var batch = await Store.Claim(Pick(Store.Keyspace.Partitions), random.Next(1, 6));
            reclaimed += batch.Reclaimed;
            held.AddRange(batch.Messages);
        }

        ClaimedMessage TakeHeld()
        {
            var i = random.Next(held.Count);
            var claimed = held[i];
            held.RemoveAt(i);
            return claimed;
        }

        DateTimeOffset? NextOf(ClaimedMessage claimed, long now) =>
            claimed.Recurring is { } occurrence ? occurrence.Next(occurrence.ReadDefinition(), DateTimeOffset.FromUnixTimeMilliseconds(now)) : null;

        for (var step = 0; step < 400; step++)
        {
            var operation = random.Next(19);
            log.Add(operation.ToString(CultureInfo.InvariantCulture));
            switch (operation)
            {
                case 0 or 1 or 2:
                    var token = Guid.NewGuid();
                    tokens.Add(token);
                    await Schedule(token, await Due(), Pick(Channels), Pick(Types), Pick(Destinations));
                    break;
                case 3 when tokens.Count > 0:
                    // Replaced: waiting, in flight, or dead-lettered, whatever it is now.
                    await Schedule(Pick(tokens), await Due(), Pick(Channels), Pick(Types), Pick(Destinations));
                    break;
                case 4 when tokens.Count > 0:
                    await Messages.Cancel(Pick(tokens).ToString());
                    break;
                case 5 or 6:
                    await Claim();
                    break;
                case 7 or 8 when held.Count > 0:
                {
                    var claimed = TakeHeld();
                    var now = await TestServers.RedisNow(Db);
                    await Store.Acknowledge(claimed.Partition, claimed.Token, claimed.LeaseExpiry, NextOf(claimed, now));
                    break;
                }
                case 9 when held.Count > 0:
                {
                    var claimed = TakeHeld();
                    await Store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.FromMilliseconds(random.Next(2) * 60_000), true, 3,
                        "retry " + step);
                    break;
                }
                case 10 when held.Count > 0:
                {
                    var claimed = TakeHeld();
                    var now = await TestServers.RedisNow(Db);
                    var ended = random.Next(4) == 0;
                    await Store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, true, 0, "dead " + step, claimed.Recurring != null,
                        ended ? null : NextOf(claimed, now));
                    break;
                }
                case 11:
                {
                    var dead = await DeadTokens();
                    if (dead.Count > 0)
                    {
                        if (random.Next(2) == 0)
                            await DeadLetters.Requeue(Pick(dead));
                        else
                            await DeadLetters.Delete(Pick(dead));
                    }

                    break;
                }
                case 12:
                {
                    var filter = new ScheduledMessageFilter
                    {
                        MessageType = random.Next(2) == 0 ? Pick(Types)?.Split(':')[^1] : null,
                        Destination = random.Next(3) == 0 ? Pick(Destinations) : null,
                        Channel = random.Next(3) == 0 ? Pick(Channels) : null,
                    };
                    if (random.Next(2) == 0)
                        await Messages.RequeueDeadLetters(filter);
                    else
                        await Messages.DeleteDeadLetters(filter);
                    break;
                }
                case 13:
                {
                    var definition = Hourly(Pick(RecurringIds), (await RedisUtc()).AddHours(-3));
                    await Schedule(definition.Token, await Due(), Pick(Channels), Pick(Types), Pick(Destinations), definition);
                    break;
                }
                case 14:
                {
                    var recurring = Hourly(Pick(RecurringIds), DateTime.UtcNow).Token.ToString();
                    var change = random.Next(3);
                    await (change == 0 ? Messages.PauseRecurring(recurring) : change == 1 ? Messages.ResumeRecurring(recurring) : Messages.Cancel(recurring));
                    break;
                }
                case 15 or 16:
                {
                    var target = random.Next(3) == 0 ? Hourly(Pick(RecurringIds), DateTime.UtcNow).Token : tokens.Count > 0 ? Pick(tokens) : Guid.NewGuid();
                    await (random.Next(2) == 0
                        ? Messages.RunNow(target.ToString())
                        : Messages.Reschedule(target.ToString(), (await RedisUtc()).AddMinutes(random.Next(-5, 30))));
                    break;
                }
                case 17:
                    // A bridge dies: its claims are never answered; their leases run out and later claims take them back.
                    held.Clear();
                    break;
                case 18 when held.Count > 0:
                {
                    // A late answer from a claim that was taken over changes nothing.
                    var claimed = held[random.Next(held.Count)];
                    await Store.Acknowledge(claimed.Partition, claimed.Token, claimed.LeaseExpiry - 1);
                    break;
                }
            }

            if (step % 50 == 49)
                await AssertCountsMatchScan($"seed {_seed}, step {step}, operations {string.Join(' ', log)}");
        }

        // The last bridge dies too; another takes everything back once the leases ran out, and delivers it.
        held.Clear();
        var leases = TimeSpan.FromMilliseconds(400);
        var until = await TestServers.RedisNow(Db) + (long)leases.TotalMilliseconds;
        await Wait.Until(async () => await TestServers.RedisNow(Db) > until, TimeSpan.FromSeconds(10), "the leases ran out");
        foreach (var partition in Store.Keyspace.Partitions)
        {
            var batch = await Store.Claim(partition, 1000);
            reclaimed += batch.Reclaimed;
            foreach (var claimed in batch.Messages)
                await Store.Acknowledge(claimed.Partition, claimed.Token, claimed.LeaseExpiry, NextOf(claimed, batch.Now));
        }

        Assert.True(reclaimed > 0, $"seed {_seed}: no claim was ever taken back from a dead bridge");
        await AssertCountsMatchScan($"seed {_seed}, at the end, operations {string.Join(' ', log)}");
        var counts = await Messages.Counts();
        Assert.True(counts.ByMessageType.Count > 0 && counts.DeadLettered + counts.Waiting > 0, $"seed {_seed}: the mix left nothing to count");
    }
}

/// <summary>The drift test on one partition.</summary>
public sealed class CountsDriftTests() : CountsDriftTestBase("drift1", 1, 20261202);

/// <summary>The drift test on three partitions.</summary>
public sealed class CountsDriftPartitionedTests() : CountsDriftTestBase("drift3", 3, 1010);

using Messaging.Scheduler.Inspection;
using Messaging.Scheduler.Tests.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>A store test that also has <see cref="IRedisScheduledMessages" /> (as <c>AddRedisScheduledMessages</c>
/// registers it, on the same store), labelled entries, and a full scan of the partitions to check the counts against.</summary>
public abstract class InspectionTestBase(string name, RedisSchedulerOptions options) : StoreTestBase(name, options)
{
    ServiceProvider? _services;

    internal IRedisScheduledMessages Messages => (_services ??= Services()).GetRequiredService<IRedisScheduledMessages>();

    internal IRedisSchedulerDeadLetters DeadLetters => (_services ??= Services()).GetRequiredService<IRedisSchedulerDeadLetters>();

    ServiceProvider Services()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Options.Create(SchedulerOptions));
        services.AddSingleton(Connection);
        services.AddSingleton(Store);
        services.AddRedisScheduledMessages();
        return services.BuildServiceProvider();
    }

    /// <summary>Stores a whole-envelope message with this message type URN (null: unknown) and destination.</summary>
    internal Task<TimeSpan?> Schedule(Guid token, DateTime dueUtc, string channel, string? messageType, string destination,
        RecurringDefinition? recurring = null)
    {
        var message = new StoredMessage(new Uri(destination), "application/vnd.masstransit+json", new Dictionary<string, object>(), "body"u8.ToArray());
        var encoded = StoredMessageCodec.Encode(message, token).WithLabel(messageType, destination);
        return Store.Schedule(token, dueUtc, channel, encoded, recurring: recurring);
    }

    /// <summary>Claims everything due in the token's partition and returns the one claimed under this token.</summary>
    internal async Task<ClaimedMessage> ClaimOne(Guid token)
    {
        var partition = Store.Keyspace.For(token);
        var batch = await Store.Claim(partition, 1000);
        return Assert.Single(batch.Messages, m => m.Token == token.ToString("N"));
    }

    /// <summary>What the counts should be, from a full scan of every partition's keys: each entry's header and label, and
    /// whether its token is in the dead-letter set.</summary>
    internal async Task<SchedulerCounts> Scan()
    {
        var db = Db;
        long due = 0, overdue = 0, inFlight = 0, dead = 0, recurring = 0, paused = 0;
        var byType = new Dictionary<string, LabelCount>();
        var byDestination = new Dictionary<string, LabelCount>();
        var byChannel = new Dictionary<string, LabelCount>();
        var now = await TestServers.RedisNow(db);
        foreach (var partition in Store.Keyspace.Partitions)
        {
            due += await db.SortedSetLengthAsync(partition.Due);
            overdue += await db.SortedSetLengthAsync(partition.Due, double.NegativeInfinity, now);
            inFlight += await db.SortedSetLengthAsync(partition.InFlight);
            dead += await db.SortedSetLengthAsync(partition.Dead);
            recurring += (await db.HashKeysAsync(partition.Recurring)).Count(k => !((string)k!).EndsWith(":at", StringComparison.Ordinal));
            paused += await db.HashLengthAsync(partition.Paused);
            var names = (await db.HashGetAllAsync(partition.Names)).ToDictionary(n => BitConverter.ToUInt64((byte[])n.Name!), n => (string)n.Value!);
            var deadTokens = (await db.SortedSetRangeByRankAsync(partition.Dead)).Select(t => (string)t!).ToHashSet();
            foreach (var entry in await db.HashGetAllAsync(partition.Entries))
            {
                if (!EntryHeader.TryRead((byte[])entry.Value!, out var header) || header.Label is not { } label)
                    continue;
                var isDead = deadTokens.Contains((string)entry.Name!);
                Add(byType, label.MessageType == 0 ? ScheduleCounts.UnknownType : names[label.MessageType], isDead);
                Add(byDestination, names[label.Destination], isDead);
                Add(byChannel, header.Channel, isDead);
            }
        }

        return new SchedulerCounts
        {
            Waiting = due - overdue, Overdue = overdue, InFlight = inFlight, DeadLettered = dead, RecurringActive = recurring - paused,
            RecurringPaused = paused, ByMessageType = byType, ByDestination = byDestination, ByChannel = byChannel,
        };

        static void Add(Dictionary<string, LabelCount> counts, string name, bool isDead)
        {
            var count = counts.GetValueOrDefault(name);
            counts[name] = isDead ? count with { DeadLettered = count.DeadLettered + 1 } : count with { Pending = count.Pending + 1 };
        }
    }

    /// <summary>Asserts that <see cref="IRedisScheduledMessages.Counts" /> equals the full scan (no entry changes meanwhile).</summary>
    internal async Task AssertCountsMatchScan(string when)
    {
        var counted = await Messages.Counts();
        var scanned = await Scan();
        var context = $"{when}: counted {Describe(counted)}; scanned {Describe(scanned)}";
        Assert.True(counted.Waiting + counted.Overdue == scanned.Waiting + scanned.Overdue, context);
        Assert.True(counted.InFlight == scanned.InFlight && counted.DeadLettered == scanned.DeadLettered, context);
        Assert.True(counted.RecurringActive == scanned.RecurringActive && counted.RecurringPaused == scanned.RecurringPaused, context);
        Assert.True(Same(counted.ByMessageType, scanned.ByMessageType), context);
        Assert.True(Same(counted.ByDestination, scanned.ByDestination), context);
        Assert.True(Same(counted.ByChannel, scanned.ByChannel), context);

        static bool Same(IReadOnlyDictionary<string, LabelCount> a, IReadOnlyDictionary<string, LabelCount> b) =>
            a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other == kv.Value);
    }

    static string Describe(SchedulerCounts c) =>
        $"due {c.Waiting + c.Overdue}, in flight {c.InFlight}, dead {c.DeadLettered}, recurring {c.RecurringActive}+{c.RecurringPaused} paused, " +
        $"types [{string.Join(", ", c.ByMessageType.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value.Pending}/{kv.Value.DeadLettered}"))}], " +
        $"destinations [{string.Join(", ", c.ByDestination.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value.Pending}/{kv.Value.DeadLettered}"))}], " +
        $"channels [{string.Join(", ", c.ByChannel.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value.Pending}/{kv.Value.DeadLettered}"))}]";

    /// <summary>Stores a message due now, claims it and dead-letters it with <paramref name="reason" />.</summary>
    internal async Task DeadLetter(Guid token, string channel, string? messageType, string destination, string reason = "boom")
    {
        await Schedule(token, (await RedisUtc()).AddSeconds(-5), channel, messageType, destination);
        var claimed = await ClaimOne(token);
        var result = await Store.Release(claimed.Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.Zero, true, 0, reason);
        Assert.Equal(ReleaseOutcome.DeadLettered, result.Outcome);
    }

    /// <summary>The due time of a token, or null.</summary>
    internal async Task<double?> DueOf(Guid token) => await Db.SortedSetScoreAsync(Store.Keyspace.For(token).Due, token.ToString("N"));

    internal static RecurringDefinition Hourly(string id, DateTime start) =>
        new(id, "inspection", "0 0 * * * ?", "UTC", start, null, MassTransit.Scheduling.MissedEventPolicy.Default);
}

using System.Diagnostics.Metrics;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// The legacy-key importer against a real Redis of the test's own: how the mark makes every import of one key's expiry
/// happen once (events, sweep, a second bridge), a re-SET reschedule, a key nobody imported deliver late (counted), and a
/// DEL cancel.
/// </summary>
public sealed class LegacyImportTests
{
    [Fact]
    public async Task Each_expiry_of_a_key_is_imported_once_whoever_hears_of_it_and_a_new_expiry_reschedules()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var bus = await TestBus.Start(nameof(Each_expiry_of_a_key_is_imported_once_whoever_hears_of_it_and_a_new_expiry_reschedules),
            s => s.Bridge = false);
        var (first, store, connection) = Importer(bus, redis);
        var (second, _, other) = Importer(bus, redis);
        await using var c1 = connection;
        await using var c2 = other;
        using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = client.GetDatabase();

        await db.StringSetAsync("SELLER:A", "1", TimeSpan.FromMinutes(1));
        var expiry = (long)(await db.ExecuteAsync("PEXPIRETIME", "SELLER:A"));
        Assert.Equal(LegacyImportOutcome.Imported, await first.Handle("SELLER:A", LegacyKeyEvent.Written, default));
        Assert.Equal(LegacyImportOutcome.AlreadyImported, await first.Handle("SELLER:A", LegacyKeyEvent.Written, default));
        Assert.Equal(LegacyImportOutcome.AlreadyImported, await first.Handle("SELLER:A", LegacyKeyEvent.Swept, default));
        Assert.Equal(LegacyImportOutcome.AlreadyImported, await second.Handle("SELLER:A", LegacyKeyEvent.Written, default));

        var partition = store.Keyspace.For(LegacyKeyImporter.TokenFor("SELLER:A"));
        var token = SchedulerKeyspace.Format(LegacyKeyImporter.TokenFor("SELLER:A"));
        Assert.Equal(expiry, (long)(await db.SortedSetScoreAsync(partition.Due, token))!.Value);
        Assert.Equal(expiry, (long)await db.StringGetAsync(partition.LegacyMark("SELLER:A")));

        // SET again with another TTL: rescheduled under the same token (one entry), due at the new expiry.
        await db.StringSetAsync("SELLER:A", "1", TimeSpan.FromMinutes(2));
        var later = (long)(await db.ExecuteAsync("PEXPIRETIME", "SELLER:A"));
        Assert.Equal(LegacyImportOutcome.Imported, await second.Handle("SELLER:A", LegacyKeyEvent.Written, default));
        Assert.Equal(1, await db.SortedSetLengthAsync(partition.Due));
        Assert.Equal(later, (long)(await db.SortedSetScoreAsync(partition.Due, token))!.Value);
        Assert.NotEqual(LegacyKeyImporter.MessageIdFor("SELLER:A", expiry), LegacyKeyImporter.MessageIdFor("SELLER:A", later));
        // Imported with its label and counted once, also after the replacement (see IRedisScheduledMessages.Counts).
        Assert.True(EntryHeader.TryRead((byte[])(await db.HashGetAsync(partition.Entries, token))!, out var header) && header.Label != null);
        Assert.Equal(1, (long)await db.HashGetAsync(partition.Counts, "p:c:SELLER"));

        // Its expired event, after the import: nothing more. A key of no mapping: nothing at all.
        await db.KeyDeleteAsync("SELLER:A");
        Assert.Equal(LegacyImportOutcome.AlreadyImported, await first.Handle("SELLER:A", LegacyKeyEvent.Expired, default));
        await db.StringSetAsync("BUYER:A", "1", TimeSpan.FromMinutes(1));
        Assert.Equal(LegacyImportOutcome.Ignored, await first.Handle("BUYER:A", LegacyKeyEvent.Written, default));
    }

    [Fact]
    public async Task A_key_that_expired_before_any_import_is_delivered_at_once_counted_late_once_and_DEL_cancels()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var bus = await TestBus.Start(nameof(A_key_that_expired_before_any_import_is_delivered_at_once_counted_late_once_and_DEL_cancels),
            s => s.Bridge = false);
        var instruments = new LegacyInstruments(bus.Services.GetRequiredService<IMeterFactory>());
        var (first, store, connection) = Importer(bus, redis, instruments);
        var (second, _, other) = Importer(bus, redis, instruments);
        await using var c1 = connection;
        await using var c2 = other;
        using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = client.GetDatabase();

        await db.StringSetAsync("OPERATOR:LATE", "1", TimeSpan.FromMilliseconds(50));
        await Task.Delay(200);
        Assert.False(await db.KeyExistsAsync("OPERATOR:LATE"));
        Assert.Equal(LegacyImportOutcome.ImportedLate, await first.Handle("OPERATOR:LATE", LegacyKeyEvent.Expired, default));
        Assert.Equal(LegacyImportOutcome.AlreadyImported, await second.Handle("OPERATOR:LATE", LegacyKeyEvent.Expired, default));
        Assert.Equal(1, instruments.ImportedLate);

        var token = LegacyKeyImporter.TokenFor("OPERATOR:LATE");
        var partition = store.Keyspace.For(token);
        var due = (long)(await db.SortedSetScoreAsync(partition.Due, SchedulerKeyspace.Format(token)))!.Value;
        Assert.True(due <= await TestServers.RedisNow(db), "a late import is due at once");

        // DEL before the expiry: as in the seed, the key never fires; the waiting message is cancelled.
        await db.StringSetAsync("OPERATOR:GONE", "1", TimeSpan.FromMinutes(1));
        Assert.Equal(LegacyImportOutcome.Imported, await first.Handle("OPERATOR:GONE", LegacyKeyEvent.Written, default));
        await db.KeyDeleteAsync("OPERATOR:GONE");
        Assert.Equal(LegacyImportOutcome.Cancelled, await first.Handle("OPERATOR:GONE", LegacyKeyEvent.Removed, default));
        Assert.Null(await db.SortedSetScoreAsync(partition.Due, SchedulerKeyspace.Format(LegacyKeyImporter.TokenFor("OPERATOR:GONE"))));
    }

    static (LegacyKeyImporter Importer, RedisScheduleStore Store, RedisConnection Connection) Importer(TestBus bus, RedisServerProcess redis,
        LegacyInstruments? instruments = null)
    {
        var settings = new RedisSchedulerOptions { Configuration = redis.Configuration, KeyPrefix = "t-legacy:", Partitions = 4 };
        settings.LegacyKeys.Map("SELLER:*", key => new ProbeMessage { RunId = bus.RunId, Text = key })
            .Map("OPERATOR:*", key => new ProbeMessage { RunId = bus.RunId, Text = key });
        var options = Options.Create(settings);
        var connection = new RedisConnection(options);
        var store = new RedisScheduleStore(connection, options);
        var meters = bus.Services.GetRequiredService<IMeterFactory>();
        var importer = new LegacyKeyImporter(connection, store, bus.Bus, options, instruments ?? new LegacyInstruments(meters), new SchedulerInstruments(meters),
            NullLogger<LegacyKeyImporter>.Instance);
        return (importer, store, connection);
    }
}

using System.Diagnostics;
using Messaging.Consumers.Tests.Infrastructure;
using Messaging.Testing;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Messaging.Consumers.Tests;

/// <summary>
/// The legacy-key adapter in the worker (<c>Worker:LegacyKeys=true</c>): keys written the seed's way become notifications.
/// Each test has a Redis of its own, where keys are set without a prefix, so that no other test's keys match the patterns.
/// </summary>
public sealed class LegacyKeyTests(ITestOutputHelper output)
{
    static readonly Dictionary<string, string?> Legacy = new() { [WorkerRegistration.LegacyKeysSetting] = "true" };

    [Fact]
    public async Task Redis_cli_SET_SELLER_AAA_EX_3_is_received_by_the_worker_about_3_s_later()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var workers = await WorkerFixture.Create(output, "legacy-cli", redis.Configuration);
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = new LoggerFactory([logs]);
        var sender = new TeeSmsSender(workers.Sms, new LoggingSmsSender(loggerFactory.CreateLogger<LoggingSmsSender>()));
        await workers.Start(Legacy, sender);

        var written = DateTime.UtcNow;
        await RedisCli(redis, "SET", "SELLER:AAA", "1", "EX", "3");

        var sms = await workers.Sms.WaitFor("AAA", TimeSpan.FromSeconds(20));
        var after = (sms.AtUtc - written).TotalSeconds;
        Assert.Equal("SELLER", sms.Channel);
        Assert.InRange(after, 2.9, 6);
        Assert.Contains(logs.Entries, e => e.Message == "Received. channel: SELLER, c_key: AAA");

        // Its expired event came ~3 s after the SET and found the mark: still one SMS.
        await Task.Delay(1500);
        Assert.Single(workers.Sms.Sent, s => s.CorrelationKey == "AAA");
    }

    [Fact]
    public async Task A_key_written_while_no_bridge_runs_and_alive_at_its_start_is_delivered_once()
    {
        await using var redis = await RedisServerProcess.Start();
        using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        await client.GetDatabase().StringSetAsync("OPERATOR:DOWN", "1", TimeSpan.FromSeconds(6));
        await client.GetDatabase().StringSetAsync("SELLER:SOON", "1", TimeSpan.FromSeconds(60));

        await using var workers = await WorkerFixture.Create(output, "legacy-sweep", redis.Configuration);
        var written = DateTime.UtcNow;
        await workers.Start(Legacy);

        var sms = await workers.Sms.WaitFor("DOWN", TimeSpan.FromSeconds(25));
        Assert.Equal("OPERATOR", sms.Channel);
        Assert.True(sms.AtUtc >= written.AddSeconds(5.5), $"sent at {sms.AtUtc:O}, before the key's expiry ({written.AddSeconds(6):O})");
        await Task.Delay(1500);
        Assert.Single(workers.Sms.Sent, s => s.CorrelationKey == "DOWN");

        // The other key (60 s) was swept into the store as well: it waits there, with its mark, due when the key expires.
        var db = client.GetDatabase();
        Assert.Equal(1, await db.SortedSetLengthAsync(workers.KeyPrefix + "{0}:due"));
        Assert.True(await db.KeyExistsAsync(workers.KeyPrefix + "{0}:legacy:SELLER:SOON"));
    }

    [Fact]
    public async Task Three_bridges_and_1000_keys_each_key_is_delivered_once()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var workers = await WorkerFixture.Create(output, "legacy-three", redis.Configuration);
        for (var i = 0; i < 3; i++)
            await workers.Start(Legacy);

        using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = client.GetDatabase();
        const int count = 1000;
        var writes = Enumerable.Range(0, count)
            .Select(i => db.StringSetAsync($"{(i % 2 == 0 ? "SELLER" : "OPERATOR")}:K{i}", "1", TimeSpan.FromMilliseconds(3000 + i % 2000)))
            .ToArray();
        await Task.WhenAll(writes);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (workers.Sms.Sent.Select(s => s.CorrelationKey).Distinct().Count() < count && DateTime.UtcNow < deadline)
            await Task.Delay(250);
        await Task.Delay(2000);

        var sent = workers.Sms.Sent;
        Assert.Equal(count, sent.Select(s => s.CorrelationKey).Distinct().Count());
        Assert.Equal(count, sent.Count);

        // Once at the broker too, not only after the idempotent filter: the adapter imported each key once.
        Assert.Equal(count, workers.BrokerDeliveries.Count);
        Assert.All(workers.BrokerDeliveries.Values, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task A_key_set_again_before_it_expires_is_rescheduled_not_doubled()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var workers = await WorkerFixture.Create(output, "legacy-reset", redis.Configuration);
        await workers.Start(Legacy);

        var written = DateTime.UtcNow;
        await RedisCli(redis, "SET", "SELLER:AGAIN", "1", "EX", "2");
        await RedisCli(redis, "SET", "SELLER:AGAIN", "1", "EX", "5");

        var sms = await workers.Sms.WaitFor("AGAIN", TimeSpan.FromSeconds(20));
        Assert.True(sms.AtUtc >= written.AddSeconds(4.8), $"sent at {sms.AtUtc:O}: the first TTL was used, not the second");
        await Task.Delay(1500);
        Assert.Single(workers.Sms.Sent, s => s.CorrelationKey == "AGAIN");
    }

    [Fact]
    public async Task A_key_that_matches_no_mapping_is_left_alone()
    {
        await using var redis = await RedisServerProcess.Start();
        await using var workers = await WorkerFixture.Create(output, "legacy-other", redis.Configuration);
        await workers.Start(Legacy);

        using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = client.GetDatabase();
        await RedisCli(redis, "SET", "BUYER:CCC", "1", "EX", "2");
        await RedisCli(redis, "SET", "SELLERS:CCC", "1", "EX", "2");
        await RedisCli(redis, "SET", "SELLER:KEEP", "1");
        Assert.True(await db.KeyTimeToLiveAsync("BUYER:CCC") > TimeSpan.Zero);

        await Task.Delay(3500);
        Assert.DoesNotContain(workers.Sms.Sent, s => s.CorrelationKey is "CCC" or "KEEP");
        Assert.Equal("1", (string?)await db.StringGetAsync("SELLER:KEEP"));

        // Nothing was written for them: no entry, no mark.
        var server = client.GetServer(client.GetEndPoints()[0]);
        var ours = await server.KeysAsync(pattern: workers.KeyPrefix + "*").ToListAsync();
        Assert.DoesNotContain(ours, k => k.ToString().Contains(":legacy:", StringComparison.Ordinal));
        Assert.Equal(0, await db.SortedSetLengthAsync(workers.KeyPrefix + "{0}:due"));
    }

    /// <summary>Runs <c>redis-cli -p PORT args</c>, as a person or a script of the seed's would.</summary>
    static async Task RedisCli(RedisServerProcess redis, params string[] args)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-p", redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(args))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0 && stdout.Trim() == "OK", $"redis-cli {string.Join(' ', args)} answered '{stdout.Trim()}' ({process.ExitCode})");
    }

    sealed class TeeSmsSender(ISmsSender first, ISmsSender second) : ISmsSender
    {
        public async Task Send(string channel, string correlationKey, string recipient, string text, Guid idempotencyKey, CancellationToken cancellationToken)
        {
            await second.Send(channel, correlationKey, recipient, text, idempotencyKey, cancellationToken);
            await first.Send(channel, correlationKey, recipient, text, idempotencyKey, cancellationToken);
        }
    }
}

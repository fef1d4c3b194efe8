using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Tests;

/// <summary>The Redis store's scripts against a real Redis: claim by the Redis clock, leases, acknowledgement, release,
/// dead-lettering, cancel, and the trigger key.</summary>
public class StoreTests : StoreTestBase
{
    /// <summary>On the single Redis.</summary>
    public StoreTests() : this(RedisTarget.Single)
    {
    }

    /// <summary>On <paramref name="target" />.</summary>
    protected StoreTests(RedisTarget target) : base("store", new RedisSchedulerOptions
    {
        Configuration = target.Configuration, Partitions = target.Partitions(), LeaseDuration = TimeSpan.FromSeconds(1), MaxDeliveryAttempts = 2,
    })
    {
    }

    [Fact]
    public async Task Claim_takes_only_what_is_due_by_the_redis_clock_and_says_when_the_next_is_due()
    {
        var now = await RedisUtc();
        var due = NewToken();
        var later = NewToken();
        await Store.Schedule(due, now.AddSeconds(-1), "A", Message());
        await Store.Schedule(later, now.AddMinutes(10), "A", Message());

        var batch = await Store.Claim(Partition);

        var claimed = Assert.Single(batch.Messages);
        Assert.Equal(due.ToString("N"), claimed.Token);
        Assert.Equal("A", claimed.Channel);
        Assert.Equal(Timing.UnixMs(now.AddMinutes(10)), batch.NextDue);
        Assert.Equal(1, batch.Backlog);
        Assert.Equal(1, batch.InFlight);
        Assert.Equal(Message().Body.ToArray(), ((WholeEnvelope)StoredMessageCodec.Decode(claimed.Payload)).Message.Body.ToArray());
    }

    [Fact]
    public async Task A_compact_entry_is_read_back_by_another_bridge_with_the_names_it_refers_to()
    {
        var token = NewToken();
        var envelope = await new ScheduledMessageSerializer(int.MaxValue).Serialize(new Uri("rabbitmq://localhost/Contracts:Notice"),
            new CompactEnvelopeTests.Notice("K", "R", "text", 1, DateTime.UnixEpoch, 1m), MassTransit.Pipe.Empty<MassTransit.SendContext<CompactEnvelopeTests.Notice>>(),
            token, null, null, CancellationToken.None);
        await Store.Schedule(token, await RedisUtc(), "A", envelope.Message);

        var claimed = Assert.Single((await Store.Claim(Partition)).Messages);
        Assert.Equal(2, claimed.Payload.Span[0]);
        Assert.True(await Db.HashLengthAsync(Partition.Names) >= 2);

        // Another process: nothing cached, the names come from Redis.
        await using var connection = new RedisConnection(Options.Create(SchedulerOptions));
        var read = await new RedisScheduleStore(connection, Options.Create(SchedulerOptions)).Read(claimed);
        Assert.Equal(envelope.Message.Destination, read.Destination);
        Assert.Contains("\"urn:message:Messaging.Scheduler.Tests:CompactEnvelopeTests+Notice\"", System.Text.Encoding.UTF8.GetString(read.Body.Span), StringComparison.Ordinal);

        // A name lost from Redis makes the entry unreadable (it is dead-lettered with this reason), not wrongly delivered.
        await Db.KeyDeleteAsync(Partition.Names);
        await using var third = new RedisConnection(Options.Create(SchedulerOptions));
        var error = await Assert.ThrowsAsync<FormatException>(async () => await new RedisScheduleStore(third, Options.Create(SchedulerOptions)).Read(claimed));
        Assert.Contains("missing from the scheduler's names hash", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Names_lost_from_redis_are_written_again_with_the_next_entry()
    {
        var serializer = new ScheduledMessageSerializer(int.MaxValue);
        async Task<Guid> Schedule()
        {
            var (entry, token) = await serializer.Encode(new Uri("rabbitmq://localhost/Contracts:Notice"),
                new CompactEnvelopeTests.Notice("K", "R", "text", 1, DateTime.UnixEpoch, 1m), MassTransit.Pipe.Empty<MassTransit.SendContext<CompactEnvelopeTests.Notice>>(),
                NewToken(), null, null, CancellationToken.None);
            Assert.NotNull(await Store.Schedule(token, (await RedisUtc()).AddMinutes(-1), "A", entry));
            return token;
        }

        await Schedule();
        var names = await Db.HashLengthAsync(Partition.Names);
        Assert.True(names >= 2);

        // The names hash is lost (an operator deleted it, Redis came back from an older snapshot): the next entry that
        // refers to the same names writes them again, so it can be read.
        await Db.KeyDeleteAsync(Partition.Names);
        await Schedule();
        Assert.Equal(names, await Db.HashLengthAsync(Partition.Names));

        await using var connection = new RedisConnection(Options.Create(SchedulerOptions));
        var reader = new RedisScheduleStore(connection, Options.Create(SchedulerOptions));
        foreach (var claimed in (await Store.Claim(Partition)).Messages)
            Assert.Equal(new Uri("rabbitmq://localhost/Contracts:Notice"), (await reader.Read(claimed)).Destination);
    }

    [Fact]
    public async Task A_claimed_entry_cannot_be_cancelled_and_is_deleted_only_by_its_own_claim()
    {
        var token = NewToken();
        await Store.Schedule(token, await RedisUtc(), "A", Message());
        var claimed = Assert.Single((await Store.Claim(Partition)).Messages);

        Assert.Equal(CancelOutcome.TooLate, await Store.Cancel(token));
        Assert.False(await Store.Acknowledge(Partition, claimed.Token, claimed.LeaseExpiry - 1));
        Assert.True(await Store.Acknowledge(Partition, claimed.Token, claimed.LeaseExpiry));
        Assert.False(await Db.HashExistsAsync(Partition.Entries, claimed.Token));
        Assert.Equal(CancelOutcome.NotFound, await Store.Cancel(token));
    }

    [Fact]
    public async Task An_expired_lease_is_taken_back_and_the_old_claim_can_no_longer_acknowledge()
    {
        await Store.Schedule(NewToken(), await RedisUtc(), "A", Message());
        var crashed = Assert.Single((await Store.Claim(Partition)).Messages);

        Assert.Empty((await Store.Claim(Partition)).Messages);
        await Wait.Until(async () => await TestServers.RedisNow(Db) > crashed.LeaseExpiry, TimeSpan.FromSeconds(10), "the lease ran out");
        var retaken = await Store.Claim(Partition);

        Assert.Equal(1, retaken.Reclaimed);
        var again = Assert.Single(retaken.Messages);
        Assert.Equal(crashed.Token, again.Token);
        Assert.False(await Store.Acknowledge(Partition, crashed.Token, crashed.LeaseExpiry));
        Assert.True(await Store.Acknowledge(Partition, again.Token, again.LeaseExpiry));
    }

    [Fact]
    public async Task Release_retries_after_the_delay_and_dead_letters_after_the_allowed_attempts()
    {
        await Store.Schedule(NewToken(), await RedisUtc(), "A", Message());
        var first = Assert.Single((await Store.Claim(Partition)).Messages);

        // A failure that is not the message's fault (the bus was down) does not use up an attempt.
        Assert.Equal(new ReleaseResult(ReleaseOutcome.Retried, 0), await Store.Release(Partition, first.Token, first.LeaseExpiry, TimeSpan.Zero, countAttempt: false, 2, "bus down"));
        var second = Assert.Single((await Store.Claim(Partition)).Messages);
        Assert.Equal(0, second.Attempts);

        Assert.Equal(new ReleaseResult(ReleaseOutcome.Retried, 1), await Store.Release(Partition, second.Token, second.LeaseExpiry, TimeSpan.FromMinutes(5), countAttempt: true, 2, "boom"));
        var waiting = await Store.Claim(Partition);
        Assert.Empty(waiting.Messages);
        Assert.InRange(waiting.NextDue!.Value - waiting.Now, TimeSpan.FromMinutes(4).TotalMilliseconds, TimeSpan.FromMinutes(5).TotalMilliseconds);

        await Db.SortedSetAddAsync(Partition.Due, second.Token, waiting.Now);
        var third = Assert.Single((await Store.Claim(Partition)).Messages);
        Assert.Equal(1, third.Attempts);
        Assert.Equal(new ReleaseResult(ReleaseOutcome.DeadLettered, 2), await Store.Release(Partition, third.Token, third.LeaseExpiry, TimeSpan.Zero, countAttempt: true, 2, "boom again"));

        Assert.NotNull(await Db.SortedSetScoreAsync(Partition.Dead, third.Token));
        Assert.Equal("boom again", (string?)await Db.HashGetAsync(Partition.DeadReasons, third.Token));
        Assert.True(await Db.HashExistsAsync(Partition.Entries, third.Token), "a dead-lettered entry keeps its message");
        Assert.Equal(0, await Db.SortedSetLengthAsync(Partition.InFlight));

        // A second answer under the same claim changes nothing.
        Assert.Equal(new ReleaseResult(ReleaseOutcome.ClaimLost, 0),
            await Store.Release(Partition, third.Token, third.LeaseExpiry, TimeSpan.Zero, countAttempt: true, 2, "late"));
        Assert.Equal("boom again", (string?)await Db.HashGetAsync(Partition.DeadReasons, third.Token));
    }

    [Fact]
    public async Task An_entry_is_stored_as_attempts_channel_and_payload_and_a_retry_rewrites_only_the_attempts()
    {
        var token = NewToken();
        var encoded = StoredMessageCodec.Encode(Message(), token);
        // The label (message type and destination name ids, for the counts) sits between the header and the payload.
        byte[] payload = [.. encoded.Label.ToBytes(), .. encoded.Payload];
        await Store.Schedule(token, await RedisUtc(), "SELLER", Message());
        var stored = (byte[])(await Db.HashGetAsync(Partition.Entries, token.ToString("N")))!;
        Assert.Equal([.. "0|SELLER|"u8, .. payload], stored);

        var claimed = Assert.Single((await Store.Claim(Partition)).Messages);
        await Store.Release(Partition, claimed.Token, claimed.LeaseExpiry, TimeSpan.FromMinutes(5), countAttempt: true, 2, "boom");
        var retried = (byte[])(await Db.HashGetAsync(Partition.Entries, claimed.Token))!;
        Assert.Equal([.. "1|SELLER|"u8, .. payload], retried);
    }

    [Fact]
    public async Task An_entry_without_the_header_is_handed_back_as_unreadable_and_dead_lettered_as_it_is()
    {
        var token = NewToken().ToString("N");
        await Db.HashSetAsync(Partition.Entries, token, "not a scheduler entry");
        await Db.SortedSetAddAsync(Partition.Due, token, 0);

        var batch = await Store.Claim(Partition);
        Assert.Empty(batch.Messages);
        var (unreadable, lease, reason) = Assert.Single(batch.Unreadable);
        Assert.Equal(token, unreadable);
        Assert.Equal(EntryHeader.Missing, reason);

        Assert.Equal(new ReleaseResult(ReleaseOutcome.DeadLettered, 1),
            await Store.Release(Partition, token, lease, TimeSpan.Zero, countAttempt: true, attemptsAllowed: 0, reason));
        Assert.NotNull(await Db.SortedSetScoreAsync(Partition.Dead, token));
        Assert.Equal("not a scheduler entry", (string?)await Db.HashGetAsync(Partition.Entries, token));
    }

    [Fact]
    public async Task Scheduling_a_token_again_while_it_is_in_flight_keeps_the_new_entry_when_the_old_delivery_is_acknowledged()
    {
        var token = NewToken();
        await Store.Schedule(token, await RedisUtc(), "A", Message("old"));
        var old = Assert.Single((await Store.Claim(Partition)).Messages);

        await Store.Schedule(token, (await RedisUtc()).AddMinutes(1), "A", Message("new"));

        Assert.False(await Store.Acknowledge(Partition, old.Token, old.LeaseExpiry));
        var entry = (byte[])(await Db.HashGetAsync(Partition.Entries, old.Token))!;
        Assert.True(EntryHeader.TryRead(entry, out var header));
        Assert.EndsWith("new", System.Text.Encoding.UTF8.GetString(((WholeEnvelope)StoredMessageCodec.Decode(header.Payload)).Message.Body.Span), StringComparison.Ordinal);
        Assert.NotNull(await Db.SortedSetScoreAsync(Partition.Due, old.Token));
    }

    [Fact]
    public async Task The_trigger_key_shows_the_time_left_and_goes_with_a_cancel()
    {
        var token = NewToken();
        var untilDue = await Store.Schedule(token, (await RedisUtc()).AddSeconds(60), "SELLER", Message());
        var trigger = Partition.Trigger("SELLER", token.ToString("N"));

        Assert.InRange(untilDue!.Value.TotalSeconds, 55, 60);
        var ttl = await Db.KeyTimeToLiveAsync(trigger);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value.TotalSeconds, 55, 60);
        Assert.StartsWith(Partition.Root + "SELLER:", trigger.ToString(), StringComparison.Ordinal);
        Assert.StartsWith(SchedulerOptions.KeyPrefix + "{", trigger.ToString(), StringComparison.Ordinal);

        Assert.Equal(CancelOutcome.Cancelled, await Store.Cancel(token));
        Assert.False(await Db.KeyExistsAsync(trigger));
        Assert.Equal(0, await Db.SortedSetLengthAsync(Partition.Due));
    }

    [Fact]
    public async Task A_cancel_command_handled_before_the_schedule_command_it_followed_still_wins()
    {
        var token = NewToken();
        var now = await RedisUtc();

        Assert.Equal(CancelOutcome.NotFound, await Store.Cancel(token, commandSentUtc: now));
        Assert.Null(await Store.Schedule(token, now.AddMinutes(1), "A", Message(), commandSentUtc: now.AddMilliseconds(-5)));
        Assert.Equal(0, await Db.SortedSetLengthAsync(Partition.Due));

        Assert.NotNull(await Store.Schedule(token, now.AddMinutes(1), "A", Message(), commandSentUtc: now.AddMilliseconds(5)));
        Assert.Equal(1, await Db.SortedSetLengthAsync(Partition.Due));
    }

    [Fact]
    public async Task A_message_years_ahead_is_stored_with_its_due_time_and_a_trigger_key_that_lasts_as_long()
    {
        var token = NewToken();
        var due = (await RedisUtc()).AddYears(5);

        var untilDue = await Store.Schedule(token, due, "SELLER", Message());

        Assert.InRange(untilDue!.Value.TotalDays, 365 * 5 - 1, 365 * 5 + 2);
        Assert.Equal(Timing.UnixMs(due), await Db.SortedSetScoreAsync(Partition.Due, token.ToString("N")));
        var ttl = await Db.KeyTimeToLiveAsync(Partition.Trigger("SELLER", token.ToString("N")));
        Assert.InRange(ttl!.Value.TotalDays, 365 * 5 - 1, 365 * 5 + 2);
        Assert.Empty((await Store.Claim(Partition)).Messages);
    }

    [Fact]
    public async Task Without_trigger_keys_only_the_index_and_the_entry_are_written()
    {
        SchedulerOptions.TriggerKeys = false;
        var token = NewToken();
        await Store.Schedule(token, (await RedisUtc()).AddSeconds(60), "SELLER", Message());

        Assert.False(await Db.KeyExistsAsync(Partition.Trigger("SELLER", token.ToString("N"))));
        Assert.Equal(1, await Db.SortedSetLengthAsync(Partition.Due));
    }

    [Fact]
    public async Task Scheduling_an_earlier_message_than_any_other_wakes_the_bridges()
    {
        var multiplexer = await Connection.Get();
        var woken = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // A message queue keeps the order of the messages (handler callbacks may run concurrently and swap them).
        var queue = await multiplexer.GetSubscriber().SubscribeAsync(Partition.Wake);
        queue.OnMessage(message => woken.Enqueue(message.Message!));
        var now = await RedisUtc();

        await Store.Schedule(NewToken(), now.AddMinutes(10), "A", Message());
        await Store.Schedule(NewToken(), now.AddMinutes(20), "A", Message());
        await Store.Schedule(NewToken(), now.AddMinutes(5), "A", Message());

        await Wait.Until(() => woken.Count >= 2, TimeSpan.FromSeconds(10), "two wake-ups arrived");
        Assert.Equal([Timing.UnixMs(now.AddMinutes(10)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Timing.UnixMs(now.AddMinutes(5)).ToString(System.Globalization.CultureInfo.InvariantCulture)], woken.ToArray());
    }

    [Fact]
    public async Task An_unreachable_redis_fails_the_call_within_the_timeout_and_says_so()
    {
        var options = new RedisSchedulerOptions { Configuration = "127.0.0.1:1", KeyPrefix = "unreachable:", OperationTimeout = TimeSpan.FromSeconds(1) };
        await using var connection = new RedisConnection(Options.Create(options));
        var store = new RedisScheduleStore(connection, Options.Create(options));

        var started = DateTime.UtcNow;
        var error = await Assert.ThrowsAsync<RedisSchedulerUnavailableException>(() => store.Schedule(Guid.NewGuid(), DateTime.UtcNow, "A", Message()));

        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
        Assert.Contains("could not be reached", error.Message, StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10), "the call gave up within a few timeouts");
    }
}

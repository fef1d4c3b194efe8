using MassTransit;
using Messaging.Consumers.Tests.Infrastructure;
using Messaging.Contracts;
using Messaging.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Messaging.Consumers.Tests;

/// <summary>
/// The worker's consumers are idempotent by MessageId (<c>c.UseRedisIdempotentConsumer(context)</c>), on the real
/// RabbitMQ and Redis: copies of one message (what RabbitMQ redelivers after a worker died, or a bridge delivers twice)
/// send one SMS, and the SMS gateway gets the MessageId as its idempotency key.
/// </summary>
public sealed class IdempotentConsumerTests(ITestOutputHelper output)
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_second_copy_of_a_consumed_message_is_acknowledged_without_a_second_SMS()
    {
        await using var workers = await WorkerFixture.Create(output, "idem-copy", TestServers.Redis);
        var host = await workers.Start();
        var bus = host.Services.GetRequiredService<IBus>();

        var id = NewId.NextGuid();
        var message = new SellerNotification { CorrelationKey = "COPY-" + workers.Run, Recipient = "+1", Text = "once" };
        await bus.Publish(message, c => c.MessageId = id);
        var sms = await workers.Sms.WaitFor(message.CorrelationKey, Deadline);
        Assert.Equal(id, sms.IdempotencyKey);

        await bus.Publish(message, c => c.MessageId = id);
        await WaitUntil(() => workers.BrokerDeliveries.GetValueOrDefault(id) == 2);
        await Task.Delay(500);
        Assert.Single(workers.Sms.Sent, s => s.CorrelationKey == message.CorrelationKey);

        // The mark: one key, 'done', kept for the retention (7 days by default).
        using var redis = await TestServers.ConnectRedis();
        var key = $"{workers.KeyPrefix}consumed:SellerNotificationConsumer:{id:N}";
        var marks = await redis.GetServer(redis.GetEndPoints()[0]).KeysAsync(pattern: workers.KeyPrefix + "*").Select(k => k.ToString()).ToListAsync();
        Assert.True("done" == (string?)await redis.GetDatabase().StringGetAsync(key), $"no mark 'done' at {key}; keys: {string.Join(", ", marks)}");
        var ttl = await redis.GetDatabase().KeyTimeToLiveAsync(key);
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));

        // Another message (another MessageId) with the same content is not a copy: it is sent.
        await bus.Publish(message);
        await WaitUntil(() => workers.Sms.Sent.Count(s => s.CorrelationKey == message.CorrelationKey) == 2);
    }

    [Fact]
    public async Task Two_copies_at_once_on_two_workers_run_the_consumer_once_never_in_parallel()
    {
        await using var workers = await WorkerFixture.Create(output, "idem-race", TestServers.Redis);
        var slow = new SlowSender(workers.Sms, TimeSpan.FromSeconds(1));
        var first = await workers.Start(sender: slow);
        await workers.Start(sender: slow);
        var bus = first.Services.GetRequiredService<IBus>();

        for (var round = 0; round < 3; round++)
        {
            var id = NewId.NextGuid();
            var message = new OperatorNotification { CorrelationKey = $"RACE{round}-" + workers.Run, Recipient = "+2", Text = "race" };
            await Task.WhenAll(bus.Publish(message, c => c.MessageId = id), bus.Publish(message, c => c.MessageId = id));
            await WaitUntil(() => workers.BrokerDeliveries.GetValueOrDefault(id) == 2);
            await workers.Sms.WaitFor(message.CorrelationKey, Deadline);
            await Task.Delay(1500);
            Assert.Single(workers.Sms.Sent, s => s.CorrelationKey == message.CorrelationKey);
        }

        Assert.Equal(1, slow.MostAtOnce);
    }

    [Fact]
    public async Task A_consumer_that_threw_leaves_no_mark_so_the_message_runs_again()
    {
        await using var workers = await WorkerFixture.Create(output, "idem-fault", TestServers.Redis);
        var failing = new FailingOnceSender(workers.Sms);
        var host = await workers.Start(sender: failing);
        var bus = host.Services.GetRequiredService<IBus>();

        var id = NewId.NextGuid();
        var message = new SellerNotification { CorrelationKey = "FAULT-" + workers.Run, Recipient = "+3", Text = "retry" };
        await bus.Publish(message, c => c.MessageId = id);
        await WaitUntil(() => failing.Calls == 1);
        await Task.Delay(500);

        using var redis = await TestServers.ConnectRedis();
        var key = $"{workers.KeyPrefix}consumed:SellerNotificationConsumer:{id:N}";
        Assert.False(await redis.GetDatabase().KeyExistsAsync(key), "a consumer that threw must leave no mark (nor a lease)");

        // The same message again (as a retry or a redelivery from the error queue would bring it): it runs, and is sent.
        await bus.Publish(message, c => c.MessageId = id);
        var sms = await workers.Sms.WaitFor(message.CorrelationKey, Deadline);
        Assert.Equal(id, sms.IdempotencyKey);
        Assert.Equal(2, failing.Calls);
    }

    [Fact]
    public async Task A_message_is_still_consumed_when_Redis_cannot_be_reached()
    {
        // A Redis of the test's own, to kill: the filter waits for it (UnavailableTimeout), then runs the consumer unchecked
        // rather than failing the message into the error queue.
        var redis = await RedisServerProcess.Start();
        await using var workers = await WorkerFixture.Create(output, "idem-down", redis.Configuration);
        var host = await workers.Start(new Dictionary<string, string?> { ["RedisScheduler:IdempotentConsumer:UnavailableTimeout"] = "00:00:01" });
        var bus = host.Services.GetRequiredService<IBus>();
        await redis.DisposeAsync();

        var message = new SellerNotification { CorrelationKey = "DOWN-" + workers.Run, Recipient = "+4", Text = "redis away" };
        await bus.Publish(message);
        var sms = await workers.Sms.WaitFor(message.CorrelationKey, Deadline);
        Assert.Equal("SELLER", sms.Channel);
    }

    static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in time");
            await Task.Delay(50);
        }
    }

    sealed class SlowSender(ISmsSender inner, TimeSpan delay) : ISmsSender
    {
        int _running;
        int _most;

        public int MostAtOnce => Volatile.Read(ref _most);

        public async Task Send(string channel, string correlationKey, string recipient, string text, Guid idempotencyKey, CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref _most, now);
            try
            {
                await Task.Delay(delay, cancellationToken);
                await inner.Send(channel, correlationKey, recipient, text, idempotencyKey, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }

        static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    sealed class FailingOnceSender(ISmsSender inner) : ISmsSender
    {
        int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task Send(string channel, string correlationKey, string recipient, string text, Guid idempotencyKey, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
                throw new InvalidOperationException("the SMS gateway failed (test)");
            return inner.Send(channel, correlationKey, recipient, text, idempotencyKey, cancellationToken);
        }
    }
}

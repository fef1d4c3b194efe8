using Microsoft.Extensions.Time.Testing;

namespace Messaging.Scheduler.Tests;

/// <summary>Pure logic: the entry format, channel names, option validation and the wake-up signal.</summary>
public sealed class UnitTests
{
    [Theory]
    [InlineData("TRYAGAIN Multiple keys request during rehashing of slot", true)]
    [InlineData("CLUSTERDOWN The cluster is down", true)]
    [InlineData("READONLY You can't write against a read only replica.", true)]
    [InlineData("LOADING Redis is loading the dataset in memory", true)]
    [InlineData("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.", true)]
    [InlineData("MOVED 1598 127.0.0.1:7001", true)]
    [InlineData("ASK 1598 127.0.0.1:7001", true)]
    [InlineData("ERR Error running script (call to f_1234): @user_script:12: bad argument", false)]
    [InlineData("OOM command not allowed when used memory > 'maxmemory'.", false)]
    [InlineData("NOSCRIPT No matching script. Please use EVAL.", false)]
    [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value", false)]
    public void A_redis_server_error_passes_only_when_the_cluster_or_server_is_changing_state(string message, bool passes) =>
        Assert.Equal(passes, Messaging.Scheduler.Storage.PassingRedisFailure.Is(new StackExchange.Redis.RedisServerException(StackExchange.Redis.RedisErrorKind.Unknown, StackExchange.Redis.CommandFlags.None, message)));

    [Fact]
    public void Timeouts_and_dropped_connections_pass_and_other_exceptions_do_not()
    {
        Assert.True(Messaging.Scheduler.Storage.PassingRedisFailure.Is(new StackExchange.Redis.RedisTimeoutException(StackExchange.Redis.CommandFlags.None, "Timeout awaiting response", StackExchange.Redis.CommandStatus.Sent)));
        Assert.True(Messaging.Scheduler.Storage.PassingRedisFailure.Is(new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.SocketClosed, StackExchange.Redis.CommandFlags.None, "closed", null, StackExchange.Redis.CommandStatus.Sent)));
        Assert.True(Messaging.Scheduler.Storage.PassingRedisFailure.Is(new TimeoutException()));
        Assert.False(Messaging.Scheduler.Storage.PassingRedisFailure.Is(new InvalidOperationException("layout mismatch")));
        Assert.False(Messaging.Scheduler.Storage.PassingRedisFailure.Is(new RedisSchedulerOutOfMemoryException("full")));
    }

    [Theory]
    [InlineData("3|SELLER|\0|x", 3, "SELLER", "\0|x")]
    [InlineData("0||", 0, "", "")]
    public void The_entry_header_gives_attempts_channel_and_the_payload_after_it(string entry, int attempts, string channel, string payload)
    {
        Assert.True(EntryHeader.TryRead(System.Text.Encoding.UTF8.GetBytes(entry), out var header));
        Assert.Equal(attempts, header.Attempts);
        Assert.Equal(channel, header.Channel);
        Assert.Equal(payload, System.Text.Encoding.UTF8.GetString(header.Payload.Span));
    }

    [Theory]
    [InlineData("")]
    [InlineData("3|SELLER")]
    [InlineData("x|SELLER|payload")]
    [InlineData("-1|SELLER|payload")]
    public void An_entry_without_the_header_is_not_read(string entry) =>
        Assert.False(EntryHeader.TryRead(System.Text.Encoding.UTF8.GetBytes(entry), out _));

    [Fact]
    public void The_codec_reads_back_what_it_wrote()
    {
        var properties = new Dictionary<string, object>
        {
            ["RMQ-RoutingKey"] = "key",
            ["RMQ-Priority"] = (byte)4,
            ["Durable"] = false,
            ["Count"] = 7,
            ["Big"] = 7L << 40,
            ["Wait"] = TimeSpan.FromSeconds(3),
        };
        var message = new StoredMessage(new Uri("rabbitmq://host/vhost/Messaging.Contracts:SellerNotification"), "application/vnd.masstransit+json",
            properties, new byte[] { 1, 2, 3, 0, 255 });

        var read = ((WholeEnvelope)StoredMessageCodec.Decode(StoredMessageCodec.Encode(new WholeEnvelope(message)).Payload)).Message;

        Assert.Equal(message.Destination, read.Destination);
        Assert.Equal(message.ContentType, read.ContentType);
        Assert.Equal(message.Body.ToArray(), read.Body.ToArray());
        Assert.Equal(properties, read.TransportProperties);
    }

    [Theory]
    [InlineData(new byte[0], "ends before")]
    [InlineData(new byte[] { 9 }, "format version 9")]
    [InlineData(new byte[] { 1, 3, (byte)'a', (byte)'b', (byte)'c' }, "not an absolute URI")]
    public void The_codec_explains_what_it_cannot_read(byte[] bytes, string reason)
    {
        var error = Assert.Throws<FormatException>(() => StoredMessageCodec.Decode(bytes));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_body_is_reported()
    {
        var bytes = StoredMessageCodec.Encode(new WholeEnvelope(new StoredMessage(new Uri("queue:q"), "text/plain", new Dictionary<string, object>(), new byte[10]))).Payload;
        var error = Assert.Throws<FormatException>(() => StoredMessageCodec.Decode(bytes.AsMemory(0, bytes.Length - 3)));
        Assert.Contains("body should be 10 bytes", error.Message, StringComparison.Ordinal);
    }

    sealed record SellerNotification;
    sealed record OperatorNotification;
    sealed record PriceChanged;
    sealed record ReminderMessage;

    [Fact]
    public void Channels_are_derived_from_the_type_name_unless_mapped()
    {
        var channels = new ChannelName(new Dictionary<Type, string> { [typeof(PriceChanged)] = "PRICES" });

        Assert.Equal("SELLER", channels.For(typeof(SellerNotification)));
        Assert.Equal("OPERATOR", channels.For(typeof(OperatorNotification)));
        Assert.Equal("REMINDER", channels.For(typeof(ReminderMessage)));
        Assert.Equal("PRICES", channels.For(typeof(PriceChanged)));
        Assert.Equal("LIST", channels.For(typeof(List<int>)));
    }

    [Fact]
    public void Default_options_are_valid()
    {
        Assert.True(new RedisSchedulerOptionsValidator().Validate(null, new RedisSchedulerOptions()).Succeeded);
    }

    [Theory]
    [InlineData("KeyPrefix", "RedisScheduler:KeyPrefix is empty")]
    [InlineData("KeyPrefixBraces", "RedisScheduler:KeyPrefix 'a{b}' may hold only")]
    [InlineData("LeaseDuration", "RedisScheduler:LeaseDuration is 00:00:00")]
    [InlineData("ClaimBatchSize", "RedisScheduler:ClaimBatchSize is 0")]
    [InlineData("Partitions", "RedisScheduler:Partitions is 0")]
    [InlineData("Channel", "the channel 'SELL ER' mapped to SellerNotification")]
    [InlineData("Configuration", "RedisScheduler:Configuration is empty")]
    [InlineData("WaitForReplicas", "RedisScheduler:WaitForReplicas is -1: use 0")]
    [InlineData("WaitForReplicasTimeout", "RedisScheduler:WaitForReplicasTimeout is 00:00:05: use at least 1 ms and less than OperationTimeout")]
    [InlineData("WaitForReplicasTimeoutZero", "RedisScheduler:WaitForReplicasTimeout is 00:00:00: use at least 1 ms")]
    public void Invalid_options_are_rejected_naming_the_option(string option, string expected)
    {
        var options = new RedisSchedulerOptions();
        switch (option)
        {
            case "KeyPrefix": options.KeyPrefix = ""; break;
            case "KeyPrefixBraces": options.KeyPrefix = "a{b}"; break;
            case "LeaseDuration": options.LeaseDuration = TimeSpan.Zero; break;
            case "ClaimBatchSize": options.ClaimBatchSize = 0; break;
            case "Partitions": options.Partitions = 0; break;
            case "Channel": options.MapChannel<SellerNotification>("SELL ER"); break;
            case "Configuration": options.Configuration = " "; break;
            case "WaitForReplicas": options.WaitForReplicas = -1; break;
            case "WaitForReplicasTimeout": options.WaitForReplicas = 1; options.WaitForReplicasTimeout = options.OperationTimeout; break;
            case "WaitForReplicasTimeoutZero": options.WaitForReplicas = 1; options.WaitForReplicasTimeout = TimeSpan.Zero; break;
        }

        var result = new RedisSchedulerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_wake_signal_ends_a_sleep_early_and_otherwise_waits_the_full_time()
    {
        var time = new FakeTimeProvider();
        var signal = new WakeSignal();

        var sleeping = signal.Wait(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        Assert.False(sleeping.IsCompleted);
        signal.Set();
        Assert.True(await sleeping.WaitAsync(TimeSpan.FromSeconds(5)));

        var timed = signal.Wait(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(timed.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(await timed.WaitAsync(TimeSpan.FromSeconds(5)));

        signal.Set();
        signal.Set();
        Assert.True(await signal.Wait(TimeSpan.FromSeconds(1), time, CancellationToken.None));
        var afterOneSignal = signal.Wait(TimeSpan.FromSeconds(1), time, CancellationToken.None);
        Assert.False(afterOneSignal.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(await afterOneSignal.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}

using System.Text;
using System.Text.RegularExpressions;
using MassTransit;
using Messaging.Benchmarks.Direct;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Messaging.Scheduler.Tests;

/// <summary>
/// Issue 12's experiment: the benchmark's direct delivery path (<see cref="DirectEnvelope" />, publishing the stored envelope
/// with RabbitMQ.Client, no MassTransit send pipeline) must put on the wire what the bridge's MassTransit publish puts there
/// for the same stored message. One stored message is replayed both ways onto a queue bound to its exchange, both are
/// fetched with basic.get and compared: exchange, routing key, every basic property (present or not, and its value),
/// every header, and the body byte for byte. The only values allowed to differ are those that differ between any two
/// publishes by their nature: the value of RabbitMQ.Client's <c>x-dotnet-pub-seq-no</c> header (the confirm sequence
/// number of the publishing channel; the header itself must be on both, as a long), and with a time-to-live the time
/// left (the body's <c>expirationTime</c> and the <c>expiration</c> property, each checked against its own publish).
/// The producer and the bridge are one process here, so the body's <c>host</c> cannot tell them apart.
/// </summary>
[Collection(ActivityListenerCollection.Name)]
public sealed class DirectPublishEqualityTests
{
    const string Exchange = "Messaging.Scheduler.Tests.Infrastructure:ProbeMessage";
    const string SequenceHeader = "x-dotnet-pub-seq-no";

    [Fact]
    public Task A_stored_envelope_published_directly_is_what_the_bridge_publishes() => Compare(null, null);

    [Fact]
    public Task A_recurring_occurrence_with_its_own_message_id_published_directly_is_what_the_bridge_publishes() => Compare(Guid.NewGuid(), null);

    [Fact]
    public Task A_message_with_a_time_to_live_published_directly_is_what_the_bridge_publishes() => Compare(null, TimeSpan.FromMinutes(10));

    static async Task Compare(Guid? messageId, TimeSpan? timeToLive)
    {
        await using var bus = await TestBus.Start("direct-eq", s =>
        {
            s.Bridge = false;
            s.Consumers = false;
        });
        var services = bus.Services;
        var store = services.GetRequiredService<RedisScheduleStore>();

        var scheduled = await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddMilliseconds(-200), bus.Probe(1, "direct"), Pipe.Execute<SendContext>(c =>
        {
            c.Headers.Set("X-Tenant", "tenant-42");
            c.Headers.Set("X-Attempt", 3);
            c.CorrelationId = Guid.NewGuid();
            c.InitiatorId = Guid.NewGuid();
            if (timeToLive is { } ttl)
                c.TimeToLive = ttl;
        }));
        var claimed = Assert.Single((await store.Claim(store.Keyspace.For(scheduled.TokenId), 10)).Messages);
        var stored = await store.Read(claimed);

        var factory = new ConnectionFactory { Uri = TestServers.RabbitMq };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true));
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = TestServers.UniqueName("direct-eq");
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true);
        await channel.QueueBindAsync(queue, Exchange, string.Empty);
        try
        {
            // The bridge's way: MassTransit's send endpoint with the replay pipe.
            var dispatcher = new ScheduledMessageDispatcher(bus.Bus, services.GetRequiredService<RedisConnection>(),
                services.GetRequiredService<IOptions<RedisSchedulerOptions>>(), NullLogger<ScheduledMessageDispatcher>.Instance);
            var before = DateTime.UtcNow;
            await dispatcher.Dispatch(stored, messageId, CancellationToken.None);
            var mt = new Sent(await Fetch(channel, queue, bus.RunId), before, DateTime.UtcNow);

            // The direct way: RabbitMQ.Client on a channel with publisher confirms.
            before = DateTime.UtcNow;
            var direct = DirectEnvelope.TryBuild(stored, messageId, new Uri(bus.Bus.Address.GetLeftPart(UriPartial.Authority) + "/"));
            Assert.NotNull(direct);
            await channel.BasicPublishAsync(direct.Exchange, direct.RoutingKey, mandatory: false, direct.Properties, direct.Body);
            var own = new Sent(await Fetch(channel, queue, bus.RunId), before, DateTime.UtcNow);

            Assert.Equal(mt.Message.Exchange, own.Message.Exchange);
            Assert.Equal(mt.Message.RoutingKey, own.Message.RoutingKey);
            var a = mt.Message.BasicProperties;
            var b = own.Message.BasicProperties;
            Assert.Equal((a.IsContentTypePresent(), a.ContentType), (b.IsContentTypePresent(), b.ContentType));
            Assert.Equal((a.IsContentEncodingPresent(), a.ContentEncoding), (b.IsContentEncodingPresent(), b.ContentEncoding));
            Assert.Equal((a.IsMessageIdPresent(), a.MessageId), (b.IsMessageIdPresent(), b.MessageId));
            Assert.Equal((a.IsCorrelationIdPresent(), a.CorrelationId), (b.IsCorrelationIdPresent(), b.CorrelationId));
            Assert.Equal((a.IsDeliveryModePresent(), a.DeliveryMode), (b.IsDeliveryModePresent(), b.DeliveryMode));
            Assert.Equal((a.IsPriorityPresent(), a.Priority), (b.IsPriorityPresent(), b.Priority));
            Assert.Equal(a.IsExpirationPresent(), b.IsExpirationPresent());
            Assert.Equal((a.IsTypePresent(), a.Type), (b.IsTypePresent(), b.Type));
            Assert.Equal((a.IsAppIdPresent(), a.AppId), (b.IsAppIdPresent(), b.AppId));
            Assert.Equal((a.IsUserIdPresent(), a.UserId), (b.IsUserIdPresent(), b.UserId));
            Assert.Equal((a.IsReplyToPresent(), a.ReplyTo), (b.IsReplyToPresent(), b.ReplyTo));
            Assert.Equal((a.IsTimestampPresent(), a.Timestamp.UnixTime), (b.IsTimestampPresent(), b.Timestamp.UnixTime));
            Assert.Equal((a.IsClusterIdPresent(), a.ClusterId), (b.IsClusterIdPresent(), b.ClusterId));
            Assert.Equal((a.IsHeadersPresent(), a.IsHeadersPresent()), (b.IsHeadersPresent(), b.IsHeadersPresent()));

            var ha = a.Headers ?? new Dictionary<string, object?>();
            var hb = b.Headers ?? new Dictionary<string, object?>();
            Assert.Equal(ha.Keys.Order(StringComparer.Ordinal), hb.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, value) in ha)
            {
                if (key == SequenceHeader)
                {
                    Assert.IsType<long>(value);
                    Assert.IsType<long>(hb[key]);
                    continue;
                }

                Assert.Equal(Describe(value), Describe(hb[key]));
            }

            Assert.Equal("bytes:" + scheduled.TokenId.ToString("D"), Describe(ha[MessageHeaders.SchedulingTokenId]));
            Assert.Equal((messageId ?? Guid.Parse(Describe(stored.Body, "messageId"))).ToString("D"), a.MessageId);

            // The body, byte for byte (with a time-to-live, once each publish's expirationTime is set aside; it is checked
            // below against the time left that publish sent).
            var bodyA = mt.Normalized(timeToLive);
            var bodyB = own.Normalized(timeToLive);
            Assert.Equal(bodyA, bodyB);
            if (timeToLive is { } ttl2)
            {
                Assert.True(a.IsExpirationPresent());
                foreach (var sent in new[] { mt, own })
                {
                    var left = long.Parse(sent.Message.BasicProperties.Expiration!, System.Globalization.CultureInfo.InvariantCulture);
                    Assert.InRange(left, (long)(ttl2 - (sent.After - scheduled.ScheduledTime.ToUniversalTime())).TotalMilliseconds - 1000,
                        (long)ttl2.TotalMilliseconds);
                    var expires = Regex.Match(Encoding.UTF8.GetString(sent.Message.Body.Span), "\"expirationTime\": \"([^\"]+)\"");
                    var at = DateTime.Parse(expires.Groups[1].Value, null, System.Globalization.DateTimeStyles.RoundtripKind).ToUniversalTime();
                    Assert.InRange(at, sent.Before.AddMilliseconds(left - 1), sent.After.AddMilliseconds(left + 1));
                }
            }
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
        }
    }

    /// <summary>A fetched message and the interval in which it was published.</summary>
    sealed record Sent(BasicGetResult Message, DateTime Before, DateTime After)
    {
        /// <summary>The body, with a time-to-live its <c>expirationTime</c> replaced by a mark.</summary>
        public string Normalized(TimeSpan? timeToLive)
        {
            var text = Encoding.UTF8.GetString(Message.Body.Span);
            if (timeToLive != null)
            {
                var expires = Regex.Match(text, "\"expirationTime\": \"([^\"]+)\"");
                Assert.True(expires.Success, "the body has an expirationTime: " + text);
                text = text.Replace(expires.Value, "\"expirationTime\": \"(expires)\"", StringComparison.Ordinal);
            }

            return text;
        }
    }

    static string Describe(object? value) => value switch
    {
        null => "(null)",
        byte[] bytes => "bytes:" + Encoding.UTF8.GetString(bytes),
        _ => $"{value.GetType().Name}:{value}",
    };

    static string Describe(ReadOnlyMemory<byte> json, string property)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.GetProperty(property).GetString()!;
    }

    /// <summary>The next message of this run on the capture queue (other tests publish ProbeMessages to the same exchange).</summary>
    static async Task<BasicGetResult> Fetch(IChannel channel, string queue, string runId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var got = await channel.BasicGetAsync(queue, autoAck: true);
            if (got == null)
                await Task.Delay(50);
            else if (Encoding.UTF8.GetString(got.Body.Span).Contains(runId, StringComparison.Ordinal))
                return got;
        }

        throw new TimeoutException($"no message of {runId} arrived on {queue}");
    }
}

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using MassTransit.Serialization;

namespace Messaging.Scheduler.Tests;

/// <summary>The compact entry format (format 2): a MassTransit envelope stored in few bytes comes back equal in every field
/// MassTransit reads, and anything the format cannot hold without loss is stored whole instead.</summary>
public sealed class CompactEnvelopeTests
{
    public sealed record Notice(string CorrelationKey, string Recipient, string Text, int Count, DateTime At, decimal Price);

    static readonly Notice Sample = new("AAA", "+7 900 000-00-00", "Привет ✓ <a href=\"x\">&amp;</a>", 3,
        new DateTime(2026, 11, 27, 1, 2, 3, DateTimeKind.Utc), 12.50m);

    static readonly Uri Destination = new("rabbitmq://localhost/vhost/Messaging.Scheduler.Tests:Notice");

    static async Task<(StoredMessage Stored, Guid Token)> Serialize(Action<SendContext<Notice>>? configure = null)
    {
        var pipe = Pipe.Execute<SendContext<Notice>>(context => configure?.Invoke(context));
        return await new ScheduledMessageSerializer(int.MaxValue).Serialize(Destination, Sample, pipe, Guid.NewGuid(),
            new Uri("rabbitmq://localhost/vhost/producer_bus_abc?temporary=true"), null, CancellationToken.None);
    }

    static SerializerContext Read(StoredMessage message) =>
        SystemTextJsonMessageSerializer.Instance.Deserialize(new BytesMessageBody(message.Body.ToArray()), EmptyHeaders.Instance, message.Destination);

    static StoredMessage RoundTrip(StoredMessage stored, Guid token, out EncodedEntry encoded)
    {
        encoded = StoredMessageCodec.Encode(stored, token);
        return StoredMessageCodec.Decode(encoded.Payload).Expand(encoded.Names, SchedulerKeyspace.Format(token));
    }

    [Fact]
    public async Task Every_field_of_the_envelope_comes_back()
    {
        var (stored, token) = await Serialize(context =>
        {
            context.CorrelationId = Guid.NewGuid();
            context.RequestId = Guid.NewGuid();
            context.InitiatorId = Guid.NewGuid();
            context.ConversationId = Guid.NewGuid();
            context.ResponseAddress = new Uri("rabbitmq://localhost/vhost/responses");
            context.FaultAddress = new Uri("rabbitmq://localhost/vhost/faults");
            context.TimeToLive = TimeSpan.FromHours(2);
            context.Headers.Set("Tenant", "north");
            context.Headers.Set("Attempt", 4);
            context.Headers.Set("Nested", new Dictionary<string, object> { ["a"] = 1, ["b"] = "two" });
        });

        var expanded = RoundTrip(stored, token, out var encoded);

        Assert.Equal(2, encoded.Payload[0]);
        var after = Read(expanded);
        AssertSameMessage(stored, expanded, exactTimes: true);
        Assert.NotNull(after.ExpirationTime);
        Assert.Equal(token.ToString("D"), after.Headers.Get<string>(MessageHeaders.SchedulingTokenId));
        Assert.Equal("north", after.Headers.Get<string>("Tenant"));
    }

    [Fact]
    public async Task A_scheduled_message_is_stored_as_the_envelope_MassTransit_would_serialize()
    {
        var ids = (Message: Guid.NewGuid(), Correlation: Guid.NewGuid(), Conversation: Guid.NewGuid(), Token: Guid.NewGuid());
        void Configure(SendContext<Notice> context)
        {
            context.MessageId = ids.Message;
            context.CorrelationId = ids.Correlation;
            context.ConversationId = ids.Conversation;
            context.ScheduledMessageId = ids.Token;
            context.ResponseAddress = new Uri("rabbitmq://localhost/vhost/responses");
            context.TimeToLive = TimeSpan.FromHours(2);
            context.Headers.Set("Tenant", "north");
            context.Headers.Set("Nested", new Dictionary<string, object> { ["a"] = 1, ["b"] = "two" });
        }

        var serializer = new ScheduledMessageSerializer(int.MaxValue);
        var source = new Uri("rabbitmq://localhost/vhost/producer_bus_abc?temporary=true");
        var (whole, wholeToken) = await serializer.Serialize(Destination, Sample, Pipe.Execute<SendContext<Notice>>(Configure), Guid.NewGuid(), source, null,
            CancellationToken.None);
        var (entry, token) = await serializer.Encode(Destination, Sample, Pipe.Execute<SendContext<Notice>>(Configure), Guid.NewGuid(), source, null,
            CancellationToken.None);

        Assert.Equal(ids.Token, token);
        Assert.Equal(wholeToken, token);
        Assert.Equal(2, entry.Payload[0]);
        var expanded = StoredMessageCodec.Decode(entry.Payload).Expand(entry.Names, SchedulerKeyspace.Format(token));
        AssertSameMessage(whole, expanded, exactTimes: false);
    }

    /// <summary>Everything MassTransit reads from the two envelopes is the same; the times within 5 s unless
    /// <paramref name="exactTimes" /> (two envelopes of the same send context are made a few microseconds apart).</summary>
    static void AssertSameMessage(StoredMessage expectedMessage, StoredMessage actualMessage, bool exactTimes)
    {
        var expected = Read(expectedMessage);
        var actual = Read(actualMessage);
        Assert.Equal(expectedMessage.Destination, actualMessage.Destination);
        Assert.Equal(expectedMessage.ContentType, actualMessage.ContentType);
        Assert.Equal(expectedMessage.TransportProperties, actualMessage.TransportProperties);
        Assert.Equal(expected.MessageId, actual.MessageId);
        Assert.Equal(expected.CorrelationId, actual.CorrelationId);
        Assert.Equal(expected.ConversationId, actual.ConversationId);
        Assert.Equal(expected.RequestId, actual.RequestId);
        Assert.Equal(expected.InitiatorId, actual.InitiatorId);
        Assert.Equal(expected.SourceAddress, actual.SourceAddress);
        Assert.Equal(expected.DestinationAddress, actual.DestinationAddress);
        Assert.Equal(expected.ResponseAddress, actual.ResponseAddress);
        Assert.Equal(expected.FaultAddress, actual.FaultAddress);
        Assert.Equal(expected.SupportedMessageTypes, actual.SupportedMessageTypes);
        Assert.Equal(expected.ExpirationTime.HasValue, actual.ExpirationTime.HasValue);
        Assert.Equal(expected.SentTime.HasValue, actual.SentTime.HasValue);
        var tolerance = exactTimes ? TimeSpan.Zero : TimeSpan.FromSeconds(5);
        if (expected.ExpirationTime is { } expiration)
            Assert.InRange(actual.ExpirationTime!.Value - expiration, TimeSpan.Zero, tolerance);
        if (expected.SentTime is { } sent)
            Assert.InRange(actual.SentTime!.Value - sent, TimeSpan.Zero, tolerance);
        Assert.Equal(JsonSerializer.Serialize(expected.Host), JsonSerializer.Serialize(actual.Host));
        Assert.Equal(Headers(expected), Headers(actual));
        Assert.True(actual.TryGetMessage<Notice>(out var message));
        Assert.Equal(Sample, message);
    }

    static string Headers(SerializerContext context) =>
        string.Join("\n", context.Headers.GetAll().OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}={JsonSerializer.Serialize(h.Value)}"));

    [Fact]
    public async Task The_entry_holds_the_message_json_and_little_else()
    {
        var (stored, token) = await Serialize();
        var encoded = StoredMessageCodec.Encode(stored, token);

        var messageJson = JsonSerializer.SerializeToUtf8Bytes(Sample, new JsonSerializerOptions(SystemTextJsonMessageSerializer.Options) { WriteIndented = false });
        Assert.True(encoded.Payload.Length - messageJson.Length <= 96,
            $"the entry is {encoded.Payload.Length} bytes for a {messageJson.Length}-byte message (the whole envelope is {stored.Body.Length} bytes)");
        Assert.Contains(Destination.ToString(), encoded.Names.Values);
        Assert.Contains("urn:message:Messaging.Scheduler.Tests:CompactEnvelopeTests+Notice", encoded.Names.Values);
    }

    [Fact]
    public async Task An_envelope_with_a_field_the_format_does_not_know_is_stored_whole()
    {
        var (stored, token) = await Serialize();
        var json = JsonNode.Parse(stored.Body.Span)!.AsObject();
        json["aFieldFromANewerMassTransit"] = 42;
        var changed = stored with { Body = Encoding.UTF8.GetBytes(json.ToJsonString()) };

        var expanded = RoundTrip(changed, token, out var encoded);

        Assert.IsType<WholeEnvelope>(StoredMessageCodec.Decode(encoded.Payload));
        Assert.Empty(encoded.Names);
        Assert.Equal(changed.Body.ToArray(), expanded.Body.ToArray());
    }

    [Theory]
    [InlineData("messageId", "not-a-guid")]
    [InlineData("sentTime", "yesterday")]
    [InlineData("messageType", "urn:message:Not:AnArray")]
    public async Task An_envelope_the_format_cannot_hold_exactly_is_stored_whole(string field, string value)
    {
        var (stored, token) = await Serialize();
        var json = JsonNode.Parse(stored.Body.Span)!.AsObject();
        json[field] = value;
        var changed = stored with { Body = Encoding.UTF8.GetBytes(json.ToJsonString()) };

        var expanded = RoundTrip(changed, token, out var encoded);

        Assert.IsType<WholeEnvelope>(StoredMessageCodec.Decode(encoded.Payload));
        Assert.Equal(changed.Body.ToArray(), expanded.Body.ToArray());
    }

    [Fact]
    public void Another_content_type_is_stored_whole()
    {
        var message = new StoredMessage(Destination, "application/json", new Dictionary<string, object>(), Encoding.UTF8.GetBytes("{\"a\":1}"));

        var expanded = RoundTrip(message, Guid.NewGuid(), out var encoded);

        Assert.IsType<WholeEnvelope>(StoredMessageCodec.Decode(encoded.Payload));
        Assert.Equal("application/json", expanded.ContentType);
        Assert.Equal(message.Body.ToArray(), expanded.Body.ToArray());
    }

    [Fact]
    public async Task A_missing_name_is_reported_as_an_unreadable_entry()
    {
        var (stored, token) = await Serialize();
        var encoded = StoredMessageCodec.Encode(stored, token);
        var names = encoded.Names.Where(n => n.Value != Destination.ToString()).ToDictionary();

        var error = Assert.Throws<FormatException>(() => StoredMessageCodec.Decode(encoded.Payload).Expand(names, SchedulerKeyspace.Format(token)));

        Assert.Contains($"{NameTable.IdOf(Destination.ToString()):x16}, which is missing from the scheduler's names hash", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_compact_entry_is_reported()
    {
        var (stored, token) = await Serialize();
        var payload = StoredMessageCodec.Encode(stored, token).Payload;

        var error = Assert.Throws<FormatException>(() => StoredMessageCodec.Decode(payload.AsMemory(0, payload.Length - 5)));

        Assert.Contains("message should be", error.Message, StringComparison.Ordinal);
    }
}

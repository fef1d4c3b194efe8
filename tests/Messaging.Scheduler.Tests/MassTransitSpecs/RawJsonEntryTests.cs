using System.Text.Json;
using MassTransit;
using MassTransit.Serialization;

namespace Messaging.Scheduler.Tests.MassTransitSpecs;

/// <summary>
/// How a raw JSON message is kept: as a compact envelope like any other (its IDs and headers kept), marked to be delivered
/// as raw JSON; an entry without the mark, as every entry written before it, is delivered as an envelope.
/// </summary>
public sealed class RawJsonEntryTests
{
    static readonly Uri Destination = new("rabbitmq://localhost/Messaging.Scheduler.Tests.MassTransitSpecs:SpecMessage");

    static async Task<StoredMessage> StoreAndReadBack(IMessageSerializer? serializer)
    {
        var token = Guid.NewGuid();
        var pipe = Pipe.Execute<SendContext<SpecMessage>>(context =>
        {
            if (serializer != null)
                context.Serializer = serializer;
            context.Headers.Set("X-Tenant", "tenant-7");
        });
        var (entry, _) = await new ScheduledMessageSerializer(int.MaxValue).Encode(Destination, new SpecMessage { RunId = "r", Text = "raw" }, pipe, token,
            null, null, CancellationToken.None);
        var stored = StoredMessageCodec.Decode(entry.Payload);
        Assert.IsType<CompactEnvelope>(stored);
        return stored.Expand(entry.Names, token.ToString("N"));
    }

    [Fact]
    public async Task A_raw_json_message_is_stored_as_a_compact_envelope_marked_to_be_delivered_as_raw_json()
    {
        var message = await StoreAndReadBack(new SystemTextJsonRawMessageSerializer());

        Assert.True(RawJsonReplay.IsMarked(message));
        var serializer = RawJsonReplay.Serializer(message);
        Assert.Equal("application/json", serializer.ContentType.MediaType);

        using var envelope = JsonDocument.Parse(message.Body);
        Assert.Equal("raw", envelope.RootElement.GetProperty("message").GetProperty("text").GetString());
        Assert.Equal("tenant-7", envelope.RootElement.GetProperty("headers").GetProperty("X-Tenant").GetString());
    }

    [Fact]
    public async Task An_envelope_message_is_not_marked_and_is_delivered_as_an_envelope()
    {
        var message = await StoreAndReadBack(null);

        Assert.False(RawJsonReplay.IsMarked(message));
        Assert.DoesNotContain(ReplayFormat.PropertyName, message.TransportProperties.Keys);
        Assert.Equal(CompactEnvelope.ContentType, message.ContentType);
    }
}

using System.Text.Json;
using Messaging.Contracts;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>The benchmark's message: a <see cref="SellerNotification" /> whose bare JSON is 200 bytes.</summary>
internal sealed class Notifications
{
    public const int JsonBytes = 200;
    const string Recipient = "+4915112345678";

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    readonly RunTracker _tracker;
    readonly string _text;

    public Notifications(RunTracker tracker)
    {
        _tracker = tracker;
        var bare = JsonSize(new SellerNotification { CorrelationKey = tracker.Key(0), Recipient = Recipient, Text = string.Empty });
        _text = new string('x', Math.Max(0, JsonBytes - bare));
    }

    public SellerNotification Create(int seq) => new() { CorrelationKey = _tracker.Key(seq), Recipient = Recipient, Text = _text };

    /// <summary>The bare message's JSON size, as MassTransit's serializer writes it (camelCase, UTF-8).</summary>
    public static int JsonSize(SellerNotification message) => JsonSerializer.SerializeToUtf8Bytes(message, Json).Length;
}

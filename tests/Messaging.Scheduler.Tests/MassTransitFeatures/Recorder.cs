using System.Collections.Concurrent;
using MassTransit;

namespace Messaging.Scheduler.Tests.MassTransitFeatures;

/// <summary>What the consumers, sagas and observers of one test saw, each with the Redis clock at that moment: the
/// test waits on it and asserts against it.</summary>
public sealed class Recorder
{
    readonly ConcurrentQueue<Seen> _seen = new();

    public Recorder(string runId)
    {
        RunId = runId;
    }

    /// <summary>The run whose messages count (message exchanges are shared by every test).</summary>
    public string RunId { get; }

    public IReadOnlyList<Seen> All => _seen.ToArray();

    public IReadOnlyList<Seen> Of(string what) => _seen.Where(s => s.What == what).ToArray();

    /// <summary>Records <paramref name="what" /> for a consume context, with its ids, headers and addresses.</summary>
    public async Task Record(string what, ConsumeContext context, object? message = null)
    {
        var now = await TestServers.RedisNow(await TestServers.RedisDatabase());
        var headers = context.Headers.GetAll().ToDictionary(h => h.Key, h => h.Value);
        _seen.Enqueue(new Seen(what, message, now, context.MessageId, context.RequestId, context.GetRedeliveryCount(),
            headers.TryGetValue(MessageHeaders.SchedulingTokenId, out var token) && Guid.TryParse(token?.ToString(), out var id) ? id : null,
            headers, context.DestinationAddress, context.ResponseAddress));
    }

    /// <summary>Records <paramref name="what" /> outside a consume context.</summary>
    public async Task Record(string what, object? message = null)
    {
        var now = await TestServers.RedisNow(await TestServers.RedisDatabase());
        _seen.Enqueue(new Seen(what, message, now, null, null, 0, null, new Dictionary<string, object>(), null, null));
    }

    public async Task WaitFor(string what, int count, TimeSpan timeout)
    {
        if (!await Wait.TryUntil(() => Of(what).Count >= count, timeout))
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {count} × '{what}' were recorded (got {Of(what).Count}; all: {Describe()}).");
    }

    public string Describe() => string.Join(", ", All.Select(s => s.What));

    /// <summary>Now, by the Redis clock, Unix ms.</summary>
    public static async Task<long> RedisNow() => await TestServers.RedisNow(await TestServers.RedisDatabase());
}

/// <summary>One thing a test's consumer, saga or observer saw.</summary>
public sealed record Seen(
    string What,
    object? Message,
    long RedisTimeMs,
    Guid? MessageId,
    Guid? RequestId,
    int RedeliveryCount,
    Guid? SchedulingTokenId,
    IReadOnlyDictionary<string, object> Headers,
    Uri? DestinationAddress,
    Uri? ResponseAddress);

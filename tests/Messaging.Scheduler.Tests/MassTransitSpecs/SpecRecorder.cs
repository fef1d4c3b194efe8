using System.Collections.Concurrent;
using MassTransit;

namespace Messaging.Scheduler.Tests.MassTransitSpecs;

/// <summary>What the consumers of one scenario received (only messages of its run), and where.</summary>
public sealed class SpecRecorder
{
    readonly ConcurrentQueue<SpecReceived> _received = new();

    public SpecRecorder(string name)
    {
        RunId = TestServers.UniqueName(name);
    }

    public string RunId { get; }

    public IReadOnlyList<SpecReceived> Received => _received.ToArray();

    public void Record<T>(string consumer, ConsumeContext<T> context)
        where T : class, ISpecMessage
    {
        if (context.Message.RunId != RunId)
            return;
        _received.Enqueue(new SpecReceived(consumer, context.Message.Text, context.Message.Priority, context.MessageId,
            context.ReceiveContext.ContentType?.MediaType,
            context.Headers.GetAll().ToDictionary(h => h.Key, h => h.Value, StringComparer.OrdinalIgnoreCase), DateTime.UtcNow));
    }

    public static string QueueOf(ConsumeContext context) => context.ReceiveContext.InputAddress?.AbsolutePath.Split('/').Last() ?? string.Empty;

    public SpecMessage Message(string text) => new() { RunId = RunId, Text = text };

    public RoutedMessage Routed(string text, string priority) => new() { RunId = RunId, Text = text, Priority = priority };

    public Task WaitFor(Func<SpecReceived, bool> match, TimeSpan timeout, string what) =>
        Wait.Until(() => _received.Any(match), timeout, what);
}

/// <summary>One received <see cref="SpecMessage" />.</summary>
public sealed record SpecReceived(string Consumer, string Text, string Priority, Guid? MessageId, string? ContentType,
    IReadOnlyDictionary<string, object> Headers, DateTime ReceivedUtc);

/// <summary>What the scenarios' messages have in common.</summary>
public interface ISpecMessage
{
    string RunId { get; }
    string Text { get; }
    string Priority { get; }
}

/// <summary>The message of most scenarios (its exchange is MassTransit's default fanout).</summary>
public sealed record SpecMessage : ISpecMessage
{
    public string RunId { get; init; } = string.Empty;
    public string Text { get; init; } = string.Empty;
    public string Priority { get; init; } = string.Empty;
}

/// <summary>As MassTransit's spec's <c>TextMessage</c>: published to a direct exchange, with a routing key that the
/// routing key formatter makes from its priority (a type of its own: one exchange has one type).</summary>
public sealed record RoutedMessage : ISpecMessage
{
    public string RunId { get; init; } = string.Empty;
    public string Text { get; init; } = string.Empty;
    public string Priority { get; init; } = string.Empty;
}

/// <summary>Records the <see cref="SpecMessage" />s it receives, as the consumer named by its queue.</summary>
public sealed class SpecConsumer(SpecRecorder recorder) : IConsumer<SpecMessage>
{
    public Task Consume(ConsumeContext<SpecMessage> context)
    {
        recorder.Record(SpecRecorder.QueueOf(context), context);
        return Task.CompletedTask;
    }
}

/// <summary>Records the <see cref="RoutedMessage" />s it receives, as the consumer named by its queue (a consumer of its
/// own: binding it with MassTransit's default topology would declare the direct exchange as a fanout one).</summary>
public sealed class RoutedConsumer(SpecRecorder recorder) : IConsumer<RoutedMessage>
{
    public Task Consume(ConsumeContext<RoutedMessage> context)
    {
        recorder.Record(SpecRecorder.QueueOf(context), context);
        return Task.CompletedTask;
    }
}

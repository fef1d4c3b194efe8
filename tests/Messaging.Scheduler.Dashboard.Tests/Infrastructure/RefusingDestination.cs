namespace Messaging.Scheduler.Dashboard.Tests.Infrastructure;

/// <summary>
/// A destination that refuses every send while <see cref="Refusing" /> is on: the bus's send pipe throws for it before the
/// message reaches RabbitMQ, so the bridge's delivery fails as it does when a broker refuses a publish.
/// </summary>
public sealed class RefusingDestination(string queue)
{
    public const string Error = "the destination refuses every message (test)";

    public string Queue { get; } = queue;

    public volatile bool Refusing = true;

    public bool Refuses(Uri? destination) =>
        Refusing && destination != null && destination.AbsolutePath.TrimEnd('/').EndsWith("/" + Queue, StringComparison.Ordinal);
}

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>A command whose consumer schedules a <see cref="ProbeMessage" /> with <c>context.SchedulePublish</c>.</summary>
public sealed record ScheduleFromConsumer
{
    public string RunId { get; init; } = string.Empty;
    public int Number { get; init; }
    public int DelayMilliseconds { get; init; }
}

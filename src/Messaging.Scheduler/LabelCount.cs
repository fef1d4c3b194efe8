namespace Messaging.Scheduler;

/// <summary>The stored messages of one message type, destination or channel.</summary>
/// <param name="Pending">Not dead-lettered: waiting, overdue, in flight or paused.</param>
/// <param name="DeadLettered">Dead-lettered.</param>
public readonly record struct LabelCount(long Pending, long DeadLettered);

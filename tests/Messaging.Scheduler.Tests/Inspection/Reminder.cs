namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>A message type the inspection tests schedule (its URN ends in <c>:Reminder</c>).</summary>
public sealed record Reminder(string Text, string Phone);

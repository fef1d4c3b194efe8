namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>Another message type the inspection tests schedule, to filter one from the other.</summary>
public sealed record Invoice(string Number);

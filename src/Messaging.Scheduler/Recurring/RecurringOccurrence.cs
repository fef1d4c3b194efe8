namespace Messaging.Scheduler.Recurring;

/// <summary>Which occurrence of a recurring schedule a claimed entry is.</summary>
/// <param name="Definition">The schedule's definition, as stored (JSON of <see cref="RecurringDefinition" />).</param>
/// <param name="OccurrenceMilliseconds">The occurrence's own time, Unix ms: it stays the same when a failed or
/// interrupted delivery of it is retried later.</param>
internal sealed record RecurringOccurrence(string Definition, long OccurrenceMilliseconds);

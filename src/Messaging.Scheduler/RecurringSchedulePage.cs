namespace Messaging.Scheduler;

/// <summary>One page of recurring schedules.</summary>
/// <param name="Items">The schedules.</param>
/// <param name="NextCursor">The cursor of the next page, or null when this page is the last.</param>
public sealed record RecurringSchedulePage(IReadOnlyList<RecurringScheduleInfo> Items, string? NextCursor);

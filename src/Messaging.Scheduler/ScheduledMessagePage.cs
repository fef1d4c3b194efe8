namespace Messaging.Scheduler;

/// <summary>One page of messages.</summary>
/// <param name="Items">The messages, in the index's order.</param>
/// <param name="NextCursor">The cursor of the next page, or null when this page is the last.</param>
/// <param name="Examined">How many index entries were looked at for this page (more than the items when a filter skipped
/// some; a filtered page may hold fewer items than its size and still have a next page).</param>
public sealed record ScheduledMessagePage(IReadOnlyList<ScheduledMessageSummary> Items, string? NextCursor, long Examined);

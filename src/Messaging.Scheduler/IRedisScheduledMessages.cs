namespace Messaging.Scheduler;

/// <summary>
/// What the scheduler holds, to see and to steer: counts, pages of waiting, in-flight and dead-lettered messages, one
/// message in full, and the changes an operator makes (cancel, reschedule, run now, requeue or delete dead letters, pause,
/// resume, run or cancel a recurring schedule). The dashboard and the <c>scheduler</c> command-line tool use only this.
/// Registered by <c>AddRedisMessageScheduler</c> (and by <c>services.AddRedisScheduledMessages</c> in a host without a bus).
/// </summary>
/// <remarks>
/// Every change is one Lua script on the Redis clock, safe while bridges run: a message claimed for delivery (in flight) is
/// never changed underneath its bridge, the change answers <see cref="ScheduledMessageChange.TooLate" /> instead. Counts are
/// kept by the same scripts that schedule, claim, acknowledge and cancel, so they answer without scanning. A token is the
/// message's <c>ScheduledMessage.TokenId</c>, in any GUID format, or a token exactly as listed.
/// </remarks>
public interface IRedisScheduledMessages
{
    /// <summary>How many messages are waiting, overdue, in flight and dead-lettered, how many recurring schedules are
    /// active and paused, and the stored messages per message type, destination and channel. Does not scan.</summary>
    Task<SchedulerCounts> Counts(CancellationToken cancellationToken = default);

    /// <summary>How many waiting messages fall due in each of <paramref name="buckets" /> equal slices of the next
    /// <paramref name="range" />, from now by the Redis clock (overdue messages are not in it).</summary>
    /// <param name="range">How far ahead to look, at most 30 days.</param>
    /// <param name="buckets">How many slices, 1 to 500.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    Task<DueHistogram> DueHistogram(TimeSpan range, int buckets, CancellationToken cancellationToken = default);

    /// <summary>One page of messages in one state, in the order of that state's index (waiting: by due time; in flight:
    /// by lease expiry; dead-lettered: by when they died), filtered as the query says.</summary>
    /// <exception cref="ArgumentException">The query is not valid (a page size out of range, a cursor from another query);
    /// the message says what to change.</exception>
    Task<ScheduledMessagePage> List(ScheduledMessageQuery query, CancellationToken cancellationToken = default);

    /// <summary>Finds the stored messages whose token, MessageId or CorrelationId is <paramref name="id" />. A token is
    /// found at once; a MessageId or CorrelationId needs a pass over every stored entry (in Redis, a slice at a time).</summary>
    /// <param name="id">The token, MessageId or CorrelationId.</param>
    /// <param name="progress">Told how many entries were searched so far; may be null.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    Task<IReadOnlyList<ScheduledMessageSummary>> Find(Guid id, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>One message in full: its envelope fields, headers, due time, attempts, state and last failure; its body only
    /// when <see cref="RedisSchedulerOptions.ShowMessageBodies" /> is on.</summary>
    /// <param name="token">The message's token.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    /// <returns>Null when no message is stored under the token.</returns>
    Task<ScheduledMessageDetails?> Show(string token, CancellationToken cancellationToken = default);

    /// <summary>Cancels a waiting, overdue or dead-lettered message (a recurring one: the whole schedule).</summary>
    /// <returns><see cref="ScheduledMessageChange.Done" /> when cancelled, <see cref="ScheduledMessageChange.TooLate" />
    /// when it is being delivered, <see cref="ScheduledMessageChange.NotFound" /> when nothing is stored under the token.</returns>
    Task<ScheduledMessageChange> Cancel(string token, CancellationToken cancellationToken = default);

    /// <summary>Moves a waiting or overdue message to another due time (a recurring schedule: its next occurrence).</summary>
    /// <param name="token">The message's token.</param>
    /// <param name="dueUtc">The new due time; a time in the past makes it due now.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    Task<ScheduledMessageChange> Reschedule(string token, DateTime dueUtc, CancellationToken cancellationToken = default);

    /// <summary>Makes a waiting message due now, by the Redis clock (a recurring schedule: one extra occurrence now, after
    /// which it goes on as before; a paused one is delivered once and stays paused).</summary>
    Task<ScheduledMessageChange> RunNow(string token, CancellationToken cancellationToken = default);

    /// <summary>Makes dead-lettered messages due again (now, attempts reset): one by token, or all that match.</summary>
    /// <param name="filter">Which dead letters; <see cref="ScheduledMessageFilter.All" /> for every one.</param>
    /// <param name="progress">Told how many were requeued so far; may be null.</param>
    /// <param name="cancellationToken">Stops between slices; the ones already requeued stay requeued.</param>
    /// <returns>How many were requeued.</returns>
    Task<long> RequeueDeadLetters(ScheduledMessageFilter filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes dead-lettered messages for good: all that match the filter.</summary>
    /// <returns>How many were deleted.</returns>
    Task<long> DeleteDeadLetters(ScheduledMessageFilter filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>One page of recurring schedules, in no particular order (a cursor walks them all).</summary>
    /// <param name="cursor">Null for the first page, then the page's <see cref="RecurringSchedulePage.NextCursor" />.</param>
    /// <param name="pageSize">About how many per page, 1 to 500.</param>
    /// <param name="cancellationToken">Stops the call.</param>
    Task<RecurringSchedulePage> ListRecurring(string? cursor = null, int pageSize = 50, CancellationToken cancellationToken = default);

    /// <summary>Pauses a recurring schedule: no occurrence is delivered until it is resumed.</summary>
    Task<ScheduledMessageChange> PauseRecurring(string token, CancellationToken cancellationToken = default);

    /// <summary>Resumes a paused recurring schedule from its next occurrence after now.</summary>
    Task<ScheduledMessageChange> ResumeRecurring(string token, CancellationToken cancellationToken = default);

    /// <summary>The bridges that have reported in the last minute: where they run, when they last claimed, how much they
    /// delivered and how late.</summary>
    Task<IReadOnlyList<SchedulerBridgeStatus>> Bridges(CancellationToken cancellationToken = default);
}

namespace Messaging.Scheduler.Inspection;

/// <summary>
/// <see cref="IRedisScheduledMessages" /> on the Redis store: counts and changes (<c>ScheduleCounts</c>,
/// <c>ScheduleSteering</c>), reading (<c>ScheduleBrowser</c>) and the bridges' reports
/// (<c>BridgeRegistry</c>).
/// </summary>
internal sealed class RedisScheduledMessages : IRedisScheduledMessages
{
    readonly ScheduleCounts _counts;
    readonly ScheduleSteering _steering;
    readonly ScheduleBrowser _browser;
    readonly BridgeRegistry _bridges;

    public RedisScheduledMessages(ScheduleCounts counts, ScheduleSteering steering, ScheduleBrowser browser, BridgeRegistry bridges)
    {
        _counts = counts;
        _steering = steering;
        _browser = browser;
        _bridges = bridges;
    }

    // ---- counts and changes (ScheduleCounts, ScheduleSteering)

    public Task<SchedulerCounts> Counts(CancellationToken cancellationToken = default) => _counts.Read(cancellationToken);

    public Task<ScheduledMessageChange> Cancel(string token, CancellationToken cancellationToken = default) => _steering.Cancel(token, cancellationToken);

    public Task<ScheduledMessageChange> Reschedule(string token, DateTime dueUtc, CancellationToken cancellationToken = default) =>
        _steering.Reschedule(token, dueUtc, cancellationToken);

    public Task<ScheduledMessageChange> RunNow(string token, CancellationToken cancellationToken = default) => _steering.RunNow(token, cancellationToken);

    public Task<long> RequeueDeadLetters(ScheduledMessageFilter filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        _steering.RequeueDeadLetters(filter, progress, cancellationToken);

    public Task<long> DeleteDeadLetters(ScheduledMessageFilter filter, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        _steering.DeleteDeadLetters(filter, progress, cancellationToken);

    public Task<ScheduledMessageChange> PauseRecurring(string token, CancellationToken cancellationToken = default) =>
        _steering.PauseRecurring(token, cancellationToken);

    public Task<ScheduledMessageChange> ResumeRecurring(string token, CancellationToken cancellationToken = default) =>
        _steering.ResumeRecurring(token, cancellationToken);

    // ---- reading (ScheduleBrowser) and the bridges (BridgeRegistry)

    public Task<DueHistogram> DueHistogram(TimeSpan range, int buckets, CancellationToken cancellationToken = default) =>
        _browser.DueHistogram(range, buckets, cancellationToken);

    public Task<ScheduledMessagePage> List(ScheduledMessageQuery query, CancellationToken cancellationToken = default) =>
        _browser.List(query, cancellationToken);

    public Task<IReadOnlyList<ScheduledMessageSummary>> Find(Guid id, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        _browser.Find(id, progress, cancellationToken);

    public Task<ScheduledMessageDetails?> Show(string token, CancellationToken cancellationToken = default) => _browser.Show(token, cancellationToken);

    public Task<RecurringSchedulePage> ListRecurring(string? cursor = null, int pageSize = 50, CancellationToken cancellationToken = default) =>
        _browser.ListRecurring(cursor, pageSize, cancellationToken);

    public Task<IReadOnlyList<SchedulerBridgeStatus>> Bridges(CancellationToken cancellationToken = default) => _bridges.List(cancellationToken);
}

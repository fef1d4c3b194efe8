namespace Messaging.Scheduler.Tests.Inspection;

/// <summary><see cref="IRedisScheduledMessages.Find" />: by token at once, by MessageId and CorrelationId with a pass over
/// every entry, a slice at a time.</summary>
public sealed class FindTests() : BrowseTestBase("find")
{
    [Fact]
    public async Task Find_by_message_id_correlation_id_and_token_across_partitions()
    {
        var now = await RedisUtc();
        var others = await ScheduleMany(2500, i => now.AddMinutes(1 + i % 50));
        var correlation = Guid.NewGuid();
        var related = new List<Stored>();
        for (var i = 0; i < 5; i++)
            related.Add(await Schedule(new Reminder($"related {i}", "+55"), now.AddMinutes(i), correlationId: correlation));
        // A token that is also some message's CorrelationId is found both ways, once each.
        var twice = await Schedule(new Reminder("twice", "+55"), now.AddMinutes(9), correlationId: others[7].Token);

        var progress = new List<long>();
        var byCorrelation = await Api.Find(correlation, new SynchronousProgress(progress.Add));
        Assert.Equal(related.Select(r => r.Key).Order(StringComparer.Ordinal), byCorrelation.Select(s => s.Token).Order(StringComparer.Ordinal));
        Assert.All(byCorrelation, s => Assert.Equal(correlation, s.CorrelationId));
        Assert.True(progress.Count >= 4, $"progress was reported {progress.Count} time(s)");
        Assert.Equal(progress.Order().ToList(), progress);
        Assert.InRange(progress[^1], 2506, 2506 * 2);

        var target = others[1234];
        var byMessageId = Assert.Single(await Api.Find(target.MessageId));
        Assert.Equal(target.Key, byMessageId.Token);
        Assert.Equal(target.MessageId, byMessageId.MessageId);

        var byToken = await Api.Find(others[7].Token);
        Assert.Equal([others[7].Key, twice.Key], byToken.Select(s => s.Token).ToList());

        Assert.Empty(await Api.Find(Guid.NewGuid()));
    }

    [Fact]
    public async Task Find_stops_when_cancelled()
    {
        await ScheduleMany(3000, i => DateTime.UtcNow.AddHours(1));
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(_ => cancel.Cancel());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Api.Find(Guid.NewGuid(), progress, cancel.Token));
    }

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}

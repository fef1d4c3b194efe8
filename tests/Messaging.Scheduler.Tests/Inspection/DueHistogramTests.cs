namespace Messaging.Scheduler.Tests.Inspection;

/// <summary><see cref="IRedisScheduledMessages.DueHistogram" />: the waiting messages per slice of time ahead.</summary>
public sealed class DueHistogramTests() : BrowseTestBase("histogram")
{
    [Fact]
    public async Task The_histogram_counts_the_messages_due_in_each_slice_from_now_and_leaves_out_the_overdue_and_later_ones()
    {
        var now = await RedisUtc();
        // 3 overdue, then one message every minute from 1 to 59 minutes (30 s past it), and 4 after the hour.
        await ScheduleMany(3, i => now.AddMinutes(-1 - i));
        await ScheduleMany(59, i => now.AddMinutes(1 + i).AddSeconds(30));
        await ScheduleMany(4, i => now.AddHours(2).AddMinutes(i));

        var histogram = await Api.DueHistogram(TimeSpan.FromHours(1), 6);

        Assert.Equal(6, histogram.Counts.Count);
        Assert.Equal(TimeSpan.FromMinutes(10), histogram.BucketWidth);
        Assert.InRange(histogram.StartUtc, now, now.AddSeconds(30));
        Assert.Equal(59, histogram.Counts.Sum());
        // The histogram starts a few seconds after 'now' (less than 30 s): slice k holds the messages of minutes 10k to 10k+9.
        Assert.Equal([9, 10, 10, 10, 10, 10], histogram.Counts.ToList());

        var fine = await Api.DueHistogram(TimeSpan.FromHours(3), 180);
        Assert.Equal(63, fine.Counts.Sum());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Api.DueHistogram(TimeSpan.FromDays(31), 10));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Api.DueHistogram(TimeSpan.FromHours(1), 501));
    }
}

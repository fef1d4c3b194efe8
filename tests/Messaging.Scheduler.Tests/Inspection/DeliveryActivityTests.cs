using Microsoft.Extensions.Time.Testing;

namespace Messaging.Scheduler.Tests.Inspection;

/// <summary>The bridge's window of recent deliveries (<see cref="DeliveryActivity" />), which its report takes the lateness
/// percentiles from.</summary>
public sealed class DeliveryActivityTests
{
    [Fact]
    public void Lateness_percentiles_cover_the_deliveries_of_the_window_only()
    {
        var time = new FakeTimeProvider();
        var activity = new DeliveryActivity(time);
        Assert.Null(activity.Lateness(TimeSpan.FromMinutes(5)));
        Assert.Null(activity.LastClaim);

        for (var i = 0; i < 100; i++)
            activity.Record(10_000);
        time.Advance(TimeSpan.FromMinutes(6));
        for (var i = 1; i <= 200; i++)
            activity.Record(i);
        activity.Claimed(1_700_000_000_000);

        var (p50, p99) = activity.Lateness(TimeSpan.FromMinutes(5))!.Value;
        Assert.Equal(100, p50);
        Assert.Equal(198, p99);
        Assert.Equal(300, activity.Delivered);
        Assert.Equal(1_700_000_000_000, activity.LastClaim);

        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Null(activity.Lateness(TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void The_window_keeps_only_the_most_recent_deliveries()
    {
        var activity = new DeliveryActivity(new FakeTimeProvider());
        for (var i = 0; i < DeliveryActivity.Capacity; i++)
            activity.Record(1_000);
        for (var i = 0; i < DeliveryActivity.Capacity; i++)
            activity.Record(5);

        Assert.Equal((5d, 5d), activity.Lateness(TimeSpan.FromMinutes(5)));
        Assert.Equal(2L * DeliveryActivity.Capacity, activity.Delivered);
    }
}

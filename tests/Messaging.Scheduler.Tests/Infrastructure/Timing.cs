namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>The timing rule every delivery test checks: never before due by the Redis clock, and not later than a bound.</summary>
public static class Timing
{
    /// <summary>How late a single message may be consumed. Typical lateness on these machines is 10-30 ms; the bound
    /// leaves room for a loaded 2-core machine running the suite in parallel.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    public static long UnixMs(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;

    public static void OnTime(Delivery delivery, DateTime dueUtc, TimeSpan? bound = null)
    {
        var due = UnixMs(dueUtc);
        var late = delivery.RedisTimeMs - due;
        Assert.True(late >= 0, $"message {delivery.Message.Number} was consumed {-late} ms before it was due (Redis clock)");
        var limit = (long)(bound ?? Bound).TotalMilliseconds;
        Assert.True(late <= limit, $"message {delivery.Message.Number} was consumed {late} ms after it was due; the bound is {limit} ms");
    }
}

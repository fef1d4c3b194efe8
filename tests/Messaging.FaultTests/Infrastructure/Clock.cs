namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// The machine clock in Unix microseconds. Redis, the workers and this program run on one machine, so this is the clock
/// Redis <c>TIME</c> reads too: due times and receive times are compared on it directly.
/// </summary>
internal static class Clock
{
    public static long NowUs() => ToUs(DateTime.UtcNow);

    public static long ToUs(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    public static DateTime FromUs(long us) => new(DateTime.UnixEpoch.Ticks + us * 10, DateTimeKind.Utc);

    /// <summary>Waits until this clock reaches <paramref name="us" /> (a scenario's planned moment, not a guess at readiness).</summary>
    public static async Task WaitUntil(long us, CancellationToken cancellationToken)
    {
        while (true)
        {
            var left = us - NowUs();
            if (left <= 0)
                return;
            await Task.Delay(TimeSpan.FromMicroseconds(Math.Min(left, 200_000)), cancellationToken);
        }
    }

    public static string Format(long us) => FromUs(us).ToString("HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture);
}

namespace Messaging.FaultTests.Infrastructure;

/// <summary>Waits on a condition with a deadline, polling; never a fixed sleep.</summary>
internal static class Wait
{
    static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>Polls <paramref name="condition" /> until it holds (true) or <paramref name="timeout" /> passed (false).</summary>
    public static async Task<bool> Until(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? poll = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await condition())
                return true;
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(poll ?? DefaultPoll, cancellationToken);
        }
    }

    public static Task<bool> Until(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? poll = null) =>
        Until(() => Task.FromResult(condition()), timeout, cancellationToken, poll);

    /// <summary>As <see cref="Until(Func{Task{bool}}, TimeSpan, CancellationToken, TimeSpan?)" />, but a timeout throws, naming what was awaited.</summary>
    public static async Task OrThrow(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken, TimeSpan? poll = null)
    {
        if (!await Until(condition, timeout, cancellationToken, poll))
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {what}.");
    }

    public static Task OrThrow(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken, TimeSpan? poll = null) =>
        OrThrow(() => Task.FromResult(condition()), timeout, what, cancellationToken, poll);

    /// <summary>Waits until the machine clock reaches <paramref name="us" /> (a scenario's planned moment, not a guess at readiness).</summary>
    public static async Task UntilClock(long us, CancellationToken cancellationToken)
    {
        while (true)
        {
            var left = us - Clock.NowUs();
            if (left <= 0)
                return;
            await Task.Delay(TimeSpan.FromMicroseconds(Math.Min(left, 200_000)), cancellationToken);
        }
    }
}

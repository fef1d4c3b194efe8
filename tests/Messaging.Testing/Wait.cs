using System.Diagnostics;

namespace Messaging.Testing;

/// <summary>
/// Waits for a condition with a deadline, polling it; never a fixed sleep. <see cref="Until(Func{Task{bool}}, TimeSpan, string, CancellationToken, TimeSpan?)" />
/// throws a <see cref="TimeoutException" /> that says what was awaited; <see cref="TryUntil(Func{Task{bool}}, TimeSpan, CancellationToken, TimeSpan?)" />
/// answers false instead, for a caller that reports the timeout itself.
/// </summary>
/// <remarks>
/// The condition is checked at once, then every <c>poll</c> (default <see cref="DefaultPoll" />) until it holds, and once
/// more when the deadline has passed. An exception the condition throws ends the wait with that exception; a cancelled
/// <see cref="CancellationToken" /> ends it with <see cref="OperationCanceledException" />.
/// </remarks>
public static class Wait
{
    /// <summary>How often the condition is checked when the caller does not say.</summary>
    public static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Polls <paramref name="condition" /> until it holds; after <paramref name="timeout" /> throws a
    /// <see cref="TimeoutException" />: "Timed out after {timeout} s waiting until {<paramref name="what" />}."
    /// </summary>
    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default,
        TimeSpan? poll = null)
    {
        if (!await TryUntil(condition, timeout, cancellationToken, poll))
            throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {what}.");
    }

    /// <summary>As <see cref="Until(Func{Task{bool}}, TimeSpan, string, CancellationToken, TimeSpan?)" />, for a condition that does not await.</summary>
    public static Task Until(Func<bool> condition, TimeSpan timeout, string what, CancellationToken cancellationToken = default, TimeSpan? poll = null) =>
        Until(() => Task.FromResult(condition()), timeout, what, cancellationToken, poll);

    /// <summary>Polls <paramref name="condition" /> until it holds (true) or <paramref name="timeout" /> has passed (false).</summary>
    public static async Task<bool> TryUntil(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken = default,
        TimeSpan? poll = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await condition())
                return true;
            if (elapsed.Elapsed > timeout)
                return false;
            await Task.Delay(poll ?? DefaultPoll, cancellationToken);
        }
    }

    /// <summary>As <see cref="TryUntil(Func{Task{bool}}, TimeSpan, CancellationToken, TimeSpan?)" />, for a condition that does not await.</summary>
    public static Task<bool> TryUntil(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default, TimeSpan? poll = null) =>
        TryUntil(() => Task.FromResult(condition()), timeout, cancellationToken, poll);
}

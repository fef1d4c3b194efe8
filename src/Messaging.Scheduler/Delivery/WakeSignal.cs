namespace Messaging.Scheduler.Delivery;

/// <summary>
/// Wakes the bridge's sleep early. Any number of <see cref="Set" /> calls before the next <see cref="Wait" /> count as one.
/// </summary>
internal sealed class WakeSignal
{
    TaskCompletionSource _source = NewSource();

    public void Set() => Volatile.Read(ref _source).TrySetResult();

    /// <summary>Waits until <see cref="Set" /> was called, <paramref name="timeout" /> passed, or <paramref name="orUntil" />
    /// completed.</summary>
    /// <returns>True when woken by a signal.</returns>
    public async Task<bool> Wait(TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken, Task? orUntil = null)
    {
        var source = Volatile.Read(ref _source);
        if (source.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _source, NewSource(), source);
            return true;
        }

        if (timeout <= TimeSpan.Zero || orUntil is { IsCompleted: true })
            return false;

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, timeProvider, timer.Token);
        var first = orUntil == null
            ? await Task.WhenAny(source.Task, delay).ConfigureAwait(false)
            : await Task.WhenAny(source.Task, delay, orUntil).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        if (first != source.Task)
            return false;

        Interlocked.CompareExchange(ref _source, NewSource(), source);
        return true;
    }

    static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

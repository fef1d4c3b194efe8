namespace Messaging.Scheduler.Delivery;

/// <summary>
/// The deliveries one bridge has started and not yet finished (republished and acknowledged, given back, or
/// dead-lettered): how many there are, a task that completes when there are few enough, and a way to wait for them all.
/// The bridge keeps claiming while they run, as long as there is room in the window.
/// </summary>
internal sealed class DeliveryWindow
{
    readonly HashSet<Task> _running = [];
    readonly Lock _lock = new();
    (int Count, TaskCompletionSource Source)? _waiter;

    /// <summary>Deliveries started and not yet finished.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _running.Count;
        }
    }

    /// <summary>Tracks a delivery until it finishes. It must not fault: the bridge handles every failure itself.</summary>
    public void Add(Task delivery)
    {
        lock (_lock)
            _running.Add(delivery);

        // Runs at once when the delivery has already finished.
        _ = delivery.ContinueWith(static (task, state) => ((DeliveryWindow)state!).Finished(task), this, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>A task that completes once no more than <paramref name="count" /> deliveries are running (at once when
    /// that is so already). Only the latest such task is kept: one waiter, the claim loop.</summary>
    public Task WhenAtMost(int count)
    {
        lock (_lock)
        {
            if (_running.Count <= count)
                return Task.CompletedTask;

            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (count, source);
            return source.Task;
        }
    }

    /// <summary>Completes when every delivery started so far has finished.</summary>
    public async Task WhenAll()
    {
        while (true)
        {
            Task[] running;
            lock (_lock)
                running = [.. _running.Where(task => !task.IsCompleted)];
            if (running.Length == 0)
                return;

            // The deliveries never fault. A finished one may still be in the set for a moment: it is skipped above.
            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    void Finished(Task delivery)
    {
        TaskCompletionSource? wake = null;
        lock (_lock)
        {
            _running.Remove(delivery);
            if (_waiter is { } waiter && _running.Count <= waiter.Count)
            {
                wake = waiter.Source;
                _waiter = null;
            }
        }

        wake?.TrySetResult();
    }
}

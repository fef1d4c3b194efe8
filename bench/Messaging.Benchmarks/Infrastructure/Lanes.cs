namespace Messaging.Benchmarks.Infrastructure;

/// <summary>Runs <c>count</c> operations with at most <c>lanes</c> in flight: each lane takes the next index and awaits it.</summary>
internal static class Lanes
{
    public static async Task Run(int count, int lanes, Func<int, Task> operation, CancellationToken cancellationToken)
    {
        var next = -1;
        async Task Lane()
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var i = Interlocked.Increment(ref next);
                if (i >= count)
                    return;
                await operation(i);
            }
        }

        var tasks = new Task[Math.Max(1, Math.Min(lanes, count))];
        for (var l = 0; l < tasks.Length; l++)
            tasks[l] = Task.Run(Lane, cancellationToken);
        await Task.WhenAll(tasks);
    }
}

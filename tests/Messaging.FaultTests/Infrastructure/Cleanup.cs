namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// Everything this program started and must stop, newest first: every child process, and the RabbitMQ node (stopped
/// with <c>rabbitmqctl stop</c>). Runs on a normal end, on an exception, on Ctrl+C and on SIGTERM; each step is by PID or
/// by our own node name, never by a process name.
/// </summary>
internal static class Cleanup
{
    static readonly Lock Gate = new();
    static readonly List<Step> Steps = [];

    public static IDisposable Register(string what, Func<Task> stop)
    {
        var step = new Step(what, stop);
        lock (Gate)
            Steps.Add(step);
        return step;
    }

    /// <summary>Runs every registered step that is still pending, newest first.</summary>
    public static async Task RunAll(TextWriter log)
    {
        while (true)
        {
            Step? step;
            lock (Gate)
            {
                step = Steps.Count == 0 ? null : Steps[^1];
                if (step != null)
                    Steps.RemoveAt(Steps.Count - 1);
            }

            if (step == null)
                return;

            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
                await step.Stop().WaitAsync(timeout.Token);
            }
            catch (Exception ex)
            {
                await log.WriteLineAsync($"[fault] clean-up of {step.What} failed: {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    sealed class Step(string what, Func<Task> stop) : IDisposable
    {
        public string What { get; } = what;
        public Func<Task> Stop { get; } = stop;

        public void Dispose()
        {
            lock (Gate)
                Steps.Remove(this);
        }
    }
}

namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>
/// An <see cref="ISmsSender" /> that records every send, and lets a test await the one it expects. Other tests may
/// publish the same message types on the same broker, so a test waits for its own correlation key.
/// </summary>
public sealed class RecordingSmsSender : ISmsSender
{
    readonly Lock _gate = new();
    readonly List<SmsSent> _sent = [];
    readonly List<(string CorrelationKey, TaskCompletionSource<SmsSent> Done)> _waiters = [];

    /// <summary>Every send so far, in order.</summary>
    public IReadOnlyList<SmsSent> Sent
    {
        get
        {
            lock (_gate)
                return _sent.ToArray();
        }
    }

    /// <inheritdoc />
    public Task Send(string channel, string correlationKey, string recipient, string text, Guid idempotencyKey, CancellationToken cancellationToken)
    {
        var sms = new SmsSent(channel, correlationKey, recipient, text, DateTime.UtcNow, idempotencyKey);
        List<TaskCompletionSource<SmsSent>> done = [];
        lock (_gate)
        {
            _sent.Add(sms);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].CorrelationKey != correlationKey)
                    continue;
                done.Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }

        foreach (var waiter in done)
            waiter.TrySetResult(sms);
        return Task.CompletedTask;
    }

    /// <summary>The first send with <paramref name="correlationKey" />; fails after <paramref name="timeout" />.</summary>
    public async Task<SmsSent> WaitFor(string correlationKey, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<SmsSent>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var already = _sent.Find(s => s.CorrelationKey == correlationKey);
            if (already != null)
                return already;
            _waiters.Add((correlationKey, done));
        }

        try
        {
            return await done.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            var seen = string.Join(", ", Sent.Select(s => $"{s.Channel}/{s.CorrelationKey}"));
            throw new TimeoutException(
                $"No SMS with c_key '{correlationKey}' was sent within {timeout.TotalSeconds:0.#} s. Sends seen: [{seen}].");
        }
    }
}

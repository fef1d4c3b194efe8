namespace Messaging.Consumers.Tests.Infrastructure;

/// <summary>Waits on a condition with a deadline, polling; never a fixed sleep.</summary>
public static class Wait
{
    /// <summary>Polls <paramref name="condition" /> until it holds; fails after <paramref name="timeout" /> naming <paramref name="what" />.</summary>
    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {what()}.");
            await Task.Delay(100);
        }
    }
}

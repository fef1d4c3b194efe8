namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>Waits on a condition with a deadline, polling; never a fixed sleep.</summary>
public static class Wait
{
    public static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await condition())
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {what}.");
            await Task.Delay(20);
        }
    }

    public static Task Until(Func<bool> condition, TimeSpan timeout, string what) => Until(() => Task.FromResult(condition()), timeout, what);
}

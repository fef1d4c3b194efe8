using System.Collections.Concurrent;

namespace Messaging.Scheduler.Dashboard.Tests.Infrastructure;

/// <summary>Every <see cref="Note" /> of one host's run that its consumers got, by number (duplicates counted).</summary>
public sealed class Received
{
    readonly ConcurrentDictionary<int, int> _numbers = new();

    public Received(string run)
    {
        Run = run;
    }

    public string Run { get; }

    public IReadOnlyDictionary<int, int> Numbers => _numbers;

    public void Add(int number) => _numbers.AddOrUpdate(number, 1, (_, n) => n + 1);

    public Task WaitFor(params int[] numbers) =>
        Wait.Until(() => numbers.All(_numbers.ContainsKey), TimeSpan.FromSeconds(30),
            $"notes {string.Join(", ", numbers)} arrived (got {string.Join(", ", _numbers.Keys.Order())})");
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Messaging.Scheduler.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Scheduler.Tests;

/// <summary>The bridge counts its claims by outcome (<c>messaging.scheduler.claims</c>): full, partial or empty.</summary>
public sealed class ClaimsMetricTests
{
    [Fact]
    public async Task The_bridge_counts_claims_that_took_something_and_the_empty_ones_of_its_sweeps()
    {
        const string name = nameof(The_bridge_counts_claims_that_took_something_and_the_empty_ones_of_its_sweeps);
        await using var bus = await TestBus.Start(name, s => s.Bridge = false);
        for (var i = 1; i <= 5; i++)
            await bus.Scheduler.SchedulePublish(DateTime.UtcNow.AddSeconds(-1), bus.Probe(i));

        // Per meter: tests run in parallel, and each host's meter factory makes its own meter.
        var counts = new ConcurrentDictionary<(object? Scope, string Outcome), long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == RedisSchedulerDiagnostics.MeterName && instrument.Name == "messaging.scheduler.claims")
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                    counts.AddOrUpdate((instrument.Meter.Scope, (string)tag.Value!), value, (_, n) => n + value);
            }
        });
        listener.Start();

        await using var bridge = await TestBus.Start("bridge", s =>
        {
            s.Consumers = false;
            s.KeyPrefix = bus.KeyPrefix;
            s.Scheduler = o => o.ClaimBatchSize = 2;
        });
        var scope = bridge.Services.GetRequiredService<IMeterFactory>();
        long Count(string outcome) => counts.GetValueOrDefault((scope, outcome));

        await bus.Log.WaitFor(5, TimeSpan.FromSeconds(30));
        // Five messages in claims of at most 2: at least three claims took something; then the sweep (every second) finds none.
        await Wait.Until(() => Task.FromResult(Count("full") + Count("partial") >= 3 && Count("empty") >= 1), TimeSpan.FromSeconds(10),
            "three claims that took messages and an empty one are counted");
        // The first claim had five due and room for two: it took as many as it asked for.
        Assert.True(Count("full") >= 1, $"full claims: {Count("full")}");
    }
}

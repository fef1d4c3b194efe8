using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 2. Stop RabbitMQ (<c>rabbitmqctl stop</c>) in the middle of a drain, keep it down for 30 s (quick: 5 s), start it
/// again on the same data. The bridge must hold due messages in Redis while the bus is down and deliver them all after.
/// </summary>
internal sealed class RabbitOutageScenario : Scenario
{
    public override int Number => 2;
    public override string Title => "RabbitMQ stopped in the middle of a drain, then started";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 150 : 1200);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 2_000 : 20_000;
        var outage = TimeSpan.FromSeconds(run.Quick ? 5 : 30);
        var rabbit = run.Suite.Rabbit;
        await run.StartRedis("--appendonly", "yes", "--appendfsync", "everysec");
        await run.StartWorker("w");
        run.StartSampling();

        // Half the messages due at once (a backlog: the bridge has a batch of publishes in flight all the time), half
        // due over a window longer than the outage (they keep coming due while the broker is down).
        var first = DateTime.UtcNow.AddSeconds(1);
        var spread = TimeSpan.FromSeconds(run.Quick ? 10 : 60);
        var entries = run.Plan(count / 2, first, TimeSpan.FromSeconds(1));
        entries.AddRange(run.Plan(count - count / 2, first.AddSeconds(1), spread));
        await run.ScheduleAll(entries);

        // The outage starts while the backlog drains.
        var point = 0.15 + Random.Shared.NextDouble() * 0.2;
        if (!await run.WaitForDelivered((int)(point * count), TimeSpan.FromSeconds(run.Quick ? 60 : 300)))
            throw new TimeoutException($"the drain stalled before the outage ({run.Delivered} of {count} delivered)");

        var crash = new CrashEvent("RabbitMQ stop", Clock.NowUs(), "rabbitmqctl stop");
        run.AddCrash(crash);
        var atStop = run.Delivered;
        try
        {
            await rabbit.Stop();
            var downUs = Clock.NowUs();
            var atDown = run.Delivered;
            await Clock.WaitUntil(downUs + (long)outage.TotalMicroseconds, run.Token);
            var atRestart = run.Delivered;
            await rabbit.Start(run.Token);
            crash.EndUs = Clock.NowUs();
            crash.Description = string.Create(CultureInfo.InvariantCulture,
                $"rabbitmqctl stop at {atStop:#,0}/{count:#,0} delivered (took {(downUs - crash.StartUs) / 1e6:0.0} s), down {outage.TotalSeconds:0} s, start took {rabbit.StartSeconds:0.0} s");
            run.Result.Note(string.Create(CultureInfo.InvariantCulture, $"{count / 2:#,0} messages due within 1 s, {count - count / 2:#,0} over the next {spread.TotalSeconds:0} s"));
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"delivered while stopping: {atDown - atStop}; while down: {atRestart - atDown}; {count - atRestart:#,0} left when RabbitMQ came back"));
        }
        finally
        {
            // Whatever happened, the next scenarios need the node.
            if (!rabbit.IsRunning)
                await rabbit.Start(CancellationToken.None);
        }

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 90 : 600));
        var upUs = crash.EndUs;
        run.CatchUp(upUs, run.LastFirstDelivery(run.Expected()), "from RabbitMQ ready again to the last message's first delivery");
        if (run.FirstDeliveryAfter(upUs) is { } firstAfter)
            run.Result.Note(string.Create(CultureInfo.InvariantCulture, $"first delivery {(firstAfter - upUs) / 1e6:0.00} s after RabbitMQ was ready again"));
        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();
    }
}

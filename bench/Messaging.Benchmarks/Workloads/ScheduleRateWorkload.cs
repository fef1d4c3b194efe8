using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Schedule rate: N <c>SchedulePublish</c> calls through the registration's <see cref="MassTransit.IMessageScheduler" />, due 1-2 minutes
/// later (no bridge runs), one at a time and with many in flight; the ceiling is the same number of plain SETs of the stored
/// entry's size, one at a time and with as many in flight.
/// </summary>
internal sealed class ScheduleRateWorkload : IWorkload
{
    public string Name => "schedule";

    public async Task Run(BenchContext bench)
    {
        var n = bench.Options.ScheduleCount;
        var lanes = bench.Options.InFlight;
        var ct = bench.Cancellation;
        var prefix = bench.NewPrefix("sched");
        var tracker = new RunTracker(prefix.TrimEnd(':'), 2 * n + 100);
        var notifications = new Notifications(tracker);
        try
        {
            double sequential, many, entry;
            await using (var producer = await BenchHost.Start(bench, HostRole.Producer, prefix))
            {
                var due = Scheduling.OneToTwoMinutes();
                // Connects the scheduler to Redis and loads the script: not measured.
                var (_, sample) = await Scheduling.Many(producer.Scheduler, notifications, 2 * n, 100, 10, due, ct);
                entry = await EntrySize.Of(bench.Redis, prefix, sample);

                (sequential, _) = await Scheduling.Many(producer.Scheduler, notifications, 0, n, 1, due, ct);
                (many, _) = await Scheduling.Many(producer.Scheduler, notifications, n, n, lanes, due, ct);
            }

            var setSequential = await PlainSet.Run(bench.Redis, prefix, n, 1, (int)entry, ct);
            var setMany = await PlainSet.Run(bench.Redis, prefix + "m", n, lanes, (int)entry, ct);

            var run = bench.Run;
            bench.Results.Add(run, new Measurement(Name, "SchedulePublish rate, 1 in flight", "msg/s", n / sequential, n / setSequential, "plain SET, 1 in flight"));
            bench.Results.Add(run, new Measurement(Name, $"SchedulePublish rate, {lanes} in flight", "msg/s", n / many, n / setMany,
                $"plain SET, {lanes} in flight", Target.RatioAtLeast(0.30, "plain SET")));
            bench.Results.Add(run, new Measurement(Name, "SET value size (= stored entry, HSTRLEN)", "B", entry));
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }
    }
}

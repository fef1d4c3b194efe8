using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// Trigger cost: the steady run with trigger keys off (against the steady workload's run with them on, in the same run of
/// the benchmark), and the schedule rate with many in flight with trigger keys on against off.
/// </summary>
internal sealed class TriggerCostWorkload : IWorkload
{
    public string Name => "triggers";

    public async Task Run(BenchContext bench)
    {
        var on = bench.SteadyWithTriggerKeys;
        if (on == null)
        {
            var onPrefix = bench.NewPrefix("trigon");
            try
            {
                on = await SteadyRun.Run(bench, onPrefix);
            }
            finally
            {
                await bench.Redis.DeletePrefix(onPrefix, CancellationToken.None);
            }
        }

        var prefix = bench.NewPrefix("trigoff");
        try
        {
            var off = await SteadyRun.Run(bench, prefix, o => o.TriggerKeys = false);
            SteadyRun.Report(bench, Name, "steady 1,000 msg/s, trigger keys off", off, 20, 100, on, "(keys on)");
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }

        // Alternate which goes first, so that neither always pays for a colder process.
        double rateOn, rateOff;
        if (bench.Run % 2 == 1)
        {
            rateOff = await ScheduleRate(bench, false);
            rateOn = await ScheduleRate(bench, true);
        }
        else
        {
            rateOn = await ScheduleRate(bench, true);
            rateOff = await ScheduleRate(bench, false);
        }

        bench.Results.Add(bench.Run, new Measurement(Name, $"SchedulePublish rate, {bench.Options.InFlight} in flight, trigger keys on", "msg/s", rateOn, rateOff,
            "(keys off)"));
    }

    static async Task<double> ScheduleRate(BenchContext bench, bool triggerKeys)
    {
        var n = bench.Options.ScheduleCount;
        var prefix = bench.NewPrefix(triggerKeys ? "rateon" : "rateoff");
        try
        {
            var notifications = new Notifications(new RunTracker(prefix.TrimEnd(':'), n + 100));
            await using var producer = await BenchHost.Start(bench, HostRole.Producer, prefix, configure: o => o.TriggerKeys = triggerKeys);
            var due = Scheduling.OneToTwoMinutes();
            await Scheduling.Many(producer.Scheduler, notifications, n, 100, 10, due, bench.Cancellation);
            var (seconds, _) = await Scheduling.Many(producer.Scheduler, notifications, 0, n, bench.Options.InFlight, due, bench.Cancellation);
            return n / seconds;
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }
    }
}

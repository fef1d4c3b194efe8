using System.Diagnostics;
using MassTransit;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using Messaging.Contracts;
using Messaging.Scheduler;
using Messaging.Scheduler.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Messaging.Benchmarks.Workloads;

/// <summary>
/// The query API at depth (issue 10): with <see cref="BenchOptions.InspectionDepth" /> messages pending (one in a hundred an
/// <see cref="OperatorNotification" />, the rest <see cref="SellerNotification" />s), the time of <c>Counts()</c>, the first
/// page of 50, a page of 50 deep in the index through a cursor, filtered pages and <c>Show</c>: p50, p99 and max over many
/// calls, one at a time, through <see cref="IRedisScheduledMessages" /> in a host of its own (as a dashboard would).
/// </summary>
internal sealed class InspectionWorkload : IWorkload
{
    const int PageSize = 50;

    public string Name => "inspection";

    public async Task Run(BenchContext bench)
    {
        var ct = bench.Cancellation;
        var depth = bench.Options.InspectionDepth;
        var calls = bench.Options.Quick ? 30 : 200;
        var prefix = bench.NewPrefix("inspect");
        try
        {
            // 1. Fill: pipelined SchedulePublish, due a day ahead (one millisecond apart), one in a hundred on another channel.
            var tracker = new RunTracker(prefix.TrimEnd(':'), depth);
            var notifications = new Notifications(tracker);
            var tokens = new Guid[Math.Min(1000, depth)];
            var due = Scheduling.FarFuture();
            var started = Stopwatch.GetTimestamp();
            await using (var producer = await BenchHost.Start(bench, HostRole.Producer, prefix, configure: o => o.MapChannel<OperatorNotification>("OPERATOR")))
            {
                var scheduler = producer.Scheduler;
                await Lanes.Run(depth, bench.Options.InFlight, async i =>
                {
                    var message = notifications.Create(i);
                    ScheduledMessage scheduled = i % 100 == 99
                        ? await scheduler.SchedulePublish(due(i), new OperatorNotification { CorrelationKey = message.CorrelationKey, Recipient = message.Recipient, Text = message.Text }, ct)
                        : await scheduler.SchedulePublish(due(i), message, ct);
                    if (i < tokens.Length)
                        tokens[i] = scheduled.TokenId;
                }, ct);
            }

            bench.Progress($"inspection: {depth} pending in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");

            // 2. The query API, in a host without a bus (as the dashboard and the command-line tool run it).
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddRedisScheduledMessages(o =>
            {
                o.Configuration = bench.Redis.Configuration;
                o.KeyPrefix = prefix;
            });
            await using var provider = services.BuildServiceProvider();
            var api = provider.GetRequiredService<IRedisScheduledMessages>();

            var at = $"at {depth:#,0} pending";
            var counts = await api.Counts(ct);
            if (counts.Waiting + counts.Overdue != depth)
                throw new BenchmarkFailedException($"inspection: Counts() says {counts.Waiting + counts.Overdue} waiting, expected {depth}");
            await Measure(bench, $"Counts() {at}", calls, () => api.Counts(ct), null);

            var first = new ScheduledMessageQuery { PageSize = PageSize };
            var page = await api.List(first, ct);
            if (page.Items.Count != PageSize)
                throw new BenchmarkFailedException($"inspection: the first page holds {page.Items.Count} messages, expected {PageSize}");
            await Measure(bench, $"List, first page of {PageSize}, {at}", calls, () => api.List(first, ct), Target.AtMost(50, "ms"));

            // A cursor from the middle of the index (the page after the one that starts at the middle message's due time).
            var middle = new ScheduledMessageQuery { PageSize = PageSize, FromUtc = due(depth / 2) };
            var deep = middle with { Cursor = (await api.List(middle, ct)).NextCursor };
            var deepPage = await api.List(deep, ct);
            if (deepPage.Items.Count != PageSize || deepPage.Items[0].DueUtc < due(depth / 2 + PageSize - 1))
                throw new BenchmarkFailedException($"inspection: the deep page holds {deepPage.Items.Count} messages from {deepPage.Items.FirstOrDefault()?.DueUtc:O}");
            await Measure(bench, $"List, page of {PageSize} through a cursor from the middle, {at}", calls, () => api.List(deep, ct), Target.AtMost(50, "ms"));

            // Filtered: one message in a hundred matches, so a page looks at up to 2,000 entries per partition.
            var byChannel = new ScheduledMessageQuery { PageSize = PageSize, Filter = new ScheduledMessageFilter { Channel = "OPERATOR" } };
            var channelPage = await api.List(byChannel, ct);
            await Measure(bench, $"List, first page filtered by channel (1 in 100 match; {channelPage.Items.Count} items, {channelPage.Examined} examined), {at}",
                calls, () => api.List(byChannel, ct), null);

            var byType = new ScheduledMessageQuery { PageSize = PageSize, Filter = new ScheduledMessageFilter { MessageType = nameof(OperatorNotification) } };
            var typePage = await api.List(byType, ct);
            await Measure(bench, $"List, first page filtered by message type (1 in 100; {typePage.Items.Count} items, {typePage.Examined} examined), {at}",
                calls, () => api.List(byType, ct), null);
            if (typePage.Items.Count == 0)
                bench.Results.Note("inspection: the message-type filter matched nothing: the entries carry no label in this build (the write path does not store it yet).");

            var n = 0;
            await Measure(bench, $"Show, {at}", calls, async () =>
            {
                if (await api.Show(tokens[n++ % tokens.Length].ToString("N"), ct) == null)
                    throw new BenchmarkFailedException("inspection: Show found nothing under a token just scheduled");
            }, null);
        }
        finally
        {
            await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
        }

        await CountingCost(bench);
    }

    /// <summary>
    /// What the counts cost the write path (the label in each entry and the counts hash the scripts keep): the
    /// SchedulePublish rate (many in flight) and Redis bytes per pending message with counting on and off
    /// (<see cref="RedisScheduleStore.CountEntries" />), measured side by side: the two alternate, each round on a fresh
    /// prefix, and the medians are compared.
    /// </summary>
    async Task CountingCost(BenchContext bench)
    {
        var rounds = bench.Options.Quick ? 2 : 5;
        var n = bench.Options.Quick ? 2_000 : 20_000;
        var rates = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        var bytes = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        for (var round = 0; round < rounds; round++)
        {
            foreach (var counting in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var prefix = bench.NewPrefix(counting ? "count-on" : "count-off");
                try
                {
                    var notifications = new Notifications(new RunTracker(prefix.TrimEnd(':'), n + 100));
                    await using var producer = await BenchHost.Start(bench, HostRole.Producer, prefix);
                    producer.Services.GetRequiredService<RedisScheduleStore>().CountEntries = counting;
                    var due = Scheduling.FarFuture();
                    await Scheduling.Many(producer.Scheduler, notifications, n, 100, 10, due, bench.Cancellation);
                    await bench.Redis.LazyFreeDone(bench.Cancellation);
                    var before = await bench.Redis.UsedMemory();
                    var (seconds, _) = await Scheduling.Many(producer.Scheduler, notifications, 0, n, bench.Options.InFlight, due, bench.Cancellation);
                    var after = await bench.Redis.UsedMemory();
                    rates[counting].Add(n / seconds);
                    bytes[counting].Add((after - before) / (double)n);
                }
                finally
                {
                    await bench.Redis.DeletePrefix(prefix, CancellationToken.None);
                }
            }
        }

        var label = $"median of {rounds} alternating rounds of {n:#,0}";
        bench.Results.Add(bench.Run, new Measurement(Name, $"SchedulePublish rate with counting on ({bench.Options.InFlight} in flight; {label})", "msg/s",
            Stats.Median(rates[true]), Stats.Median(rates[false]), "counting off"));
        bench.Results.Add(bench.Run, new Measurement(Name, $"Redis bytes per pending message with counting on ({label})", "B",
            Stats.Median(bytes[true]), Stats.Median(bytes[false]), "counting off"));
    }

    /// <summary>Times <paramref name="calls" /> calls, one at a time (after 3 unmeasured), and adds p50, p99 and max.</summary>
    async Task Measure(BenchContext bench, string what, int calls, Func<Task> call, Target? target)
    {
        for (var i = 0; i < 3; i++)
            await call();

        var times = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            bench.Cancellation.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await call();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        bench.Results.Add(bench.Run, new Measurement(Name, what + ", p50", "ms", Stats.Percentile(times, 50)));
        bench.Results.Add(bench.Run, new Measurement(Name, what + ", p99", "ms", Stats.Percentile(times, 99), Target: target));
        bench.Results.Add(bench.Run, new Measurement(Name, what + ", max", "ms", times[^1]));
    }
}

using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.Testing;
using RabbitMQ.Client;

namespace Messaging.FaultTests.Scenarios;

/// <summary>
/// 9. A RabbitMQ memory alarm in the middle of a drain (70 % of the messages due at once) (the watermark set to <c>absolute 1</c> on the suite's own node), for 30 s (quick: 12 s, longer than the quick lease and delivery timeout), then the watermark is set
/// back. The broker blocks the worker's connection (<c>connection.blocked</c>) and holds what it had published. Nothing
/// crashes, so any duplicate fails the scenario; and the drain must resume within 1 s of the alarm clearing (the first
/// journal line after the broker unblocked a probe connection of the suite's own, which it blocked with the worker's).
/// </summary>
internal sealed class MemoryAlarmScenario : Scenario
{
    static readonly TimeSpan ResumeBound = TimeSpan.FromSeconds(1);

    public override int Number => 9;
    public override string Title => "RabbitMQ memory alarm (publishers blocked) in the middle of a drain";
    public override TimeSpan Bound(bool quick) => TimeSpan.FromSeconds(quick ? 120 : 600);

    public override async Task Run(ScenarioRun run)
    {
        var count = run.Quick ? 2_000 : 10_000;
        var alarm = TimeSpan.FromSeconds(run.Quick ? 12 : 30);
        var rabbit = run.Suite.Rabbit;
        await run.StartRedis("--appendonly", "yes", "--appendfsync", "everysec");
        await run.StartWorker("w");

        // rabbitmqctl needs seconds to start (an Erlang VM; 1 to 15 s on this loaded machine), too long to place the alarm
        // in a drain of a few seconds. So one `rabbitmqctl eval` is started first: on the node, it writes a file to say it
        // is ready, waits for another file, and then sets the watermark, within milliseconds of the suite's signal.
        var watermark = await Watermark(rabbit);
        await using var probe = await BlockProbe.Open(rabbit.Amqp);
        var ready = Path.Combine(run.Folder, "alarm-ready");
        var go = Path.Combine(run.Folder, "alarm-go");
        var armed = rabbit.Ctl(TimeSpan.FromMinutes(5), "eval", string.Create(CultureInfo.InvariantCulture,
            $"ok = file:write_file(\"{ready}\", <<>>), W = fun Wait() -> case filelib:is_file(\"{go}\") of true -> ok; false -> timer:sleep(2), Wait() end end, W(), vm_memory_monitor:set_vm_memory_high_watermark({{absolute, 1}})."));
        if (!await Wait.TryUntil(() => File.Exists(ready) || armed.IsCompleted, TimeSpan.FromSeconds(60), run.Token) || !File.Exists(ready))
            throw new InvalidOperationException($"rabbitmqctl eval did not get ready: {(armed.IsCompleted ? (await armed).Output : "still starting after 60 s")}");

        // Most messages due at once (a backlog: the window of publishes in flight is full when the alarm hits), the rest
        // over a window longer than the alarm (they keep coming due while the broker blocks the worker).
        var first = DateTime.UtcNow.AddSeconds(1);
        var spread = TimeSpan.FromSeconds(run.Quick ? 15 : 45);
        var burst = count * 7 / 10;
        var entries = run.Plan(burst, first, TimeSpan.FromSeconds(1));
        entries.AddRange(run.Plan(count - burst, first.AddSeconds(1), spread));
        await run.ScheduleAll(entries);

        var point = 0.15 + Random.Shared.NextDouble() * 0.2;
        if (!await run.WaitForDelivered((int)(point * count), TimeSpan.FromSeconds(run.Quick ? 60 : 300)))
            throw new TimeoutException($"the drain stalled before the alarm ({run.Delivered} of {count} delivered)");

        var atAlarm = run.Delivered;
        var alarmUs = Clock.NowUs();
        long probeBlocked, restoreUs, clearedUs;
        int atBlocked, atClear;
        try
        {
            await File.WriteAllBytesAsync(go, [], run.Token);

            // The broker blocks a connection when it publishes during the alarm: the probe publishes (to no queue) until
            // it is blocked, and hears connection.unblocked when the alarm clears, as the worker does.
            while (!probe.Blocked.IsCompleted)
            {
                if (Clock.NowUs() - alarmUs > 10_000_000)
                    throw new TimeoutException($"the broker did not block the probe within 10 s of the signal ({(armed.IsCompleted ? (await armed).Output : "eval still running")})");
                await probe.Publish();
                await Task.WhenAny(probe.Blocked, Task.Delay(20, run.Token));
            }

            probeBlocked = await probe.Blocked;
            atBlocked = run.Delivered;
            var (code, output) = await armed;
            if (code != 0)
                throw new InvalidOperationException($"rabbitmqctl eval failed ({code}): {output.Trim()}");
            await Clock.WaitUntil(probeBlocked + (long)alarm.TotalMicroseconds, run.Token);
            atClear = run.Delivered;
            restoreUs = Clock.NowUs();
            await Ctl(rabbit, "set_vm_memory_high_watermark", watermark);
            clearedUs = await probe.Unblocked.WaitAsync(TimeSpan.FromSeconds(30), run.Token);
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"{burst:#,0} messages due within 1 s, {count - burst:#,0} over the next {spread.TotalSeconds:0} s; alarm signalled at {atAlarm:#,0}/{count:#,0} delivered, in effect (probe blocked) {(probeBlocked - alarmUs) / 1e3:0} ms later at {atBlocked:#,0}"));
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"probe blocked for {(clearedUs - probeBlocked) / 1e6:0.0} s, unblocked {(clearedUs - restoreUs) / 1e3:0} ms after the command that set the watermark back to {watermark} began; {count - atClear:#,0} left then"));
            run.Result.Note(string.Create(CultureInfo.InvariantCulture,
                $"first deliveries during the alarm: {atClear - atBlocked:#,0} (published or queued before the broker blocked the worker's connection)"));
        }
        finally
        {
            // Whatever happened, the next scenarios need a node that takes publishes.
            await Ctl(rabbit, "set_vm_memory_high_watermark", watermark, check: false);
        }

        await run.WaitForExpected(TimeSpan.FromSeconds(run.Quick ? 90 : 300));
        run.CatchUp(clearedUs, run.LastFirstDelivery(run.Expected()), "from the alarm cleared (probe unblocked) to the last message's first delivery");
        var resumedUs = run.FirstDeliveryAfter(clearedUs);
        var during = run.Journal.All.Where(r => run.Ledger.Contains(r.Token) && r.ReceivedUs >= probeBlocked && r.ReceivedUs < clearedUs).Select(r => r.ReceivedUs).ToArray();
        var inFirstSecond = run.Journal.All.Count(r => run.Ledger.Contains(r.Token) && r.ReceivedUs >= clearedUs && r.ReceivedUs < clearedUs + 1_000_000);
        run.Result.Note(string.Create(CultureInfo.InvariantCulture,
            $"journal lines during the alarm: {during.Length:#,0}, the last {(during.Length == 0 ? 0 : (during.Max() - probeBlocked) / 1e6):0.00} s after it took effect; first line after it cleared: {(resumedUs is { } r ? $"{(r - clearedUs) / 1e3:0} ms" : "none")} (bound {ResumeBound.TotalMilliseconds:0} ms), {inFirstSecond:#,0} lines in the first second"));
        if (resumedUs is not { } resumed || resumed - clearedUs > (long)ResumeBound.TotalMicroseconds)
            run.Result.Fail($"the drain did not resume within {ResumeBound.TotalMilliseconds:0} ms of the alarm clearing");

        await run.Settle(TimeSpan.FromSeconds(60));
        run.Evaluate();
    }

    /// <summary>The node's memory high watermark now (a fraction, or <c>absolute N</c>), to set it back after the alarm.</summary>
    static async Task<string> Watermark(RabbitNode rabbit)
    {
        var (code, output) = await rabbit.Ctl(TimeSpan.FromSeconds(30), "eval", "vm_memory_monitor:get_vm_memory_high_watermark().");
        var text = output.Trim();
        if (code == 0 && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction) && fraction > 0)
            return fraction.ToString(CultureInfo.InvariantCulture);
        return "0.4";
    }

    static async Task Ctl(RabbitNode rabbit, string command, string value, bool check = true) => await Ctl(rabbit, check, command, value);

    static async Task Ctl(RabbitNode rabbit, string command, string absolute, string value) => await Ctl(rabbit, true, command, absolute, value);

    static async Task Ctl(RabbitNode rabbit, bool check, params string[] arguments)
    {
        var (code, output) = await rabbit.Ctl(TimeSpan.FromSeconds(30), arguments);
        if (check && code != 0)
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed ({code}): {output.Trim()}");
    }

    /// <summary>A connection of the suite's own that the broker blocks during the alarm, to time when it clears.</summary>
    sealed class BlockProbe : IAsyncDisposable
    {
        readonly IConnection _connection;
        readonly IChannel _channel;
        readonly TaskCompletionSource<long> _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource<long> _unblocked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        BlockProbe(IConnection connection, IChannel channel)
        {
            _connection = connection;
            _channel = channel;
            connection.ConnectionBlockedAsync += (_, _) =>
            {
                _blocked.TrySetResult(Clock.NowUs());
                return Task.CompletedTask;
            };
            connection.ConnectionUnblockedAsync += (_, _) =>
            {
                if (_blocked.Task.IsCompleted)
                    _unblocked.TrySetResult(Clock.NowUs());
                return Task.CompletedTask;
            };
        }

        public Task<long> Blocked => _blocked.Task;
        public Task<long> Unblocked => _unblocked.Task;

        public static async Task<BlockProbe> Open(Uri amqp)
        {
            var connection = await new ConnectionFactory { Uri = amqp, ClientProvidedName = "fault-suite alarm probe" }.CreateConnectionAsync();
            return new BlockProbe(connection, await connection.CreateChannelAsync());
        }

        /// <summary>One message to the default exchange with a routing key no queue has: it goes nowhere.</summary>
        public async Task Publish() => await _channel.BasicPublishAsync("", "fault-suite-alarm-probe", new byte[] { 1 });

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _channel.CloseAsync();
                await _connection.CloseAsync();
            }
            catch (Exception)
            {
                // The node may be gone already; the suite stops it anyway.
            }

            _connection.Dispose();
        }
    }
}

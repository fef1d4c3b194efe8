using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Messaging.Benchmarks;
using Messaging.Benchmarks.Infrastructure;
using Messaging.Benchmarks.Reporting;
using Messaging.Benchmarks.Workloads;
using Messaging.Testing;

// The benchmark of the Redis message scheduler (issue 5): every figure is compared with a ceiling measured in the same run
// on the same servers. See BenchOptions.Usage and docs/benchmarks.md.
// A bridge process of the scaling workload: this program re-executed by it (see BridgeChild).
if (args.Length > 0 && args[0] == BridgeProcess.Flag)
    return await BridgeProcess.Run(args);

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

Uri rabbitMq, management;
try
{
    rabbitMq = Loopback.Require(new Uri(Environment.GetEnvironmentVariable("RABBITMQ") is { Length: > 0 } r ? r : "amqp://guest:guest@127.0.0.1:5672/"), "RABBITMQ");
    management = Loopback.Require(new Uri(Environment.GetEnvironmentVariable("RABBITMQ_MANAGEMENT") is { Length: > 0 } m ? m : "http://guest:guest@127.0.0.1:15672/"),
        "RABBITMQ_MANAGEMENT");
}
catch (Exception ex) when (ex is ArgumentException or UriFormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var deadline = new CancellationTokenSource(options.Deadline);
// Ctrl+C and SIGTERM end the run cleanly: the workloads stop, the hosts stop, and the own redis-server is stopped.
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    deadline.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    deadline.Cancel();
});

var clock = Stopwatch.StartNew();
var results = new ResultTable();
var profiles = new List<string>();
IReadOnlyList<(string Name, string Value)> facts;
RedisServer? redis = null;
using var rabbitManagement = new RabbitMqManagement(management, rabbitMq);
var vhost = $"messaging-bench-{Guid.NewGuid().ToString("N")[..8]}";
var vhostCreated = false;
try
{
    // A virtual host of its own: the message type's exchange there has no bindings but the benchmark's own queues.
    var user = rabbitMq.UserInfo.Split(':')[0] is { Length: > 0 } u ? Uri.UnescapeDataString(u) : "guest";
    if (await rabbitManagement.UseOwnVirtualHost(vhost, user) is { } problem)
    {
        results.Note($"RabbitMQ: could not create a virtual host of the benchmark's own ({problem}); using {rabbitMq.AbsolutePath} as given. " +
            "Any queue bound to the message type's exchange there receives every benchmark message too.");
    }
    else
    {
        vhostCreated = true;
        rabbitMq = new UriBuilder(rabbitMq) { Path = "/" + Uri.EscapeDataString(vhost) }.Uri;
    }

    redis = await RedisServer.Start(deadline.Token);
    var pids = new ServerPids(redis.Pid, CpuClock.ListenerOf(rabbitMq.Port > 0 ? rabbitMq.Port : 5672));
    facts = await BenchFacts.Collect(redis, rabbitManagement);
    var bench = new BenchContext(options, redis, rabbitMq, rabbitManagement, pids, results, deadline.Token);

    IWorkload[] workloads =
    [
        new ScheduleRateWorkload(), new MemoryWorkload(), new BurstDrainWorkload(), new CatchUpWorkload(), new SteadyLatenessWorkload(),
        new TriggerCostWorkload(), new DepthWorkload(), new IdempotentConsumerWorkload(), new LegacyKeysWorkload(), new InspectionWorkload(),
        new ScalingWorkload(),
        new ReplicasWorkload(),
    ];

    bench.Progress($"redis-server pid {redis.Pid} on port {redis.Port}; RabbitMQ {rabbitMq.Host}:{rabbitMq.Port} vhost {(vhostCreated ? vhost : rabbitMq.AbsolutePath)} (pid {pids.Rabbit?.ToString(CultureInfo.InvariantCulture) ?? "not found"}); warming up");
    await WarmUp.Run(bench);

    for (var run = 1; run <= options.Runs; run++)
    {
        bench.Run = run;
        bench.SteadyWithTriggerKeys = null;
        foreach (var workload in workloads.Where(w => options.Includes(w.Name)))
        {
            deadline.Token.ThrowIfCancellationRequested();
            bench.Progress($"{workload.Name}: start");
            await RedisProfile.Reset(redis);
            var cpu0 = bench.Cpu();
            try
            {
                await workload.Run(bench);
            }
            catch (BenchmarkFailedException ex)
            {
                results.Fail($"run {run}, {workload.Name}: {ex.Message}");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                results.Fail($"run {run}, {workload.Name}: {ex.GetType().Name}: {ex.Message}");
                Console.Error.WriteLine(ex);
            }

            var cpu = bench.Cpu().Since(cpu0);
            results.Noise(new NoiseRecord(workload.Name, run, cpu.Wall, cpu.Own / cpu.Wall, cpu.Redis / cpu.Wall, cpu.Rabbit / cpu.Wall, cpu.OtherCores));
            bench.Progress($"{workload.Name}: done in {cpu.Wall:0.0} s");
            if (options.Profile)
                profiles.Add(await RedisProfile.Capture(redis, $"{workload.Name}, run {run}"));
        }
    }
}
catch (OperationCanceledException)
{
    results.Fail($"stopped after {clock.Elapsed.TotalSeconds:0} s: the deadline ({options.Deadline.TotalMinutes:0} min) passed or Ctrl+C was pressed");
    facts = [];
}
catch (Exception ex) when (ex is InvalidOperationException or StackExchange.Redis.RedisException or IOException)
{
    results.Fail($"could not run: {ex.Message}");
    facts = [];
}
finally
{
    if (redis != null)
        await redis.DisposeAsync();
    if (vhostCreated)
    {
        try
        {
            await rabbitManagement.DeleteVirtualHost(vhost);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Console.Error.WriteLine($"[bench] warning: could not delete the RabbitMQ virtual host {vhost}: {ex.Message}");
        }
    }
}

var argsText = args.Length == 0 ? "" : " " + string.Join(' ', args);
Console.WriteLine();
Console.WriteLine("## Messaging scheduler benchmark");
Console.WriteLine();
Console.WriteLine($"Command: `dotnet run -c Release --project bench/Messaging.Benchmarks --{argsText}`");
Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{options.Runs} run(s) of each workload{(options.Quick ? ", quick mode (small counts: these figures are not comparable with a full run)" : "")}; " +
    $"consumer queues {(options.Transient ? "NON-DURABLE (--transient diagnostic)" : "durable, auto-delete, prefetch 100")}; " +
    $"medians, with min – max over the runs; every ratio is computed per run against a ceiling measured in that run on the same servers. " +
    $"Took {clock.Elapsed.TotalSeconds:0} s; load average at the end {BenchFacts.LoadAverage()}."));
Console.WriteLine();
if (facts.Count > 0)
{
    Console.WriteLine("| Machine | |");
    Console.WriteLine("|---|---|");
    foreach (var (name, value) in facts)
        Console.WriteLine($"| {name} | {value} |");
    Console.WriteLine();
}

Console.Write(results.Render());
foreach (var profile in profiles)
{
    Console.WriteLine();
    Console.Write(profile);
}

if (results.Failures.Count > 0)
{
    Console.Error.WriteLine($"[bench] FAILED: {results.Failures.Count} problem(s), listed above.");
    return 1;
}

Console.Error.WriteLine("[bench] OK: every workload ran and every message was delivered.");
return 0;

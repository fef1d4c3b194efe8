using System.Diagnostics;
using System.Runtime.InteropServices;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;
using Messaging.FaultTests.Reporting;
using Messaging.FaultTests.Scenarios;

namespace Messaging.FaultTests;

/// <summary>
/// The suite: starts its RabbitMQ node, runs the chosen scenarios one after the other (each with its own redis-server and
/// workers), prints the table, writes it as Markdown, stops everything it started, and exits non-zero on any failure.
/// </summary>
internal static class Suite
{
    public static async Task<int> Run(string[] args)
    {
        SuiteOptions options;
        try
        {
            options = SuiteOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync(SuiteOptions.Usage);
            return 2;
        }

        if (Prerequisites() is { } missing)
        {
            await Console.Error.WriteLineAsync($"[fault] FAILED: {missing}. Install the packages first: scripts/services.sh install (or apt-get install redis-server rabbitmq-server).");
            return 1;
        }

        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            SuiteContext.Say("interrupted: stopping everything this run started");
            cts.Cancel();
        };
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cts.Cancel();
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Cleanup.RunAll(Console.Error).GetAwaiter().GetResult();

        var folder = Directory.CreateTempSubdirectory("fault-suite-").FullName;
        var facts = await SuiteFacts.Collect(folder);
        var scenarios = Catalog().Where(s => options.Only?.Contains(s.Number) ?? !s.OptIn).ToList();
        var results = new List<ScenarioResult>();
        var total = Stopwatch.StartNew();
        string? infrastructureError = null;
        SuiteContext.Say($"{(options.Quick ? "quick" : "full")} run of scenario(s) {string.Join(", ", scenarios.Select(s => s.Id))}; run folder {folder}");

        try
        {
            await using var rabbit = new RabbitNode(Path.Combine(folder, "rabbitmq"));
            SuiteContext.Say($"starting RabbitMQ: {rabbit.Describe()}");
            await rabbit.Start(cts.Token);
            SuiteContext.Say($"RabbitMQ ready in {rabbit.StartSeconds:0.0} s");
            var suite = new SuiteContext(options, folder, rabbit);
            await WarmUp(suite, cts.Token);
            foreach (var scenario in scenarios)
            {
                results.Add(await RunScenario(suite, scenario, cts.Token));
                if (cts.IsCancellationRequested)
                    break;
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            infrastructureError = "interrupted";
        }
        catch (Exception ex)
        {
            infrastructureError = ex.ToString();
            await Console.Error.WriteLineAsync($"[fault] FAILED: {ex}");
        }
        finally
        {
            await Cleanup.RunAll(Console.Error);
        }

        var command = "dotnet run -c Release --project tests/Messaging.FaultTests --" + (args.Length > 0 ? " " + string.Join(' ', args) : "");
        Report.Print(results, Console.Out);
        var markdown = Report.Markdown(results, facts, command, total.Elapsed, infrastructureError);
        var reportPath = options.Report ?? DefaultReport(options.Quick, folder);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(reportPath))!);
        await File.WriteAllTextAsync(reportPath, markdown);

        var passed = infrastructureError == null && results.Count == scenarios.Count && results.All(r => r.Passed);
        if (passed && !options.Keep)
            Directory.Delete(folder, recursive: true);
        else
            SuiteContext.Say($"run folder kept: {folder} (ledgers, journals, server and worker logs)");
        SuiteContext.Say($"report written to {Path.GetFullPath(reportPath)}");
        SuiteContext.Say($"{(passed ? "PASS" : "FAIL")}: {results.Count(r => r.Passed)} of {scenarios.Count} scenario(s) passed in {total.Elapsed.TotalSeconds:0} s");
        return passed ? 0 : 1;
    }

    /// <summary>Every scenario, in order; scenario 3 has two variants (AOF always, AOF everysec), scenario 12 two (WaitForReplicas 1 and 0).</summary>
    static IEnumerable<Scenario> Catalog() =>
    [
        new WorkerKillScenario(),
        new RabbitOutageScenario(),
        new RedisCrashScenario(everySecond: false),
        new RedisCrashScenario(everySecond: true),
        new RdbRestoreScenario(),
        new WorkerDownScenario(),
        new ThreeBridgesScenario(),
        new SubscriptionKillScenario(),
        new CancelRaceScenario(),
        new MemoryAlarmScenario(),
        new RedisMaxMemoryScenario(),
        new RedisPauseScenario(),
        new ClusterFailoverScenario(waitForReplicas: true),
        new ClusterFailoverScenario(waitForReplicas: false),
        new ClusterReshardScenario(),
        new ClusterThreeBridgesScenario(),
    ];

    static async Task<ScenarioResult> RunScenario(SuiteContext suite, Scenario scenario, CancellationToken cancellationToken)
    {
        var bound = scenario.Bound(suite.Quick);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(bound);
        var watch = Stopwatch.StartNew();
        SuiteContext.Say($"scenario {scenario.Id}: {scenario.Title} (bound {bound.TotalSeconds:0} s)");
        var run = new ScenarioRun(suite, scenario.Id, scenario.Title, deadline.Token);
        try
        {
            await scenario.Run(run);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            run.Result.BoundExceeded = true;
            run.Result.Fail($"the scenario's bound of {bound.TotalSeconds:0} s was exceeded");
            run.Result.Note("the scenario stopped at its bound: its numbers cover only what happened until then");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            run.Result.Errored = true;
            run.Result.Fail("interrupted");
        }
        catch (Exception ex)
        {
            run.Result.Errored = true;
            run.Result.Fail($"error: {ex.GetType().Name}: {ex.Message}");
            run.Result.Note("the scenario stopped early on an error: its numbers cover only what happened until then");
            await File.WriteAllTextAsync(Path.Combine(run.Folder, "error.txt"), ex.ToString(), CancellationToken.None);
        }
        finally
        {
            try
            {
                await run.DisposeAsync();
            }
            catch (Exception ex)
            {
                run.Result.Fail($"clean-up failed: {ex.GetType().Name}: {ex.Message}");
            }
        }

        if (!run.Evaluated)
            run.Evaluate();
        run.Result.Duration = watch.Elapsed;
        var r = run.Result;
        SuiteContext.Say($"scenario {r.Id}: {Report.Row(r)[^1]} scheduled {r.Scheduled}, delivered {r.Delivered}, lost {r.Lost}, early {r.Early}, cancelled-but-delivered {r.CancelledDelivered}, duplicates {r.Duplicates} ({r.UnexplainedDuplicates} unexplained), duplicate SMS {r.DuplicateSms} ({r.RepeatedGatewayCalls} repeated gateway calls), catch-up {r.CatchUp?.TotalSeconds:0.00} s, {r.Duration.TotalSeconds:0} s");
        foreach (var n in r.Notes)
            SuiteContext.Say($"scenario {r.Id}: {n}");
        foreach (var f in r.Failures)
            SuiteContext.Say($"scenario {r.Id}: FAILED: {f}");
        return r;
    }

    /// <summary>
    /// The worker's receive endpoints declare the durable queues and bind them to the message types' exchanges; until they
    /// exist, a republished message is routed nowhere. One worker start on a fresh node creates them for every scenario.
    /// </summary>
    static async Task WarmUp(SuiteContext suite, CancellationToken cancellationToken)
    {
        var run = new ScenarioRun(suite, "0", "warm-up", cancellationToken);
        await using (run)
        {
            await run.StartRedis();
            var worker = await run.StartWorker("warmup");
            await run.StopWorker(worker);
        }

        var queues = await suite.Rabbit.QueueDepths();
        SuiteContext.Say($"warm-up: queues {string.Join(", ", queues.Keys)} declared");
    }

    static string? Prerequisites()
    {
        foreach (var (what, path) in new[] { ("redis-server", "redis-server"), ("epmd", "epmd") })
        {
            var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, path)));
            if (!found)
                return $"{what} is not on the PATH";
        }

        return File.Exists("/usr/lib/rabbitmq/bin/rabbitmq-server") ? null : "/usr/lib/rabbitmq/bin/rabbitmq-server is missing";
    }

    static string DefaultReport(bool quick, string folder)
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Messaging.sln")))
                return Path.Combine(dir.FullName, ".run", "fault-suite", quick ? "report-quick.md" : "report-full.md");
        }

        return Path.Combine(folder, "report.md");
    }
}

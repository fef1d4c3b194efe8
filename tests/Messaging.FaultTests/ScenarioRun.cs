using System.Globalization;
using Messaging.FaultTests.Infrastructure;
using Messaging.FaultTests.Oracle;
using Messaging.FaultTests.Worker;
using Messaging.Testing;
using StackExchange.Redis;

namespace Messaging.FaultTests;

/// <summary>
/// One scenario's world: its folder, its own redis-server, its key prefix, its producer, its worker processes, the ledger,
/// the journals, and the faults injected. Disposing it stops everything it started.
/// </summary>
internal sealed class ScenarioRun : IAsyncDisposable
{
    static readonly TimeSpan SampleWindow = TimeSpan.FromMilliseconds(200);

    readonly List<WorkerProcess> _workers = [];
    readonly List<CrashEvent> _crashes = [];
    readonly List<(long Us, string[] Tokens)> _samples = [];
    RedisNode? _redis;
    RedisClusterNodes? _cluster;
    int _partitions = 1;
    Producer? _producer;
    CancellationTokenSource? _sampling;
    Task? _sampler;
    int _incarnation;

    public ScenarioRun(SuiteContext suite, string id, string title, CancellationToken cancellationToken)
    {
        Suite = suite;
        Token = cancellationToken;
        Folder = Path.Combine(suite.Folder, "s" + id);
        Directory.CreateDirectory(Folder);
        Prefix = $"fault:s{id}:";
        Ledger = new Ledger("s" + id);
        Journal = new JournalReader();
        Result = new ScenarioResult(id, title);
    }

    public SuiteContext Suite { get; }
    public bool Quick => Suite.Quick;
    public CancellationToken Token { get; }
    public string Folder { get; }

    /// <summary>How many lines of the workers' logs (<c>worker-*.log</c> in <see cref="Folder" />) contain <paramref name="text" />.</summary>
    public int CountInWorkerLogs(string text) =>
        Directory.EnumerateFiles(Folder, "worker-*.log").Sum(f => File.ReadLines(f).Count(l => l.Contains(text, StringComparison.Ordinal)));
    public string Prefix { get; }
    public Ledger Ledger { get; }
    public JournalReader Journal { get; }
    public ScenarioResult Result { get; }
    public IReadOnlyList<CrashEvent> Crashes => _crashes;
    public bool Evaluated { get; private set; }

    public RedisNode Redis => _redis ?? throw new InvalidOperationException("StartRedis first");
    public RedisClusterNodes Cluster => _cluster ?? throw new InvalidOperationException("StartCluster first");

    /// <summary>What the scheduler (workers and producer) connects to: the one server, or every node of the cluster.</summary>
    string RedisConfiguration => _cluster?.Configuration ?? Redis.Configuration;
    public Producer Producer => _producer ?? throw new InvalidOperationException("StartRedis first");

    public RedisKey DueKey => $"{Prefix}{{0}}:due";
    public RedisKey InFlightKey => $"{Prefix}{{0}}:inflight";
    public RedisKey EntriesKey => $"{Prefix}{{0}}:entries";
    public RedisKey DeadKey => $"{Prefix}{{0}}:dead";
    public RedisKey DeadReasonsKey => $"{Prefix}{{0}}:dead-reasons";
    public RedisChannel WakeChannel => RedisChannel.Literal($"{Prefix}{{0}}:wake");

    /// <summary>Delivered distinct tokens of this scenario so far.</summary>
    public int Delivered
    {
        get
        {
            Journal.Poll();
            return Journal.DistinctTokens(Ledger.Contains);
        }
    }

    public static void Say(string text) => SuiteContext.Say(text);

    /// <summary>Starts this scenario's redis-server with <paramref name="settings" />, and the producer on it.</summary>
    public async Task StartRedis(params string[] settings)
    {
        _redis = new RedisNode("s" + Result.Id, Path.Combine(Folder, "redis"), settings);
        await _redis.Start(Token);
        _producer = new Producer(_redis.Configuration, Suite.Rabbit.Amqp, Prefix, Path.Combine(Folder, "producer.log"));
    }

    /// <summary>Starts this scenario's Redis Cluster (3 primaries, 3 replicas), and the producer on it, with
    /// <paramref name="partitions" /> partitions and <paramref name="waitForReplicas" />; workers started after use the same
    /// partitions.</summary>
    public async Task StartCluster(int partitions, int waitForReplicas)
    {
        _cluster = await RedisClusterNodes.Start(Path.Combine(Folder, "cluster"), Token);
        _partitions = partitions;
        _producer = new Producer(_cluster.Configuration, Suite.Rabbit.Amqp, Prefix, Path.Combine(Folder, "producer.log"), partitions, waitForReplicas);
    }

    public async Task<WorkerProcess> StartWorker(string name, bool waitReady = true)
    {
        var n = Interlocked.Increment(ref _incarnation);
        var journal = Path.Combine(Folder, $"journal-{name}-{n}.tsv");
        var arguments = new WorkerArguments(journal, RedisConfiguration, Suite.Rabbit.Amqp.ToString(), Prefix, Suite.Lease, _partitions);
        var (program, args) = WorkerProcess.Command(arguments);
        Journal.Add(journal);
        var child = ChildProcess.Start($"worker {name}#{n}", program, args, Path.Combine(Folder, $"worker-{name}-{n}.log"));
        var worker = new WorkerProcess(name, child, journal);
        lock (_workers)
            _workers.Add(worker);
        if (waitReady)
            await WaitReady(worker);
        return worker;
    }

    /// <summary>Waits until the worker journaled that its host (bus, endpoints, bridge) started; returns when, Unix µs.</summary>
    public async Task<long> WaitReady(WorkerProcess worker)
    {
        long ready = 0;
        await Wait.Until(() =>
        {
            Journal.Poll();
            if (Journal.ReadyUs(worker.Journal) is { } us)
            {
                ready = us;
                return true;
            }

            if (worker.Process.HasExited)
                throw new InvalidOperationException($"worker {worker.Name} (pid {worker.Pid}) exited with code {worker.Process.ExitCode} before it was ready:{Environment.NewLine}{worker.Process.Tail()}");
            return false;
        }, TimeSpan.FromSeconds(90), $"worker {worker.Name} (pid {worker.Pid}) is ready", Token);
        return ready;
    }

    /// <summary>kill -9 the worker; the crash records the tokens it held claimed (the in-flight set, now frozen).</summary>
    public async Task<CrashEvent> KillWorker(WorkerProcess worker)
    {
        var crash = new CrashEvent("worker SIGKILL", Clock.NowUs(), $"kill -9 worker {worker.Name} pid {worker.Pid}");
        worker.Process.Kill9();
        crash.EndUs = Clock.NowUs();
        foreach (var token in await InFlight())
            crash.InFlight.Add(token);
        _crashes.Add(crash);
        return crash;
    }

    public async Task StopWorker(WorkerProcess worker) => await worker.Process.Stop(TimeSpan.FromSeconds(15));

    public void AddCrash(CrashEvent crash) => _crashes.Add(crash);

    public async Task<string[]> InFlight()
    {
        if (_cluster == null)
            return (await (await Redis.Database()).SortedSetRangeByRankAsync(InFlightKey)).Select(v => v.ToString()).ToArray();

        // Every partition's in-flight set, wherever it lives now (the sets exist only while not empty).
        var db = (await _cluster.Admin()).GetDatabase();
        var tokens = new List<string>();
        foreach (var key in await _cluster.Keys(Prefix + "*:inflight"))
            tokens.AddRange((await db.SortedSetRangeByRankAsync(key)).Select(v => v.ToString()));
        return tokens.ToArray();
    }

    /// <summary>On the cluster: due, in flight, entries and dead, summed over every partition on every primary.</summary>
    async Task<(long Due, long InFlight, long Entries, long Dead)> ClusterCounts()
    {
        var db = (await Cluster.Admin()).GetDatabase();
        long due = 0, inFlight = 0, entries = 0, dead = 0;
        foreach (var key in await Cluster.Keys(Prefix + "*"))
        {
            var name = key.ToString();
            if (name.EndsWith(":due", StringComparison.Ordinal))
                due += await db.SortedSetLengthAsync(key);
            else if (name.EndsWith(":inflight", StringComparison.Ordinal))
                inFlight += await db.SortedSetLengthAsync(key);
            else if (name.EndsWith(":entries", StringComparison.Ordinal))
                entries += await db.HashLengthAsync(key);
            else if (name.EndsWith(":dead", StringComparison.Ordinal))
                dead += await db.SortedSetLengthAsync(key);
        }

        return (due, inFlight, entries, dead);
    }

    /// <summary>How many keys of this scenario match <paramref name="suffix" /> (after the partition's hash tag), by SCAN.</summary>
    public async Task<int> CountKeys(string suffix)
    {
        var server = await Redis.Server();
        var count = 0;
        await foreach (var _ in server.KeysAsync(pattern: $"{Prefix}{{0}}:{suffix}", pageSize: 1000))
            count++;
        return count;
    }

    /// <summary>The TTL trigger keys (<c>&lt;prefix&gt;{0}:SELLER:&lt;token&gt;</c>, <c>...:OPERATOR:...</c>) that exist now.</summary>
    public async Task<int> TriggerKeys() => await CountKeys("SELLER:*") + await CountKeys("OPERATOR:*");

    /// <summary>Entries for due time <paramref name="first" /> onwards, <paramref name="count" /> of them spread evenly over <paramref name="spread" />.</summary>
    public List<LedgerEntry> Plan(int count, DateTime first, TimeSpan spread) =>
        Enumerable.Range(0, count).Select(i => Ledger.Create(first + spread * i / count)).ToList();

    /// <summary>Samples the in-flight set every 50 ms until disposed, to tell which tokens a fault caught mid-delivery.</summary>
    public void StartSampling()
    {
        _sampling = new CancellationTokenSource();
        var token = _sampling.Token;
        _sampler = Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    var tokens = await InFlight();
                    lock (_samples)
                        _samples.Add((Clock.NowUs(), tokens));
                }
#pragma warning disable CA1031 // The server is being killed and restarted under the sampler: any failure means "no sample now".
                catch (Exception)
#pragma warning restore CA1031
                {
                }

                try
                {
                    await Task.Delay(50, token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);
    }

    /// <summary>Schedules every entry through the product's API, <paramref name="concurrency" /> calls at a time.</summary>
    public async Task ScheduleAll(IReadOnlyList<LedgerEntry> entries, int concurrency = 64)
    {
        await Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = Token },
            async (entry, _) => await Producer.Schedule(entry));
        var failed = entries.Where(e => e.Status == ScheduleStatus.Failed).ToArray();
        if (failed.Length > 0)
            Result.Fail($"{failed.Length} scheduling call(s) failed with every server up, e.g. {failed[0].Error}");
    }

    /// <summary>Entries that must be delivered: the call returned, and no cancel reported success.</summary>
    public IEnumerable<LedgerEntry> Expected(IReadOnlySet<string>? except = null) =>
        Ledger.Entries.Where(e => e.Status == ScheduleStatus.Ok && e.Cancel is not (CancelResult.Cancelled or CancelResult.Failed)
            && except?.Contains(e.TokenText) != true);

    /// <summary>Waits until at least <paramref name="count" /> distinct tokens were delivered; false after the timeout.</summary>
    public Task<bool> WaitForDelivered(int count, TimeSpan timeout) => Wait.TryUntil(() => Delivered >= count, timeout, Token);

    /// <summary>
    /// Waits until every expected message was delivered. Fails (bound exceeded) after <paramref name="timeout" />, or
    /// sooner when nothing at all was delivered for the stall limit (30 s quick, 120 s full: several leases, sweeps and
    /// broker reconnection attempts) while messages are still missing: a bridge that stopped working.
    /// </summary>
    public async Task<bool> WaitForExpected(TimeSpan timeout, IReadOnlySet<string>? except = null)
    {
        var stallLimit = TimeSpan.FromSeconds(Quick ? 30 : 120);
        var expected = Expected(except).Select(e => e.TokenText).ToHashSet(StringComparer.Ordinal);
        var lastProgress = DateTime.UtcNow;
        var lastCount = -1;
        var stalled = false;
        var ok = await Wait.TryUntil(() =>
        {
            Journal.Poll();
            expected.RemoveWhere(Journal.Has);
            if (expected.Count == 0)
                return true;
            if (Journal.Count != lastCount)
            {
                lastCount = Journal.Count;
                lastProgress = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - lastProgress > stallLimit)
            {
                stalled = true;
                return true;
            }

            return false;
        }, timeout, Token, TimeSpan.FromMilliseconds(100));
        if (!ok || stalled)
        {
            Result.BoundExceeded = true;
            Result.Fail(stalled
                ? string.Create(CultureInfo.InvariantCulture, $"stalled: nothing was delivered for {stallLimit.TotalSeconds:0} s while {expected.Count:#,0} expected message(s) were still missing")
                : string.Create(CultureInfo.InvariantCulture, $"{expected.Count:#,0} expected message(s) were not delivered within the bound of {timeout.TotalSeconds:0} s"));
            return false;
        }

        return true;
    }

    /// <summary>
    /// Waits until nothing of this scenario is left anywhere: no entry due or in flight in Redis (dead-lettered ones are
    /// counted and reported), no message ready or unacknowledged in any queue. Then nothing more can be delivered.
    /// </summary>
    public async Task<bool> Settle(TimeSpan timeout)
    {
        // After a failed wait, look once rather than wait out another bound.
        if (Result.BoundExceeded)
            timeout = TimeSpan.FromSeconds(2);
        var last = "";
        var ok = await Wait.TryUntil(async () =>
        {
            Journal.Poll();
            long due, inFlight, entries, dead;
            if (_cluster != null)
                (due, inFlight, entries, dead) = await ClusterCounts();
            else
            {
                var db = await Redis.Database();
                due = await db.SortedSetLengthAsync(DueKey);
                inFlight = await db.SortedSetLengthAsync(InFlightKey);
                entries = await db.HashLengthAsync(EntriesKey);
                dead = await db.SortedSetLengthAsync(DeadKey);
            }

            last = $"due {due}, in flight {inFlight}, entries {entries}, dead {dead}";
            if (due + inFlight > 0 || entries != dead)
                return false;
            var depths = await Suite.Rabbit.QueueDepths();
            last += ", queues " + string.Join(", ", depths.Select(d => $"{d.Key}={d.Value}"));
            return depths.Values.Sum() == 0;
        }, timeout, Token, TimeSpan.FromMilliseconds(500));
        Journal.Poll();

        if (_cluster != null)
        {
            Result.DeadLettered = (int)(await ClusterCounts()).Dead;
            if (Result.DeadLettered > 0)
                Result.Fail($"{Result.DeadLettered} message(s) were dead-lettered");
            if (!ok)
            {
                Result.BoundExceeded = true;
                Result.Fail($"did not settle within {timeout.TotalSeconds:0} s ({last})");
            }

            return ok;
        }

        var db = await Redis.Database();
        Result.DeadLettered = (int)await db.SortedSetLengthAsync(DeadKey);
        if (Result.DeadLettered > 0)
        {
            var reasons = await db.HashGetAllAsync(DeadReasonsKey);
            Result.Fail($"{Result.DeadLettered} message(s) were dead-lettered, e.g. {reasons.FirstOrDefault().Name}: {reasons.FirstOrDefault().Value}");
        }

        if (!ok)
        {
            Result.BoundExceeded = true;
            Result.Fail($"did not settle within {timeout.TotalSeconds:0} s ({last})");
        }

        return ok;
    }

    /// <summary>The latest first delivery among <paramref name="entries" />, Unix µs.</summary>
    public long? LastFirstDelivery(IEnumerable<LedgerEntry> entries)
    {
        Journal.Poll();
        long? last = null;
        foreach (var e in entries)
        {
            var records = Journal.For(e.TokenText);
            if (records.Count == 0)
                continue;
            var first = records.Min(r => r.ReceivedUs);
            if (last == null || first > last)
                last = first;
        }

        return last;
    }

    /// <summary>The earliest delivery of this scenario at or after <paramref name="afterUs" />, Unix µs.</summary>
    public long? FirstDeliveryAfter(long afterUs)
    {
        Journal.Poll();
        var times = Journal.All.Where(r => Ledger.Contains(r.Token) && r.ReceivedUs >= afterUs).Select(r => r.ReceivedUs).ToArray();
        return times.Length == 0 ? null : times.Min();
    }

    /// <summary>Records the catch-up time; none when the scenario did not catch up (bound exceeded).</summary>
    public void CatchUp(long fromUs, long? toUs, string meaning)
    {
        Result.CatchUpMeaning = meaning;
        if (toUs is { } to && !Result.BoundExceeded)
            Result.CatchUp = TimeSpan.FromMicroseconds(Math.Max(0, to - fromUs));
    }

    /// <summary>Runs the oracle over the ledger and the journals.</summary>
    public void Evaluate(IReadOnlySet<string>? mayBeMissing = null)
    {
        lock (_samples)
        {
            foreach (var crash in _crashes)
            {
                var from = crash.StartUs - (long)SampleWindow.TotalMicroseconds;
                var to = crash.EndUs + (long)SampleWindow.TotalMicroseconds;
                foreach (var (us, tokens) in _samples)
                {
                    if (us >= from && us <= to)
                        crash.InFlight.UnionWith(tokens);
                }
            }
        }

        Evaluated = true;
        Verifier.Evaluate(Result, Ledger, Journal, _crashes, mayBeMissing);
        foreach (var crash in _crashes)
            Result.Note($"fault at {Clock.Format(crash.StartUs)}: {crash.Description}; {crash.InFlight.Count} token(s) in flight");
    }

    public async ValueTask DisposeAsync()
    {
        if (_sampling != null)
        {
            await _sampling.CancelAsync();
            if (_sampler != null)
                await _sampler;
            _sampling.Dispose();
        }

        WorkerProcess[] workers;
        lock (_workers)
            workers = _workers.ToArray();
        await Task.WhenAll(workers.Select(w => w.Process.Stop(TimeSpan.FromSeconds(15))));

        if (_producer != null)
            await _producer.DisposeAsync();
        if (_redis != null)
            await _redis.DisposeAsync();
        if (_cluster != null)
            await _cluster.DisposeAsync();
        Ledger.Save(Path.Combine(Folder, "ledger.tsv"));
    }
}

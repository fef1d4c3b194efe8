using System.Collections.Concurrent;
using System.Globalization;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>
/// Counts the messages of one run as the consumer receives them: each message carries <c>&lt;runId&gt;/&lt;seq&gt;</c> in its
/// CorrelationKey; the tracker keeps the first receive time of each seq (UTC ticks, the machine clock), counts duplicates
/// (delivery is at least once) and completes when every expected message arrived.
/// </summary>
internal sealed class RunTracker
{
    readonly long[] _received;
    readonly ConcurrentDictionary<Guid, int>? _messageIds;
    readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    int _count;
    int _duplicates;
    int _strays;
    long _first = long.MaxValue;
    long _last;

    /// <param name="runId">The run's id, the start of every CorrelationKey.</param>
    /// <param name="expected">How many messages the run sends.</param>
    /// <param name="countMessageIds">Also count receipts by MessageId (the scaling workload's exactly-once check).</param>
    public RunTracker(string runId, int expected, bool countMessageIds = false)
    {
        _messageIds = countMessageIds ? new ConcurrentDictionary<Guid, int>() : null;
        RunId = runId;
        Expected = expected;
        _received = new long[expected];
        if (expected == 0)
            _all.TrySetResult();
    }

    public string RunId { get; }

    public int Expected { get; }

    public int Count => Volatile.Read(ref _count);

    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Messages of other runs or unknown keys that reached this run's queue.</summary>
    public int Strays => Volatile.Read(ref _strays);

    /// <summary>UTC ticks of the first and last first-time receipt.</summary>
    public long FirstTicks => Volatile.Read(ref _first);

    public long LastTicks => Volatile.Read(ref _last);

    /// <summary>The receive time (UTC ticks) of each seq; 0 when it never arrived.</summary>
    public ReadOnlySpan<long> ReceivedTicks => _received;

    public string Key(int seq) => RunId + "/" + seq.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>Distinct MessageIds received (when counted; -1 when not), and how many MessageIds arrived more than once.</summary>
    public (int Distinct, int Repeated) MessageIds => _messageIds is { } ids ? (ids.Count, ids.Count(p => p.Value > 1)) : (-1, 0);

    public void Record(string correlationKey, Guid? messageId = null)
    {
        var now = DateTime.UtcNow.Ticks;
        if (_messageIds != null)
            _messageIds.AddOrUpdate(messageId ?? Guid.Empty, 1, (_, n) => n + 1);
        if (correlationKey.Length != RunId.Length + 8 || !correlationKey.StartsWith(RunId, StringComparison.Ordinal) || correlationKey[RunId.Length] != '/'
            || !int.TryParse(correlationKey.AsSpan(RunId.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq) || seq >= Expected)
        {
            Interlocked.Increment(ref _strays);
            return;
        }

        if (Interlocked.CompareExchange(ref _received[seq], now, 0) != 0)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        InterlockedMin(ref _first, now);
        InterlockedMax(ref _last, now);
        if (Interlocked.Increment(ref _count) == Expected)
            _all.TrySetResult();
    }

    /// <summary>Waits until every expected message arrived.</summary>
    /// <returns>False when <paramref name="timeout" /> passed first.</returns>
    public async Task<bool> WaitAll(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _all.Task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Throws when not every message arrived in time: the benchmark must deliver every message.</summary>
    public async Task RequireAll(TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        if (!await WaitAll(timeout, cancellationToken))
            throw new BenchmarkFailedException($"{what}: only {Count} of {Expected} messages arrived within {timeout.TotalSeconds:0} s.");
    }

    static void InterlockedMin(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
                return;
            current = seen;
        }
    }

    static void InterlockedMax(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
                return;
            current = seen;
        }
    }
}

using System.Diagnostics.Metrics;

namespace Messaging.Scheduler.Legacy;

/// <summary>The legacy-key adapter's metric, on the scheduler's meter: <c>messaging.scheduler.legacy_keys</c>, by outcome
/// (<c>imported</c>, <c>imported_late</c>, <c>already_imported</c>, <c>cancelled</c>).</summary>
internal sealed class LegacyInstruments : IDisposable
{
    readonly Meter _meter;
    readonly Counter<long> _keys;
    long _late;

    public LegacyInstruments(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(RedisSchedulerDiagnostics.MeterName);
        _keys = _meter.CreateCounter<long>("messaging.scheduler.legacy_keys", "{key}",
            "Legacy keys (SET SELLER:AAA 1 EX 900) handled by the adapter, by outcome; imported_late: heard of only when they expired");
    }

    /// <summary>Keys imported late by this process, for tests and logs.</summary>
    public long ImportedLate => Volatile.Read(ref _late);

    public void Record(LegacyImportOutcome outcome)
    {
        var name = outcome switch
        {
            LegacyImportOutcome.Imported => "imported",
            LegacyImportOutcome.ImportedLate => "imported_late",
            LegacyImportOutcome.AlreadyImported => "already_imported",
            LegacyImportOutcome.Cancelled => "cancelled",
            _ => null,
        };
        if (name == null)
            return;
        if (outcome == LegacyImportOutcome.ImportedLate)
            Interlocked.Increment(ref _late);
        _keys.Add(1, new KeyValuePair<string, object?>("outcome", name));
    }

    public void Dispose() => _meter.Dispose();
}

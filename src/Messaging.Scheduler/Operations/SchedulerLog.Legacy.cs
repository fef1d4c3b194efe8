using Microsoft.Extensions.Logging;

namespace Messaging.Scheduler.Operations;

/// <summary>The legacy-key adapter's log events (ids 60-69).</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(60, LogLevel.Information, "Legacy-key adapter is running: {Patterns} become scheduled messages (keyspace events {KeyspaceEvents})")]
    public static partial void LegacyAdapterRunning(ILogger logger, string patterns, string keyspaceEvents);

    [LoggerMessage(61, LogLevel.Debug, "Legacy key {Key} imported as {Channel} message {Token}, due {DueTime:O}")]
    public static partial void LegacyImported(ILogger logger, string key, string channel, Guid token, DateTimeOffset dueTime);

    [LoggerMessage(62, LogLevel.Warning, "Legacy key {Key} expired before any bridge imported it (it was written while no bridge listened): delivered now, late")]
    public static partial void LegacyImportedLate(ILogger logger, string key);

    [LoggerMessage(63, LogLevel.Information, "Legacy key {Key} was deleted or made persistent: its scheduled message {Token} is cancelled ({Outcome})")]
    public static partial void LegacyCancelled(ILogger logger, string key, Guid token, string outcome);

    [LoggerMessage(64, LogLevel.Information, "Legacy-key sweep: {Keys} live key(s) matching {Pattern} found, {Imported} imported now")]
    public static partial void LegacySwept(ILogger logger, string pattern, long keys, long imported);

    [LoggerMessage(65, LogLevel.Warning, "Could not import legacy key {Key} ({Event}); its expired event or the next sweep tries again")]
    public static partial void LegacyImportFailed(ILogger logger, Exception exception, string key, string @event);

    [LoggerMessage(66, LogLevel.Warning, "The legacy-key adapter cannot reach Redis; it tries again in {RetryDelayMs} ms")]
    public static partial void LegacyAdapterFailed(ILogger logger, Exception exception, long retryDelayMs);

    [LoggerMessage(67, LogLevel.Warning, "Redis does not publish the keyspace events the legacy-key adapter needs ({Reason}): keys written now are found only by the sweep at the next start, or when they expire (late)")]
    public static partial void LegacyEventsUnavailable(ILogger logger, string reason);

    [LoggerMessage(68, LogLevel.Information, "Keyspace events changed from '{Before}' to '{After}' for the legacy-key adapter")]
    public static partial void LegacyEventsEnabled(ILogger logger, string before, string after);
}

using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Messaging.Scheduler.Legacy;

/// <summary>
/// Turns one legacy key (<c>SET SELLER:AAA 1 EX 900</c>) into a scheduled message, in two steps, because the key has no
/// hash tag and so lives in another Cluster slot than the partition it goes into: <c>legacy-state.lua</c> reads the key's
/// absolute expiry (<c>PEXPIRETIME</c>, the same for every event and every bridge while the key is not set again), then
/// <c>legacy-import.lua</c> stores the entry and the key's import mark in one script in the partition. The token is
/// derived from the key's name and the MessageId from the name and the expiry, so that two bridges that import the same
/// key write the same message, and the mark lets only the first do it.
/// </summary>
internal sealed class LegacyKeyImporter
{
    readonly RedisConnection _connection;
    readonly RedisScheduleStore _store;
    readonly IBus _bus;
    readonly RedisSchedulerOptions _options;
    readonly ScheduledMessageSerializer _serializer;
    readonly LegacyInstruments _instruments;
    readonly SchedulerInstruments _scheduler;
    readonly ILogger _logger;

    public LegacyKeyImporter(RedisConnection connection, RedisScheduleStore store, IBus bus, IOptions<RedisSchedulerOptions> options,
        LegacyInstruments instruments, SchedulerInstruments scheduler, ILogger<LegacyKeyImporter> logger)
    {
        _connection = connection;
        _store = store;
        _bus = bus;
        _options = options.Value;
        _serializer = new ScheduledMessageSerializer(_options.MaxMessageBytes);
        _instruments = instruments;
        _scheduler = scheduler;
        _logger = logger;
    }

    /// <summary>The scheduling token of a legacy key: the same for every bridge and every time the key is set.</summary>
    public static Guid TokenFor(string key) => NameBasedGuid.From("legacy-key:" + key);

    /// <summary>The MessageId of one expiry of a legacy key: two bridges that import it produce the same.</summary>
    public static Guid MessageIdFor(string key, long expiryMs) => NameBasedGuid.From($"legacy-message:{key}:{expiryMs}");

    /// <summary>The mapping whose pattern matches the key, or null.</summary>
    public LegacyKeyMapping? Match(string key)
    {
        foreach (var mapping in _options.LegacyKeys.Mappings)
        {
            if (key.Length > mapping.Prefix.Length && key.StartsWith(mapping.Prefix, StringComparison.Ordinal))
                return mapping;
        }

        return null;
    }

    /// <summary>Acts on one event for one key.</summary>
    public async Task<LegacyImportOutcome> Handle(string key, LegacyKeyEvent heard, CancellationToken cancellationToken)
    {
        if (Match(key) is not { } mapping)
            return LegacyImportOutcome.Ignored;

        var db = await _connection.Database().ConfigureAwait(false);
        var state = (RedisResult[])(await db.ScriptEvaluateAsync(LuaScripts.LegacyState, [key]).ConfigureAwait(false))!;
        var expiry = (long)state[0];
        var now = (long)state[1];

        LegacyImportOutcome outcome;
        if (expiry > 0)
            outcome = await Import(mapping, key, expiry, expiry, cancellationToken).ConfigureAwait(false);
        else if (heard == LegacyKeyEvent.Expired && expiry == -2)
            outcome = await Import(mapping, key, 0, now, cancellationToken).ConfigureAwait(false);
        else if (heard == LegacyKeyEvent.Removed)
        {
            var token = TokenFor(key);
            var cancelled = await _store.Cancel(token).ConfigureAwait(false);
            SchedulerLog.LegacyCancelled(_logger, key, token, cancelled.ToString());
            outcome = cancelled == CancelOutcome.Cancelled ? LegacyImportOutcome.Cancelled : LegacyImportOutcome.Ignored;
        }
        else
            outcome = LegacyImportOutcome.Ignored;

        _instruments.Record(outcome);
        return outcome;
    }

    /// <param name="mapping">The key's mapping.</param>
    /// <param name="key">The legacy key.</param>
    /// <param name="expiry">Its expiry, Unix ms; 0 when it has expired and may never have been imported.</param>
    /// <param name="identity">What tells this expiry of the key from the others: its expiry, or the Redis clock when it
    /// expired unseen.</param>
    /// <param name="cancellationToken">Stops the serialization.</param>
    async Task<LegacyImportOutcome> Import(LegacyKeyMapping mapping, string key, long expiry, long identity, CancellationToken cancellationToken)
    {
        var token = TokenFor(key);
        var message = mapping.Create(key[mapping.Prefix.Length..]);
        var (entry, _) = await mapping.Encode(_serializer, _bus, message, MessageIdFor(key, identity), token, cancellationToken).ConfigureAwait(false);

        var partition = _store.Keyspace.For(token);
        var formatted = SchedulerKeyspace.Format(token);
        var values = new List<RedisValue>(8 + (entry.Names.Count + entry.LabelNames.Count) * 2)
        {
            formatted,
            expiry,
            mapping.Channel,
            entry.Payload,
            _options.TriggerKeys ? "1" : "0",
            partition.Wake.ToString(),
            (long)_options.LegacyKeys.MarkRetention.TotalMilliseconds,
        };
        _store.AddLabel(values, entry);

        var db = await _connection.Database().ConfigureAwait(false);
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(LuaScripts.LegacyImport, partition.LegacyImportKeys(mapping.Channel, formatted, key), [.. values])
            .ConfigureAwait(false))!;
        if ((long)reply[0] == 0)
            return LegacyImportOutcome.AlreadyImported;

        _scheduler.Scheduled(mapping.Channel);
        var due = DateTimeOffset.FromUnixTimeMilliseconds((long)reply[2]);
        if (expiry == 0)
        {
            SchedulerLog.LegacyImportedLate(_logger, key);
            return LegacyImportOutcome.ImportedLate;
        }

        SchedulerLog.LegacyImported(_logger, key, mapping.Channel, token, due);
        return LegacyImportOutcome.Imported;
    }
}

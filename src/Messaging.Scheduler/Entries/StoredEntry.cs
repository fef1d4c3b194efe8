namespace Messaging.Scheduler.Entries;

/// <summary>
/// What an entry holds: the MassTransit envelope of one scheduled message, either taken apart
/// (<see cref="CompactEnvelope" />, for MassTransit's JSON envelopes) or as it was serialized (<see cref="WholeEnvelope" />,
/// for anything else). <see cref="StoredMessageCodec" /> writes and reads both; <see cref="Expand" /> gives back the
/// message as it is replayed.
/// </summary>
internal abstract class StoredEntry
{
    /// <summary>The <see cref="NameTable" /> ids to look up before <see cref="Expand" />.</summary>
    public abstract IEnumerable<ulong> NameIds { get; }

    /// <summary>The names this entry refers to, by id, to store with it; empty for an entry read back from Redis.</summary>
    public abstract IReadOnlyDictionary<ulong, string> Names { get; }

    /// <summary>The stored message, with its envelope whole again.</summary>
    /// <param name="names">The names of <see cref="NameIds" />.</param>
    /// <param name="token">The entry's token, as stored (32 hex digits).</param>
    /// <exception cref="FormatException">A name is missing, or the entry cannot be put together again.</exception>
    public abstract StoredMessage Expand(IReadOnlyDictionary<ulong, string> names, string token);

    /// <summary>The entry for a serialized envelope: taken apart when it is a MassTransit JSON envelope this format holds
    /// without loss, kept whole otherwise.</summary>
    public static StoredEntry From(StoredMessage message, Guid token) =>
        (StoredEntry?)CompactEnvelope.TryCreate(message, token) ?? new WholeEnvelope(message);
}

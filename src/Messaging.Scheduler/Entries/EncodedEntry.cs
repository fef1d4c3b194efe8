namespace Messaging.Scheduler.Entries;

/// <summary>What the store writes for one message: the entry's bytes, and the names (<see cref="NameTable" />) they refer to.</summary>
/// <param name="Payload">The encoded message (<see cref="StoredMessageCodec" />).</param>
/// <param name="Names">The names the payload refers to by id; empty for an entry that keeps its envelope whole.</param>
internal sealed record EncodedEntry(byte[] Payload, IReadOnlyDictionary<ulong, string> Names)
{
    static readonly Dictionary<ulong, string> NoNames = [];

    /// <summary>What the entry is counted by (its message type and destination name ids), stored in its header.</summary>
    public EntryLabel Label { get; init; }

    /// <summary>The names of <see cref="Label" /> that <see cref="Names" /> does not hold (those of a whole envelope).</summary>
    public IReadOnlyDictionary<ulong, string> LabelNames { get; init; } = NoNames;

    /// <summary>The same entry, labelled with <paramref name="messageType" /> (its URN; null: unknown, id 0) and
    /// <paramref name="destination" />.</summary>
    public EncodedEntry WithLabel(string? messageType, string destination)
    {
        var names = new Dictionary<ulong, string>();
        var type = messageType == null ? 0 : NameTable.IdOf(messageType);
        var address = NameTable.IdOf(destination);
        if (messageType != null && !Names.ContainsKey(type))
            names[type] = messageType;
        if (!Names.ContainsKey(address))
            names[address] = destination;
        return this with { Label = new EntryLabel(type, address), LabelNames = names };
    }
}

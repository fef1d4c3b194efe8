namespace Messaging.Scheduler.Entries;

/// <summary>What the store writes for one message: the entry's bytes, and the names (<see cref="NameTable" />) they refer to.</summary>
/// <param name="Payload">The encoded message (<see cref="StoredMessageCodec" />).</param>
/// <param name="Names">The names the payload refers to by id; empty for an entry that keeps its envelope whole.</param>
internal sealed record EncodedEntry(byte[] Payload, IReadOnlyDictionary<ulong, string> Names);

namespace Messaging.Scheduler.Entries;

/// <summary>An entry that keeps the envelope as it was serialized (format 1): any content type, any field.</summary>
/// <param name="message">The stored message.</param>
internal sealed class WholeEnvelope(StoredMessage message) : StoredEntry
{
    static readonly Dictionary<ulong, string> NoNames = [];

    public StoredMessage Message { get; } = message;

    public override IEnumerable<ulong> NameIds => [];

    public override IReadOnlyDictionary<ulong, string> Names => NoNames;

    public override StoredMessage Expand(IReadOnlyDictionary<ulong, string> names, string token) => Message;
}

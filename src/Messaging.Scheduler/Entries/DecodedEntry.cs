namespace Messaging.Scheduler.Entries;

/// <summary>An entry read back from the store: either the whole message (format 1), or a compact envelope (format 2)
/// that still needs the names it refers to.</summary>
/// <param name="Whole">The message, when the entry kept its envelope whole.</param>
/// <param name="Compact">The compact envelope, otherwise.</param>
internal sealed record DecodedEntry(StoredMessage? Whole, CompactEnvelope? Compact)
{
    /// <summary>The <see cref="NameTable" /> ids to look up before <see cref="Expand" />.</summary>
    public IEnumerable<ulong> NameIds => Compact?.NameIds ?? [];

    /// <summary>The stored message, with its envelope whole again.</summary>
    /// <param name="names">The names of <see cref="NameIds" />.</param>
    /// <param name="token">The entry's token.</param>
    /// <exception cref="FormatException">A name is missing, or the entry cannot be put together again.</exception>
    public StoredMessage Expand(IReadOnlyDictionary<ulong, string> names, string token)
    {
        if (Whole != null)
            return Whole;

        try
        {
            return Compact!.Expand(names, token);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException("the compact entry cannot be put together again: " + ex.Message, ex);
        }
    }
}

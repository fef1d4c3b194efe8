using System.Security.Cryptography;
using System.Text;

namespace Messaging.Scheduler.Recurring;

/// <summary>A GUID that is always the same for the same text (the first 16 bytes of its SHA-256): a recurring schedule's
/// token, and the MessageId of one of its occurrences.</summary>
internal static class NameBasedGuid
{
    public static Guid From(string name) => new(SHA256.HashData(Encoding.UTF8.GetBytes(name)).AsSpan(0, 16));
}

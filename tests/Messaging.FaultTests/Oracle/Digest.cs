using System.Security.Cryptography;
using System.Text;

namespace Messaging.FaultTests.Oracle;

/// <summary>The payload digest the ledger keeps and the consumer computes from what it received: same digest, same message.</summary>
internal static class Digest
{
    public static string Of(string channel, string correlationKey, string recipient, string text)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{channel}\n{correlationKey}\n{recipient}\n{text}"));
        return Convert.ToHexStringLower(bytes.AsSpan(0, 8));
    }
}

using System.Net;

namespace Messaging.Benchmarks.Infrastructure;

/// <summary>The benchmark sends traffic to this machine only: every address it is given must be a loopback address.</summary>
internal static class Loopback
{
    public static Uri Require(Uri address, string what)
    {
        var host = address.Host.Trim('[', ']');
        var ok = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
        if (!ok)
            throw new ArgumentException($"{what} is {address.Host}: the benchmark only talks to servers on loopback (127.0.0.1, localhost, ::1).");
        return address;
    }
}

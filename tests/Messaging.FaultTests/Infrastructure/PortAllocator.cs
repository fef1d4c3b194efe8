using System.Net;
using System.Net.Sockets;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// Hands out loopback ports this run may use: below the kernel's ephemeral range, never a port another service on this
/// machine is known to use (a Redis on 6379/6391, RabbitMQ nodes on 5672/5673 with their management, distribution and
/// CLI ports, epmd on 4369), each checked free by binding it, and never the same port twice in one run.
/// </summary>
internal static class PortAllocator
{
    const int Low = 20_000;
    const int High = 30_000;
    const int ClusterBusOffset = 10_000;

    static readonly Lock Gate = new();
    static readonly HashSet<int> Handed = [];
    static readonly HashSet<int> Foreign = [4369, 5672, 5673, 6379, 6391, 15672, 15673, 25672, 25673];

    /// <summary><paramref name="count" /> consecutive free ports.</summary>
    public static int[] Block(int count)
    {
        lock (Gate)
        {
            for (var attempt = 0; attempt < 500; attempt++)
            {
                var first = Random.Shared.Next(Low, High - count);
                var ports = Enumerable.Range(first, count).ToArray();
                if (ports.Any(p => Handed.Contains(p) || Foreign.Contains(p)))
                    continue;
                if (!ports.All(IsFree))
                    continue;
                foreach (var p in ports)
                    Handed.Add(p);
                return ports;
            }
        }

        throw new InvalidOperationException($"Found no {count} consecutive free loopback ports between {Low} and {High}.");
    }

    public static int One() => Block(1)[0];

    /// <summary>
    /// A port for a cluster node: the port and its cluster bus port (+ 10,000) both free and both below the kernel's
    /// ephemeral range, so that an outgoing connection cannot take the bus port between this check and the node's start
    /// (a node whose bus port is taken exits with "Failed listening on port ... (cluster)").
    /// </summary>
    public static int WithClusterBus()
    {
        var high = Math.Min(High, EphemeralLow() - ClusterBusOffset);
        if (high - Low < 1_000)
            high = High; // a kernel with an unusually low ephemeral range: no pair avoids it, so take the plain range
        lock (Gate)
        {
            for (var attempt = 0; attempt < 500; attempt++)
            {
                var port = Random.Shared.Next(Low, high);
                int[] pair = [port, port + ClusterBusOffset];
                if (pair.Any(p => Handed.Contains(p) || Foreign.Contains(p)) || !pair.All(IsFree))
                    continue;
                foreach (var p in pair)
                    Handed.Add(p);
                return port;
            }
        }

        throw new InvalidOperationException($"Found no free loopback port between {Low} and {high} whose cluster bus port (+ {ClusterBusOffset}) is free too.");
    }

    /// <summary>The first port of the kernel's ephemeral range (32768 when it cannot be read).</summary>
    static int EphemeralLow()
    {
        try
        {
            var fields = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32_768;
        }
    }

    static bool IsFree(int port)
    {
        foreach (var address in new[] { IPAddress.Loopback, IPAddress.Any })
        {
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(1);
            }
            catch (SocketException)
            {
                return false;
            }
        }

        return true;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Messaging.Scheduler.Tests.Infrastructure;

/// <summary>
/// A <c>redis-server</c> of the test's own (from the operating system's package, on a free loopback port, data in a
/// temporary folder), for tests that change server settings the shared Redis must keep.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    readonly Process _process;
    readonly string _folder;

    RedisServerProcess(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServerProcess> Start(params string[] arguments)
    {
        var port = FreePort();
        var folder = Directory.CreateTempSubdirectory("redis-test-").FullName;
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", folder, "--save", "" }.Concat(arguments))
            start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("redis-server is not on the PATH: install it (apt-get install redis-server) or run ./scripts/test.sh, which does.", ex);
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new RedisServerProcess(process, folder, port);
        await Wait.Until(async () =>
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                return process.HasExited ? throw new InvalidOperationException($"redis-server exited with code {process.ExitCode}") : false;
            }
        }, TimeSpan.FromSeconds(15), $"redis-server answers on port {port}");
        return server;
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}

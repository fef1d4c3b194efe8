using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Messaging.Testing;

/// <summary>
/// A <c>redis-server</c> of the caller's own, from the operating system's package, run in the foreground as a child
/// process: on a loopback port (a free one, or the caller's), data in a folder (a temporary one deleted when disposed, or
/// the caller's, kept), no RDB snapshots unless the caller's settings ask for them. <see cref="Start(string[])" /> returns
/// once the server answers PING (with PONG, or asking for a password), so that its data is loaded.
/// </summary>
/// <remarks>
/// For tests that change server settings the shared Redis must keep, for the benchmark's clean memory figures, and for the
/// fault suite's crashes: <see cref="Kill9" /> is a crash (SIGKILL, no last save), <see cref="Stop" /> a shutdown (SIGTERM),
/// and a new <see cref="Start(IEnumerable{string}, int?, string?, string?, TimeSpan?, CancellationToken)" /> on the same port
/// and folder is the restart. The server's output is kept (its last lines in <see cref="Tail" />) and, when asked, appended
/// to a log file.
/// </remarks>
public sealed class RedisServerProcess : IAsyncDisposable
{
    const int TailLines = 40;

    readonly Process _process;
    readonly bool _ownsFolder;
    readonly Queue<string> _tail = new();
    readonly StreamWriter? _log;

    RedisServerProcess(Process process, int port, string folder, bool ownsFolder, StreamWriter? log)
    {
        _process = process;
        Port = port;
        Folder = folder;
        _ownsFolder = ownsFolder;
        _log = log;
        Pid = process.Id;
    }

    /// <summary>The loopback port it listens on.</summary>
    public int Port { get; }

    /// <summary>Its process id.</summary>
    public int Pid { get; }

    /// <summary>Its data folder (<c>--dir</c>).</summary>
    public string Folder { get; }

    /// <summary>The StackExchange.Redis configuration string: <c>127.0.0.1:{port}</c>.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => Posix.HasExited(_process);

    /// <summary>
    /// Starts a server on a free port with its data in a temporary folder (deleted when disposed), with these extra
    /// settings (e.g. <c>"--appendonly", "yes"</c>), and waits up to 15 s until it answers.
    /// </summary>
    public static Task<RedisServerProcess> Start(params string[] settings) => Start(settings, port: null);

    /// <summary>
    /// Starts <c>redis-server --port {port} --bind 127.0.0.1 --dir {folder} --daemonize no --save ""</c> followed by
    /// <paramref name="settings" /> (a later setting wins), and waits until it answers PING.
    /// </summary>
    /// <param name="settings">More command-line settings.</param>
    /// <param name="port">The port; a free one when null.</param>
    /// <param name="folder">The data folder, created if need be and kept; a temporary one (deleted when disposed) when null.</param>
    /// <param name="logFile">A file the server's output is appended to; none when null.</param>
    /// <param name="timeout">How long it may take to answer; 15 s when null.</param>
    /// <param name="cancellationToken">Ends the wait (and stops the server).</param>
    /// <exception cref="InvalidOperationException">redis-server is not installed, or exited during start-up.</exception>
    /// <exception cref="TimeoutException">It did not answer in time (then it is stopped).</exception>
    public static async Task<RedisServerProcess> Start(IEnumerable<string> settings, int? port = null, string? folder = null, string? logFile = null,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var ownsFolder = folder == null;
        folder = ownsFolder ? Directory.CreateTempSubdirectory("redis-server-").FullName : Directory.CreateDirectory(folder!).FullName;
        var listen = port ?? FreePort();

        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        string[] arguments =
        [
            "--port", listen.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", folder, "--daemonize", "no", "--save", "",
            .. settings,
        ];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        StreamWriter? log = null;
        Process process;
        try
        {
            log = logFile == null ? null : new StreamWriter(logFile, append: true) { AutoFlush = true };
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException or InvalidOperationException)
        {
            log?.Dispose();
            if (ownsFolder)
                DeleteFolder(folder);
            throw ex is System.ComponentModel.Win32Exception
                ? new InvalidOperationException("redis-server is not on the PATH: install it (apt-get install redis-server, or scripts/services.sh install redis).", ex)
                : ex;
        }

        var server = new RedisServerProcess(process, listen, folder, ownsFolder, log);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var wait = timeout ?? TimeSpan.FromSeconds(15);
        try
        {
            var ready = await Wait.TryUntil(async () =>
            {
                if (server.HasExited)
                    throw new InvalidOperationException($"redis-server on port {listen} exited with code {process.ExitCode}:{Environment.NewLine}{server.Tail()}");
                return await server.Answers(cancellationToken);
            }, wait, cancellationToken, TimeSpan.FromMilliseconds(50));
            if (!ready)
                throw new TimeoutException($"redis-server did not answer PING on 127.0.0.1:{listen} within {wait.TotalSeconds:0.#} s:{Environment.NewLine}{server.Tail()}");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, then waits until the process is gone: a crash, with no shutdown, no last save and no fsync.</summary>
    public void Kill9() => Posix.Kill9(_process);

    /// <summary>SIGTERM (Redis shuts down, writing what its settings say), and SIGKILL when it is still running after <paramref name="grace" />.</summary>
    public async Task Stop(TimeSpan grace)
    {
        if (HasExited)
            return;
        Posix.Kill(Pid, Posix.SigTerm);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill9();
        }
    }

    /// <summary>The last lines the server wrote, for error messages.</summary>
    public string Tail()
    {
        lock (_tail)
            return _tail.Count == 0 ? "(no output)" : string.Join(Environment.NewLine, _tail);
    }

    /// <summary>Kills the server (and any child it forked) if it still runs, and deletes its folder if it is a temporary one.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Exited in between.
            }

            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        lock (_tail)
            _log?.Dispose();
        if (_ownsFolder)
            DeleteFolder(Folder);
    }

    void Keep(string? line)
    {
        if (line == null)
            return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
                _tail.Dequeue();
            try
            {
                _log?.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output after disposal: only the in-memory tail keeps it.
            }
        }
    }

    /// <summary>Whether PING gets PONG, or the answer that a password is needed (so the server is up, its data loaded).</summary>
    async Task<bool> Answers(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[256];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var answer = Encoding.ASCII.GetString(buffer, 0, read);
            return answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    static void DeleteFolder(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }
}

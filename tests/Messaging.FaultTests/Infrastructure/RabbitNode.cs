using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Messaging.Testing;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>
/// A RabbitMQ node of this program's own, from the Debian package, without Docker, as <c>scripts/services.sh</c> starts
/// one but isolated further: node name <c>fault&lt;random&gt;@localhost</c>, its own AMQP and distribution ports, its own
/// epmd on its own port (a child process), its own CLI distribution port range, its own HOME and Erlang cookie, data and
/// logs under the run's folder, no management plugin. The scripts in /usr/lib/rabbitmq/bin are run directly (the
/// /usr/sbin wrappers would <c>su rabbitmq</c>). Stopped with <c>rabbitmqctl -n &lt;node&gt; stop</c>.
/// </summary>
internal sealed class RabbitNode : IAsyncDisposable
{
    const string Bin = "/usr/lib/rabbitmq/bin";

    readonly string _folder;
    readonly int _epmdPort;
    readonly int _distPort;
    readonly int _ctlPortMin;
    ChildProcess? _epmd;
    ChildProcess? _launcher;
    IDisposable? _cleanup;

    public RabbitNode(string folder)
    {
        _folder = folder;
        // AMQP, distribution, epmd, then eleven ports for the CLI's own distribution listener.
        var ports = PortAllocator.Block(14);
        AmqpPort = ports[0];
        _distPort = ports[1];
        _epmdPort = ports[2];
        _ctlPortMin = ports[3];
        NodeName = $"fault{Guid.NewGuid().ToString("N")[..8]}@localhost";
    }

    public string NodeName { get; }
    public int AmqpPort { get; }

    public Uri Amqp => new($"amqp://guest:guest@127.0.0.1:{AmqpPort}/");

    public bool IsRunning => _launcher is { HasExited: false };

    string Home => Path.Combine(_folder, "home");
    string PidFile => Path.Combine(_folder, "rabbitmq.pid");

    public string Describe() =>
        $"node {NodeName}, amqp 127.0.0.1:{AmqpPort}, distribution {_distPort}, epmd {_epmdPort}, data {_folder}";

    /// <summary>Starts the node (again, on the same data after a stop) and waits until it is ready for clients.</summary>
    public async Task Start(CancellationToken cancellationToken)
    {
        if (IsRunning)
            throw new InvalidOperationException($"RabbitMQ {NodeName} is already running");

        Prepare();
        if (_epmd is null or { HasExited: true })
        {
            _epmd = ChildProcess.Start("epmd", "epmd", ["-port", Port(_epmdPort), "-address", "127.0.0.1"], Path.Combine(_folder, "log", "epmd.log"));
            await Wait.Until(() => Listening(_epmdPort), TimeSpan.FromSeconds(10), $"epmd listens on 127.0.0.1:{_epmdPort}", cancellationToken);
        }

        var environment = Environment();
        environment["RABBITMQ_NODE_PORT"] = Port(AmqpPort);
        environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        environment["RABBITMQ_DIST_PORT"] = Port(_distPort);
        environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1} -start_epmd false";
        File.Delete(PidFile);
        _launcher = ChildProcess.Start($"rabbitmq-server {NodeName}", $"{Bin}/rabbitmq-server", [], Path.Combine(_folder, "log", "startup.log"),
            environment, _folder);
        _cleanup ??= Cleanup.Register($"RabbitMQ node {NodeName}", Stop);

        var started = Stopwatch.StartNew();
        var ready = await Wait.TryUntil(async () =>
        {
            if (_launcher.HasExited)
                throw new InvalidOperationException($"rabbitmq-server {NodeName} exited during start-up (code {_launcher.ExitCode}):{System.Environment.NewLine}{_launcher.Tail()}");
            return await Listening(AmqpPort) && (await Ctl(TimeSpan.FromSeconds(30), "await_startup", "--timeout", "20")).ExitCode == 0;
        }, TimeSpan.FromSeconds(120), cancellationToken, TimeSpan.FromMilliseconds(500));
        if (!ready)
            throw new TimeoutException($"RabbitMQ {NodeName} was not ready within 120 s:{System.Environment.NewLine}{_launcher.Tail()}");
        StartSeconds = started.Elapsed.TotalSeconds;
    }

    /// <summary>How long the last start took, seconds.</summary>
    public double StartSeconds { get; private set; }

    /// <summary><c>rabbitmqctl -n node stop</c> (which waits until the node is down), then the launcher's exit.</summary>
    public async Task Stop()
    {
        if (_launcher is { HasExited: false })
        {
            var beam = ReadBeamPid();
            var result = await Ctl(TimeSpan.FromSeconds(90), "stop", PidFile);
            if (!await _launcher.WaitForExit(TimeSpan.FromSeconds(30)))
                await _launcher.Stop(TimeSpan.FromSeconds(20));
            if (beam is { } pid && Posix.IsAlive(pid, NodeName))
            {
                Posix.Kill(pid, Posix.SigKill);
                await Console.Error.WriteLineAsync($"[fault] RabbitMQ {NodeName}: rabbitmqctl stop answered {result.ExitCode}; killed pid {pid}");
            }
        }
    }

    /// <summary>Stops the node for good, and its epmd.</summary>
    public async ValueTask DisposeAsync()
    {
        await Stop();
        _cleanup?.Dispose();
        if (_epmd != null)
            await _epmd.Stop(TimeSpan.FromSeconds(5));
    }

    /// <summary>Messages (ready plus unacknowledged) in each queue of the default vhost.</summary>
    public async Task<Dictionary<string, long>> QueueDepths()
    {
        var result = await Ctl(TimeSpan.FromSeconds(60), "list_queues", "-q", "--no-table-headers", "name", "messages");
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl list_queues failed ({result.ExitCode}): {result.Output}");
        var depths = new Dictionary<string, long>();
        foreach (var line in result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('\t', ' ');
            if (parts.Length >= 2 && long.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                depths[string.Join(' ', parts[..^1]).Trim()] = n;
        }

        return depths;
    }

    /// <summary>Runs rabbitmqctl against this node with this node's environment; kills it after <paramref name="timeout" />.</summary>
    public async Task<(int ExitCode, string Output)> Ctl(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo($"{Bin}/rabbitmqctl")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = _folder,
        };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(NodeName);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("RABBITMQ_", StringComparison.Ordinal) || k.StartsWith("ERL_", StringComparison.Ordinal)).ToArray())
            start.Environment.Remove(key);
        foreach (var (key, value) in Environment())
            start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
            return (-1, $"rabbitmqctl {string.Join(' ', arguments)} timed out after {timeout.TotalSeconds:0} s");
        }

        return (process.ExitCode, (await output) + (await error));
    }

    Dictionary<string, string> Environment() => new()
    {
        ["HOME"] = Home,
        ["ERL_EPMD_PORT"] = Port(_epmdPort),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_CTL_DIST_PORT_MIN"] = Port(_ctlPortMin),
        ["RABBITMQ_CTL_DIST_PORT_MAX"] = Port(_ctlPortMin + 10),
        ["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_folder, "rabbitmq-env.conf"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_folder, "rabbitmq.conf"),
        ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(_folder, "advanced.config"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_folder, "enabled_plugins"),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_folder, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_folder, "log"),
        ["RABBITMQ_PID_FILE"] = PidFile,
    };

    void Prepare()
    {
        Directory.CreateDirectory(Home);
        Directory.CreateDirectory(Path.Combine(_folder, "mnesia"));
        Directory.CreateDirectory(Path.Combine(_folder, "log"));
        var cookie = Path.Combine(Home, ".erlang.cookie");
        if (!File.Exists(cookie))
        {
            File.WriteAllText(cookie, Guid.NewGuid().ToString("N").ToUpperInvariant());
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        }

        // Empty: so that /etc/rabbitmq/rabbitmq-env.conf and rabbitmq.conf are not read; no plugins.
        File.WriteAllText(Path.Combine(_folder, "rabbitmq-env.conf"), string.Empty);
        File.WriteAllText(Path.Combine(_folder, "rabbitmq.conf"), string.Empty);
        File.WriteAllText(Path.Combine(_folder, "enabled_plugins"), "[]." + System.Environment.NewLine);
    }

    int? ReadBeamPid()
    {
        try
        {
            return int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    static async Task<bool> Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}

using Messaging.FaultTests.Worker;

namespace Messaging.FaultTests.Infrastructure;

/// <summary>One incarnation of a worker: its process and its journal file.</summary>
internal sealed class WorkerProcess(string name, ChildProcess process, string journal)
{
    public string Name { get; } = name;
    public ChildProcess Process { get; } = process;
    public string Journal { get; } = journal;
    public int Pid => Process.Pid;

    /// <summary>The command that runs this program in worker mode: its apphost, or <c>dotnet &lt;dll&gt;</c>.</summary>
    public static (string Program, string[] Arguments) Command(WorkerArguments arguments)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var self = typeof(WorkerProcess).Assembly.Location;
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [self, .. arguments.ToArguments()])
            : (path, [.. arguments.ToArguments()]);
    }
}

using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Messaging.Testing;

/// <summary>
/// The one system call .NET does not offer (sending a signal other than SIGKILL to a process by PID), and the two ways a
/// child process is checked on and crashed.
/// </summary>
public static class Posix
{
    /// <summary>SIGTERM: please stop.</summary>
    public const int SigTerm = 15;

    /// <summary>SIGKILL: stop now, no clean-up.</summary>
    public const int SigKill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    static extern int SysKill(int pid, int signal);

    /// <summary>Sends <paramref name="signal" /> to <paramref name="pid" />; false when the process is gone.</summary>
    public static bool Kill(int pid, int signal) => pid > 0 && SysKill(pid, signal) == 0;

    /// <summary>Whether a child process has ended (also when the <see cref="Process" /> object no longer knows it).</summary>
    public static bool HasExited(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>SIGKILL to a child process alone (not its own children), then waits until it is gone: a crash.</summary>
    public static void Kill9(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (!HasExited(process))
        {
            try
            {
                process.Kill(entireProcessTree: false);
            }
            catch (InvalidOperationException)
            {
                // Exited in between.
            }
        }

        process.WaitForExit();
    }

    /// <summary>Alive and not a zombie, and (when given) its command line mentions <paramref name="mustMention" />.</summary>
    public static bool IsAlive(int pid, string? mustMention = null)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            if (state is "Z" or "X")
                return false;
            if (mustMention == null)
                return true;
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains(mustMention, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}

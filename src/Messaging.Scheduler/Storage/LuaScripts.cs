using System.Reflection;

namespace Messaging.Scheduler.Storage;

/// <summary>The Lua scripts embedded beside this code (<c>Storage/Scripts/*.lua</c>).</summary>
internal static class LuaScripts
{
    public static readonly string Schedule = Load("schedule");
    public static readonly string Cancel = Load("cancel");
    public static readonly string Claim = Load("claim");
    public static readonly string AcknowledgeBatch = Load("ack-batch");
    public static readonly string Release = Load("release");
    public static readonly string Requeue = Load("requeue");
    public static readonly string Recurring = Load("recurring");

    static string Load(string name)
    {
        var resource = $"Messaging.Scheduler.Scripts.{name}.lua";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded script {resource} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}

namespace Messaging.Scheduler.Storage;

/// <summary>The idempotent consumer's script (<c>consumed.lua</c>).</summary>
internal static partial class LuaScripts
{
    public static readonly string Consumed = Load("consumed");
}

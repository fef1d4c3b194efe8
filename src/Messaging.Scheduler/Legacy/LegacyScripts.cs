namespace Messaging.Scheduler.Storage;

/// <summary>The legacy-key adapter's scripts (<c>legacy-state.lua</c>, <c>legacy-import.lua</c>).</summary>
internal static partial class LuaScripts
{
    public static readonly string LegacyState = Load("legacy-state");
    public static readonly string LegacyImport = Load("legacy-import");
}
